"""Editing a timetable by hand: pins, moves and swaps with a clash check, where a session
could go.

A draft (a completed, unpublished job) is edited in place. A published timetable never is:
a move on it first copies it into a new draft (``params.edited_from`` names the origin) and
the move is applied there. Every check runs the optimizer's pure move check
(``timetabling.optimizer.moves``) on the job's problem as the generator builds it, so a
manual edit obeys exactly the rules generation does.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from django.db import transaction
from django.utils import timezone

from academics.models import Day
from sih28.errors import ApplicationError, ConflictError, NotFoundError
from timetabling import optimizer as opt
from timetabling import selectors
from timetabling.changes import Change, Changes, Place, SlotRow, timetable_changes
from timetabling.generation.create import check_manager
from timetabling.generation.pins import REASON, job_pins, with_pins
from timetabling.generation.problem import generation_problem_build, name_rooms
from timetabling.models import GenerationJob, JobStatus, TimetableSlot
from timetabling.optimizer import moves


class MoveRejected(ConflictError):
    """An applied move (not a dry run) that would break a hard rule."""


@dataclass(frozen=True)
class Draft:
    """A job's timetable as the optimizer sees it, and the slots behind each session."""

    job: GenerationJob
    problem: opt.Problem
    sessions: tuple[opt.Session, ...]
    slots: tuple[tuple[int, ...], ...]  # slot ids per session index (one per batch)
    index_of_slot: dict[int, int]
    room_codes: dict[int, str]

    def room_id(self, code: str) -> int:
        for pk, known in self.room_codes.items():
            if known == code:
                return pk
        raise ApplicationError(f"There is no room {code[:40]!r}.")

    def place(self, day: int, period: int, room: int) -> dict[str, Any]:
        """(0-based day and period, room id) in the office's words."""
        return {
            "day": Day(day).label,
            "period": period + 1,
            "room": self.room_codes.get(room, str(room)),
        }


@dataclass(frozen=True)
class MoveOutcome:
    """What a move request did: the job it concerns (a new draft when the request was
    about a published timetable), whether it was applied, and the check behind it."""

    job_id: int
    new_job: bool
    dry_run: bool
    applied: bool
    check: moves.MoveCheck
    moved: tuple[dict[str, Any], ...]  # per moved session: slot ids, from, to


def _job(job_id: int) -> GenerationJob:
    job = GenerationJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFoundError(f"Generation job {job_id} does not exist.")
    if job.status != JobStatus.COMPLETED:
        raise ConflictError(
            f"Job {job_id} is {job.status}: only a completed job's timetable can be edited."
        )
    return job


def _slot(slot_id: int) -> TimetableSlot:
    slot = TimetableSlot.objects.select_related("job").filter(pk=slot_id).first()
    if slot is None:
        raise NotFoundError(f"Timetable slot {slot_id} does not exist.")
    return slot


def draft_load(*, job: GenerationJob) -> Draft:
    """The job's problem (as generation builds it, with this job's own pins) and its slots
    grouped into sessions: every batch's slot of a combined class is one session."""
    gen = generation_problem_build(job=job)
    if gen.issues:
        raise ConflictError("This timetable cannot be checked: " + " ".join(gen.issues))
    name_rooms(gen)
    class_of = {o.pk: cid for cid, offerings in gen.offerings_of.items() for o in offerings}
    own_pins = job_pins(job_id=job.pk, class_of_offering=class_of)
    classes = [
        replace(c, pins=tuple(p for p in c.pins if p.reason != REASON)) for c in gen.problem.classes
    ]
    problem = replace(gen.problem, classes=tuple(with_pins(classes, own_pins)))
    grouped: dict[tuple[int, int, int], list[int]] = {}
    rooms: dict[tuple[int, int, int], int] = {}
    for pk, offering_id, day, period, room_id in (
        TimetableSlot.objects.filter(job=job)
        .order_by("pk")
        .values_list("pk", "offering_id", "day", "period", "room_id")
    ):
        cid = class_of.get(offering_id)
        if cid is None:
            continue  # its offering left the scope since the job ran
        key = (cid, day, period - 1)
        grouped.setdefault(key, []).append(pk)
        rooms.setdefault(key, room_id)
    keys = sorted(grouped)
    sessions = tuple(opt.Session(cid, d, p, rooms[(cid, d, p)]) for cid, d, p in keys)
    slots = tuple(tuple(grouped[k]) for k in keys)
    return Draft(
        job=job,
        problem=problem,
        sessions=sessions,
        slots=slots,
        index_of_slot={pk: i for i, ids in enumerate(slots) for pk in ids},
        room_codes=dict(problem.names.get("rooms", {})),
    )


def _index(draft: Draft, slot_id: int) -> int:
    index = draft.index_of_slot.get(slot_id)
    if index is None:
        raise ApplicationError(
            f"Slot {slot_id} is not a session of job {draft.job.pk}'s timetable in its scope."
        )
    return index


