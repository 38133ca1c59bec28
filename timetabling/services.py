"""Writes of the timetabling app: attendance (generation lives in the ``generation`` package)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from academics.models import Day, Enrollment, Student
from academics.selectors import batch_descendant_ids
from sih28.errors import ApplicationError, NotFoundError
from sih28.permissions import FACULTY, MANAGERS, role_of
from timetabling.models import (
    Attendance,
    AttendanceStatus,
    FacultyLeave,
    SessionOverride,
    TimetableSlot,
)
from timetabling.selectors import attendance_list


class AttendanceError(ApplicationError):
    pass


class AttendanceForbidden(ApplicationError):
    status_code = 403


def attendance_window(*, term_start: dt.date | None) -> tuple[dt.date, dt.date]:
    """The dates attendance may be marked for: never after today (in ``TIME_ZONE``); from
    the term's first day when the timetable has a term, else from
    ``ATTENDANCE_BACKFILL_DAYS`` days ago."""
    today = timezone.localdate()
    first = term_start or today - dt.timedelta(days=settings.ATTENDANCE_BACKFILL_DAYS)
    return first, today


def _check_teacher_of_the_day(user, slot: TimetableSlot, date: dt.date) -> None:
    """A teacher marks their own slots, except on a date another teacher covers for them
    (who marks it instead) or a date they are on leave."""
    override = (
        SessionOverride.objects.filter(slot=slot, date=date, substitute__isnull=False)
        .select_related("substitute")
        .first()
    )
    if override is not None and override.substitute is not None:
        if override.substitute.user_id != user.pk:
            raise AttendanceForbidden(
                f"On {date.isoformat()} this session is taught by a substitute, who marks it."
            )
        return
    if slot.faculty.user_id != user.pk:
        raise AttendanceForbidden("You can mark attendance only for your own slots.")
    if FacultyLeave.objects.filter(
        faculty_id=slot.faculty_id, start__lte=date, end__gte=date
    ).exists():
        raise AttendanceForbidden(
            f"You are on leave on {date.isoformat()}; this session cannot be marked by you."
        )


@transaction.atomic
def attendance_mark(
    *,
    user,
    slot_id: int,
    date: dt.date,
    entries: Sequence[tuple[int, str]],
) -> list[Attendance]:
    """Record attendance for a whole class on one date; re-marking updates the status.

    Faculty may mark only their own published slots (not on a date they are on leave; on a
    date a substitute covers, only the substitute); admin and staff any published slot.
    The date must fall on the slot's weekday and inside :func:`attendance_window`, and
    every student must attend the session (:func:`_check_class_members`).
    """
    slot = (
        TimetableSlot.objects.select_related(
            "faculty", "job", "batch", "offering__subject", "offering__basket_option__basket"
        )
        .filter(pk=slot_id)
        .first()
    )
    if slot is None:
        raise NotFoundError(f"Timetable slot {slot_id} does not exist.")
    role = role_of(user)
    if role == FACULTY:
        _check_teacher_of_the_day(user, slot, date)
    elif role not in MANAGERS:
        raise AttendanceForbidden("Your role cannot mark attendance.")
    if not slot.active:
        raise AttendanceError("Attendance can be marked only for slots of the published timetable.")
    if date.weekday() != slot.day:
        raise AttendanceError(
            f"{date.isoformat()} is a {Day(date.weekday()).label}, but this slot is on "
            f"{Day(slot.day).label}."
        )
    job = slot.job
    if (job.term_start and date < job.term_start) or (job.term_end and date > job.term_end):
        raise AttendanceError(
            f"{date.isoformat()} is outside this timetable's term "
            f"({job.term_start or '…'} to {job.term_end or '…'})."
        )
    first, last = attendance_window(term_start=job.term_start)
    if date > last:
        raise AttendanceError(
            f"{date.isoformat()} is in the future: attendance can be marked up to today "
            f"({last.isoformat()})."
        )
    if date < first:
        raise AttendanceError(
            f"{date.isoformat()} is too far back: this timetable has no term, so attendance "
            f"can be marked for the last {settings.ATTENDANCE_BACKFILL_DAYS} days only "
            f"({first.isoformat()} to {last.isoformat()})."
        )
    statuses: dict[int, str] = {}
    for student_id, status in entries:
        if student_id in statuses:
            raise AttendanceError(f"Student {student_id} is listed twice.")
        if status not in AttendanceStatus.values:
            raise AttendanceError(f"Unknown status {status!r}.")
        statuses[student_id] = status
    _check_class_members(slot, list(statuses))
    now = timezone.now()
    Attendance.objects.bulk_create(
        [
            Attendance(
                student_id=sid, slot=slot, date=date, status=status, marked_by=user, marked_at=now
            )
            for sid, status in statuses.items()
        ],
        update_conflicts=True,
        unique_fields=["student", "slot", "date"],
        update_fields=["status", "marked_by", "marked_at"],
    )
    return list(
        attendance_list()
        .filter(slot=slot, date=date, student_id__in=statuses)
        .order_by("student_id")
    )


def _check_class_members(slot: TimetableSlot, student_ids: list[int]) -> None:
    """Every student must attend the slot's session: be in its batch or one of that batch's
    subgroups (a subgroup's session: that subgroup only) and, for a basket option's
    session, be enrolled in that option. Anyone else is an error naming them."""
    batches = [slot.batch_id, *batch_descendant_ids(batch_id=slot.batch_id)]
    members = Student.objects.filter(pk__in=student_ids, batch_id__in=batches)
    option = slot.offering.basket_option
    if option is not None:
        members = members.filter(
            pk__in=Enrollment.objects.filter(option=option).values("student_id")
        )
    strangers = sorted(set(student_ids) - set(members.values_list("pk", flat=True)))
    if not strangers:
        return
    rolls = dict(Student.objects.filter(pk__in=strangers[:20]).values_list("pk", "roll_number"))
    names = ", ".join(rolls.get(s, f"id {s}") for s in strangers[:20])
    if len(strangers) > 20:
        names += f" and {len(strangers) - 20} more"
    if option is not None:
        where = (
            f"enrolled in this session's option ({slot.offering.subject.code} of basket "
            f"{option.basket.code}) in batch {slot.batch.code}"
        )
    else:
        where = f"in this session's batch {slot.batch.code}"
    raise AttendanceError(
        f"These students are not {where}: {names}.", extra={"students": strangers}
    )
