"""Building the optimizer's problem for a job from the database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from academics import limits
from academics.models import FacultyUnavailability, Offering, Room, SubjectKind, TimeSlot
from timetabling import optimizer as opt
from timetabling.generation.params import JobParams
from timetabling.generation.scope import scope_batch_ids
from timetabling.generation.variants import variant_weights
from timetabling.models import GenerationJob, TimetableSlot


@dataclass
class GenerationInput:
    """The optimizer problem plus what is needed to turn its result back into slots."""

    problem: opt.Problem
    offerings_of: dict[int, list[Offering]]  # class id -> its offerings, first is primary
    batch_ids: set[int]
    previous: tuple[opt.Session, ...]  # the published timetable of the scope
    stay_close: bool  # whether ``problem`` keeps close to ``previous``
    issues: list[str] = field(default_factory=list)  # reasons it cannot be solved at all


class GridTooLarge(ValueError):
    """The time grid is beyond the domain's bounds (``academics.limits``)."""


def time_grid(rows: Iterable[tuple[int, int, dt.time, dt.time]]) -> opt.TimeGrid:
    """TimeSlot rows (day, 1-based period, start, end) -> a 0-based grid with missing cells
    and breaks (period p+1 does not start exactly when p ends).

    The grid's size is checked before anything of that size is allocated: a grid beyond
    ``limits.MAX_PERIODS_PER_DAY`` periods or seven days raises :class:`GridTooLarge` (one
    stray period 1,000,000,000 once grew the process until the kernel killed it).
    """
    cells = {(day, period - 1): (start, end) for day, period, start, end in rows}
    if not cells:
        return opt.TimeGrid(days=0, periods_per_day=0)
    days = max(d for d, _ in cells) + 1
    periods = max(p for _, p in cells) + 1
    if periods > limits.MAX_PERIODS_PER_DAY or days > limits.MAX_DAYS_PER_WEEK:
        raise GridTooLarge(
            f"The weekly time grid has {periods} periods a day over {days} days; at most "
            f"{limits.MAX_PERIODS_PER_DAY} periods a day over {limits.MAX_DAYS_PER_WEEK} days "
            "are allowed: correct the timeslots."
        )
    missing = frozenset((d, p) for d in range(days) for p in range(periods) if (d, p) not in cells)
    starts = {cell: start for cell, (start, _) in cells.items()}
    breaks = frozenset(
        (d, p)
        for (d, p), (_, end) in cells.items()
        if (d, p + 1) in starts and starts[(d, p + 1)] != end
    )
    return opt.TimeGrid(days=days, periods_per_day=periods, missing=missing, breaks_after=breaks)


def _room_kind(kind: str) -> opt.RoomKind:
    return opt.RoomKind.LAB if kind == SubjectKind.LAB else opt.RoomKind.LECTURE