def _day(name: str) -> int:
    for value, label in Day.choices:
        if label == name.upper():
            return int(value)
    raise ApplicationError(f"Unknown day {name[:10]!r}; use MON, TUE, ... SUN.")


# ---------------------------------------------------------------- pins


@transaction.atomic
def timetable_slot_pin(*, user: Any, slot_id: int, pinned: bool = True) -> list[TimetableSlot]:
    """Pin (or unpin) a session of a draft: its slots of every batch at that day, period and
    room. A published timetable's sessions cannot be pinned (409): edit a draft."""
    check_manager(user)
    slot = _slot(slot_id)
    job = GenerationJob.objects.select_for_update().get(pk=slot.job_id)
    if job.published_at is not None:
        raise ConflictError(
            f"Job {job.pk} is published: pin sessions of a draft (a move on a published "
            "timetable makes one)."
        )
    if job.status != JobStatus.COMPLETED:
        raise ConflictError(f"Job {job.pk} is {job.status}: only a completed draft has sessions.")
    session = TimetableSlot.objects.filter(
        job=job, day=slot.day, period=slot.period, room_id=slot.room_id
    )
    session.update(pinned=pinned)
    return list(session.order_by("batch_id"))


# ---------------------------------------------------------------- moves


def _copy_published(job: GenerationJob, user: Any) -> GenerationJob:
    """A new draft with the published job's slots (pins kept), noting where it came from."""
    now = timezone.now()
    draft = GenerationJob.objects.create(
        status=JobStatus.COMPLETED,
        semester=job.semester,
        department_id=job.department_id,
        batch_id=job.batch_id,
        time_limit_s=job.time_limit_s,
        params={**(job.params or {}), "edited_from": job.pk},
        metrics={},  # the published run's figures do not describe an edited copy
        created_by=user if getattr(user, "pk", None) else None,
        started_at=now,
        finished_at=now,
        term_start=job.term_start,
        term_end=job.term_end,
    )
    TimetableSlot.objects.bulk_create(
        [
            replace_slot(s, job_id=draft.pk)
            for s in TimetableSlot.objects.filter(job=job).order_by("pk")
        ],
        batch_size=2000,
    )
    return draft


def replace_slot(slot: TimetableSlot, *, job_id: int) -> TimetableSlot:
    return TimetableSlot(
        job_id=job_id,
        offering_id=slot.offering_id,
        batch_id=slot.batch_id,
        faculty_id=slot.faculty_id,
        room_id=slot.room_id,
        day=slot.day,
        period=slot.period,
        length=slot.length,
        active=False,
        primary=slot.primary,
        pinned=slot.pinned,
    )


def _moved(draft: Draft, check: moves.MoveCheck) -> tuple[dict[str, Any], ...]:
    out = []
    for placement in check.placements:
        old = draft.sessions[placement.index]
        out.append(
            {
                "slots": list(draft.slots[placement.index]),
                "class": draft.problem.names.get("classes", {}).get(old.class_id, ""),
                "from": draft.place(old.day, old.period, old.room),
                "to": draft.place(placement.day, placement.period, placement.room),
            }
        )
    return tuple(out)


def _apply(draft: Draft, check: moves.MoveCheck) -> None:
    """Every slot of every moved session to its new place, pinned there."""
    for placement in check.placements:
        TimetableSlot.objects.filter(pk__in=draft.slots[placement.index]).update(
            day=placement.day, period=placement.period + 1, room_id=placement.room, pinned=True
        )


def _check(
    draft: Draft,
    slot_id: int,
    *,
    day: str | None,
    period: int | None,
    room: str | None,
    swap_with: int | None,
) -> moves.MoveCheck:
    index = _index(draft, slot_id)
    try:
        if swap_with is not None:
            return moves.check_swap(draft.problem, draft.sessions, index, _index(draft, swap_with))
        if day is None or period is None:
            raise ApplicationError("A move needs a day and a period (or swap_with).")
        here = draft.sessions[index]
        room_id = here.room if room is None else draft.room_id(room)
        return moves.check_move(
            draft.problem, draft.sessions, index, _day(day), period - 1, room_id
        )
    except moves.MoveRefused as refused:
        raise ApplicationError(str(refused)) from refused


