"""Writes of leave and substitution: record a leave, accept a proposal for one session."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sentry_sdk
from django.db import IntegrityError, transaction

from academics.models import Faculty
from sih28.errors import ApplicationError, ConflictError, NotFoundError
from sih28.permissions import MANAGERS, role_of
from timetabling.leave.proposals import Calendar, Gap
from timetabling.models import FacultyLeave, SessionOverride, TimetableSlot

logger = logging.getLogger(__name__)

MAX_RANGE_DAYS = 62


class LeaveForbidden(ApplicationError):
    status_code = 403


def _check_manager(user: Any) -> None:
    """Admin and staff; ``None`` is the command line (or a benchmark)."""
    if user is not None and role_of(user) not in MANAGERS:
        raise LeaveForbidden("Only admin and staff can record leave and accept cover.")


def check_range(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ApplicationError("end must not be before start.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ApplicationError(f"A range covers at most {MAX_RANGE_DAYS} days.")


@transaction.atomic
def faculty_leave_create(
    *, user: Any, faculty_id: int, start: dt.date, end: dt.date, reason: str = ""
) -> FacultyLeave:
    """Record that a teacher is away from ``start`` to ``end`` (both included)."""
    _check_manager(user)
    check_range(start, end)
    if not Faculty.objects.filter(pk=faculty_id).exists():  # a field of the request: 400
        raise ApplicationError(
            f"Faculty {faculty_id} does not exist.",
            extra={"faculty": [f"No faculty {faculty_id}."]},
        )
    leave = FacultyLeave.objects.create(
        faculty_id=faculty_id,
        start=start,
        end=end,
        reason=reason,
        created_by=user if getattr(user, "pk", None) else None,
    )
    logger.info("leave %s recorded: faculty %s, %s to %s", leave.pk, faculty_id, start, end)
    return leave


def leave_gaps(*, leave: FacultyLeave) -> list[Gap]:
    """Every session the leave touches, with ranked proposals for those not yet covered."""
    return Calendar(leave.start, leave.end).gaps(leave, leave.start, leave.end)


def uncovered_gaps(*, start: dt.date, end: dt.date) -> list[Gap]:
    """Sessions between ``start`` and ``end`` whose teacher is on leave and that have no
    accepted cover (no proposals computed)."""
    check_range(start, end)
    calendar = Calendar(start, end)
    gaps = []
    for leave in calendar.leaves:
        if leave.end < start or leave.start > end:
            continue
        gaps.extend(g for g in calendar.gaps(leave, start, end, propose=False) if not g.covered_by)
    gaps.sort(key=lambda g: (g.date, g.session.period, g.session.batch_codes))
    return gaps


@transaction.atomic
def session_override_accept(
    *,
    user: Any,
    leave_id: int,
    slot_id: int,
    date: dt.date,
    substitute_id: int,
    period: int | None = None,
) -> list[SessionOverride]:
    """Accept one proposal for a session on a date of a leave: ``substitute_id`` teaches it
    (at ``period`` that day when the proposal was a move). The proposal must still hold
    (it is computed again now). Writes one override per slot of the session (a combined
    class has one slot per batch); the weekly timetable is not changed."""
    _check_manager(user)
    leave = FacultyLeave.objects.filter(pk=leave_id).first()
    if leave is None:
        raise NotFoundError(f"Leave {leave_id} does not exist.")
    if not leave.start <= date <= leave.end:
        raise ApplicationError(f"{date.isoformat()} is not a date of leave {leave_id}.")
    calendar = Calendar(date, date)
    session_id = calendar.session_of_slot.get(slot_id)
    session = calendar.sessions.get(session_id) if session_id else None
    if session is None or session.faculty_id != leave.faculty_id or session.day != date.weekday():
        raise ApplicationError(
            f"Slot {slot_id} is not a published session of this teacher on {date.isoformat()}."
        )
    if calendar.override_of(session.slot_id, date) is not None:
        raise ConflictError(f"Slot {slot_id} already has accepted cover on {date.isoformat()}.")
    room_id = None
    if period is None or period == session.period:
        period = None
        fits = any(c.faculty_id == substitute_id for c in calendar.candidates(session, date))
    else:
        move = next(
            (m for m in calendar.moves(session, date) if m.period == period),
            None,
        )
        fits = move is not None and any(
            c.faculty_id == substitute_id for c in calendar.candidates(session, date, period)
        )
        room_id = move.room_id if move else None
    if not fits:
        raise ConflictError(
            "That proposal no longer fits (the teacher is busy, away or at their limit, or the "
            "period is taken); ask for proposals again."
        )
    slot_ids = TimetableSlot.objects.filter(
        pk__in=[sid for sid, first in calendar.session_of_slot.items() if first == session.slot_id]
    ).values_list("pk", flat=True)
    try:
        with transaction.atomic():
            overrides = SessionOverride.objects.bulk_create(
                [
                    SessionOverride(
                        slot_id=sid,
                        date=date,
                        substitute_id=substitute_id,
                        period=period,
                        room_id=room_id,
                        leave=leave,
                        created_by=user if getattr(user, "pk", None) else None,
                    )
                    for sid in sorted(slot_ids)
                ]
            )
    except IntegrityError as exc:
        raise ConflictError(
            f"Slot {slot_id} already has accepted cover on {date.isoformat()}."
        ) from exc
    what = f"moved to period {period}" if period else "covered"
    logger.info(
        "leave %s: slot %s on %s %s by faculty %s", leave_id, slot_id, date, what, substitute_id
    )
    sentry_sdk.add_breadcrumb(
        category="timetable.substitution",
        message=f"slot {slot_id} on {date.isoformat()}: {what}",
        data={"leave_id": leave_id, "slot_id": slot_id, "substitute_id": substitute_id},
    )
    return overrides