def generation_problem_build(*, job: GenerationJob) -> GenerationInput:
    """Read everything the optimizer needs for ``job`` in a fixed number of queries.

    Offerings of the scope are grouped into classes (same non-empty group, subject and
    faculty = one combined class). The published sessions of batches outside the scope are
    fixed: their faculty, rooms and batches stay busy. When the job asks to stay close, the
    published sessions of the scope are the timetable to stay close to.
    """
    stay_close = JobParams.of(job).stay_close
    batch_ids = scope_batch_ids(
        semester=job.semester, department_id=job.department_id, batch_id=job.batch_id
    )
    offerings = list(
        Offering.objects.filter(batch_id__in=batch_ids)
        .select_related("subject", "batch", "faculty")
        .order_by("batch__code", "subject__code", "pk")
    )
    issues = []
    try:
        grid = time_grid(TimeSlot.objects.values_list("day", "period", "start_time", "end_time"))
    except GridTooLarge as exc:
        issues.append(str(exc))
        grid = opt.TimeGrid(days=0, periods_per_day=0)
    rooms = tuple(
        opt.Room(id=pk, kind=opt.RoomKind(kind), capacity=capacity)
        for pk, kind, capacity in Room.objects.order_by("pk").values_list("pk", "kind", "capacity")
    )
    faculty_rows = {o.faculty_id: o.faculty for o in offerings}
    unavailable: dict[int, set[opt.Slot]] = defaultdict(set)
    for fid, day, period in FacultyUnavailability.objects.filter(
        faculty_id__in=faculty_rows
    ).values_list("faculty_id", "day", "period"):
        unavailable[fid].add((day, period - 1))
    faculty = tuple(
        opt.Faculty(
            id=f.pk,
            unavailable=frozenset(unavailable.get(f.pk, ())),
            max_periods_per_day=f.max_hours_per_day,
            max_periods_per_week=f.max_hours_per_week,
        )
        for f in sorted(faculty_rows.values(), key=lambda f: f.pk)
    )
    batch_rows = {o.batch_id: o.batch for o in offerings}
    batches = tuple(opt.Batch(id=b.pk, size=b.size) for b in batch_rows.values())

    # classes: combined offerings (same non-empty group, subject, faculty) are one class
    members: dict[tuple[Any, ...], list[Offering]] = {}
    for o in offerings:
        key = ("g", o.group, o.subject_id, o.faculty_id) if o.group else ("o", o.pk)
        members.setdefault(key, []).append(o)
    days_in_grid = len(
        {d for d in range(grid.days) if any(grid.exists(d, p) for p in range(grid.periods_per_day))}
    )
    classes: list[opt.ClassSpec] = []
    offerings_of: dict[int, list[Offering]] = {}
    class_of_offering: dict[int, int] = {}
    for group in members.values():
        first = group[0]
        subject = first.subject
        cid = first.pk
        offerings_of[cid] = group
        for o in group:
            class_of_offering[o.pk] = cid
        classes.append(
            opt.ClassSpec(
                id=cid,
                kind=_room_kind(subject.kind),
                faculty=first.faculty_id,
                batches=tuple(dict.fromkeys(o.batch_id for o in group)),
                sessions_per_week=subject.sessions_per_week,
                periods_per_session=subject.periods_per_session,
                min_days=min(subject.min_days, subject.sessions_per_week, days_in_grid),
            )
        )

    # published sessions: outside the scope they are fixed, inside they are "previous"
    fixed_cells: dict[tuple[int, int, int, int, int], list[int]] = {}
    previous: dict[tuple[int, int, int], int] = {}
    for day, period, length, fid, room_id, b, offering_id in TimetableSlot.objects.filter(
        active=True
    ).values_list("day", "period", "length", "faculty_id", "room_id", "batch_id", "offering_id"):
        if b in batch_ids:
            prev_cid = class_of_offering.get(offering_id)
            if prev_cid is not None:
                previous.setdefault((prev_cid, day, period - 1), room_id)
        else:
            # a combined class has one slot per batch: one fixed session for all of them
            fixed_cells.setdefault((day, period - 1, length, fid, room_id), []).append(b)
    fixed = tuple(
        opt.FixedSession(day=d, period=p, length=n, faculty=f, room=r, batches=tuple(bs))
        for (d, p, n, f, r), bs in sorted(fixed_cells.items())
    )
    prev = tuple(
        opt.Session(class_id=cid, day=d, period=p, room=r)
        for (cid, d, p), r in sorted(previous.items())
    )
    names = {
        "faculty": {f.pk: f.employee_id for f in faculty_rows.values()},
        "batches": {b.pk: b.code for b in batch_rows.values()},
        "rooms": {},
        "classes": {
            cid: f"{g[0].subject.code} ({'+'.join(o.batch.code for o in g)})"
            for cid, g in offerings_of.items()
        },
    }
    if not grid.days and not issues:
        issues.append("The weekly time grid is empty: import timeslots first.")
    if not rooms:
        issues.append("There are no rooms: import rooms first.")
    problem = opt.Problem(
        grid=grid,
        rooms=rooms,
        faculty=faculty,
        batches=batches,
        classes=tuple(classes),
        fixed=fixed,
        previous=prev if stay_close else (),
        weights=variant_weights(
            JobParams.of(job).weighting,
            opt.Weights(previous_distance=settings.GENERATION_STAY_CLOSE_WEIGHT),
        ),
        names=names,
    )
    return GenerationInput(
        problem=problem,
        offerings_of=offerings_of,
        batch_ids=batch_ids,
        previous=prev,
        stay_close=stay_close,
        issues=issues,
    )


def name_rooms(gen: GenerationInput) -> None:
    """Room codes for explanations (one query, only when an explanation is needed)."""
    gen.problem.names["rooms"] = dict(Room.objects.values_list("pk", "code"))