@transaction.atomic
def timetable_move(
    *,
    user: Any,
    job_id: int,
    slot_id: int,
    day: str | None = None,
    period: int | None = None,
    room: str | None = None,
    swap_with: int | None = None,
    dry_run: bool = False,
) -> MoveOutcome:
    """Check, and unless ``dry_run`` apply, a move (or a swap) of one session of a job.

    A dry run only answers. Otherwise the move is applied only when it breaks no hard rule
    (else ``MoveRejected``, 409, naming every rule), in one transaction: the slots of every
    moved session (each batch of a combined class, every option of a basket) move and are
    pinned. On a published job the move is made on a new draft copied from it.
    """
    check_manager(user)
    job = _job(job_id)
    slot = _slot(slot_id)
    if slot.job_id != job.pk:
        raise ApplicationError(f"Slot {slot_id} is not a slot of job {job_id}.")
    if swap_with is not None and _slot(swap_with).job_id != job.pk:
        raise ApplicationError(f"Slot {swap_with} is not a slot of job {job_id}.")
    new_job = False
    if not dry_run:
        job = GenerationJob.objects.select_for_update().get(pk=job.pk)
        if job.published_at is not None:
            origin = job
            job = _copy_published(origin, user)
            new_job = True
            slot_id, swap_with = _same_slots(origin, job, slot_id, swap_with)
    draft = draft_load(job=job)
    check = _check(draft, slot_id, day=day, period=period, room=room, swap_with=swap_with)
    if not dry_run:
        if not check.ok:
            raise MoveRejected(
                "The move breaks hard rules: "
                + "; ".join(v.message for v in check.violations)
                + ".",
                extra={
                    "violations": [{"kind": v.kind, "message": v.message} for v in check.violations]
                },
            )
        _apply(draft, check)
    return MoveOutcome(
        job_id=job.pk,
        new_job=new_job,
        dry_run=dry_run,
        applied=not dry_run,
        check=check,
        moved=_moved(draft, check),
    )


def _same_slots(
    origin: GenerationJob, copy: GenerationJob, slot_id: int, swap_with: int | None
) -> tuple[int, int | None]:
    """The copy's slot ids of the origin's ``slot_id`` and ``swap_with`` (copies keep order)."""
    old = list(TimetableSlot.objects.filter(job=origin).order_by("pk").values_list("pk", flat=True))
    new = list(TimetableSlot.objects.filter(job=copy).order_by("pk").values_list("pk", flat=True))
    mapping = dict(zip(old, new, strict=True))
    return mapping[slot_id], None if swap_with is None else mapping[swap_with]


# ---------------------------------------------------------------- where can this go


@dataclass(frozen=True)
class SlotOptions:
    slot_id: int
    job_id: int
    current: dict[str, Any]
    options: tuple[dict[str, Any], ...]


def slot_move_options(*, user: Any, slot_id: int, limit: int | None = None) -> SlotOptions:
    """Every (day, period, room) the slot's session could move to without breaking a hard
    rule, smallest soft change first, in the office's words."""
    check_manager(user)
    slot = _slot(slot_id)
    draft = draft_load(job=_job(slot.job_id))
    index = _index(draft, slot_id)
    here = draft.sessions[index]
    found = moves.move_options(draft.problem, draft.sessions, index, limit=limit)
    return SlotOptions(
        slot_id=slot_id,
        job_id=draft.job.pk,
        current=draft.place(here.day, here.period, here.room),
        options=tuple(
            {
                **draft.place(o.day, o.period, o.room),
                "soft_total_delta": o.soft_total_delta,
                "soft_delta": {d.name: d.delta for d in o.soft_delta},
            }
            for o in found
        ),
    )


def soft_delta_words(deltas: Sequence[moves.SoftDelta]) -> list[dict[str, Any]]:
    return [{"name": d.name, "delta": d.delta, "weight": d.weight, "cost": d.cost} for d in deltas]


# ---------------------------------------------------------------- what changed


def _rows(qs: Any) -> list[SlotRow]:
    return [
        SlotRow(
            offering=r.offering_id,
            batch=r.batch__code,
            subject=r.offering__subject__code,
            place=Place(r.day, r.period, r.room__code),
        )
        for r in qs
    ]


def job_changes(*, job_id: int) -> tuple[GenerationJob, Changes]:
    """A job's timetable against the published timetable of its batches (two queries)."""
    job = GenerationJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFoundError(f"Generation job {job_id} does not exist.")
    published, mine = selectors.changes_slots(job=job)
    return job, timetable_changes(_rows(published), _rows(mine))


def changes_words(job: GenerationJob, changes: Changes) -> dict[str, Any]:
    """The change list as the API and the page show it: days by name, periods from 1."""

    def place(p: Place) -> dict[str, Any]:
        return {"day": Day(p.day).label, "period": p.period, "room": p.room}

    def rows(moves: tuple[Change, ...]) -> list[dict[str, Any]]:
        return [
            {"batch": c.batch, "subject": c.subject, "from": place(c.before), "to": place(c.after)}
            for c in moves
        ]

    return {
        "job": job.pk,
        "sessions": changes.sessions,
        "time_moves": rows(changes.time_moves),
        "room_moves": rows(changes.room_moves),
        "time_share": changes.share(changes.time_moves),
        "room_share": changes.share(changes.room_moves),
        "added": changes.added,
        "removed": changes.removed,
    }
