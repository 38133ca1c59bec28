"""Building the optimizer's problem for a job from the database."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings

from academics import limits
from academics.models import Offering, Room, TimeSlot
from timetabling import optimizer as opt
from timetabling.generation import groups, placement
from timetabling.generation.params import JobParams
from timetabling.generation.pins import regeneration_pins
from timetabling.generation.scope import scope_resolve
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
    # batches the scope pulled in and through which class ("scope CE-3A also takes CE-3B
    # (combined class MA301)")
    scope_notes: list[str] = field(default_factory=list)


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


def generation_problem_build(*, job: GenerationJob) -> GenerationInput:
    """Read everything the optimizer needs for ``job`` in a fixed number of queries.

    Offerings of the scope are grouped into classes (same non-empty group, subject and
    faculty = one combined class; the offerings of one basket option = one class of the
    basket). A parent batch's classes occupy its subgroups too. The published sessions of
    batches outside the scope are fixed: their faculty, rooms and batches stay busy. Of the
    batches the scope pulled in, only the classes tying them to the asked batches move; the
    others are pinned where they are published. When the job asks to stay close, the
    published sessions of the scope are the timetable to stay close to.
    """
    stay_close = JobParams.of(job).stay_close
    scope = scope_resolve(
        semester=job.semester, department_id=job.department_id, batch_id=job.batch_id
    )
    batch_ids = set(scope.batch_ids)
    offerings = list(
        Offering.objects.filter(batch_id__in=batch_ids)
        .select_related(
            "subject",
            "batch",
            "faculty",
            "basket_option__basket",
            "basket_option__subject",
            "basket_option__faculty",
        )
        .order_by("batch__code", "subject__code", "pk")
    )
    issues = []
    try:
        grid = time_grid(TimeSlot.objects.values_list("day", "period", "start_time", "end_time"))
    except GridTooLarge as exc:
        issues.append(str(exc))
        grid = opt.TimeGrid(days=0, periods_per_day=0)
    rooms = placement.rooms_read()
    tree = groups.batch_tree_read()
    days_in_grid = len(
        {d for d in range(grid.days) if any(grid.exists(d, p) for p in range(grid.periods_per_day))}
    )

    # classes: combined offerings (same non-empty group, subject, faculty) are one class;
    # the offerings of one basket option are one class of the basket
    members: dict[tuple[Any, ...], list[Offering]] = {}
    options: dict[int, groups.OptionOfferings] = {}
    for o in offerings:
        if o.basket_option is not None:
            options.setdefault(o.basket_option.pk, groups.OptionOfferings(o.basket_option))
            options[o.basket_option.pk].offerings.append(o)
            continue
        key = ("g", o.group, o.subject_id, o.faculty_id) if o.group else ("o", o.pk)
        members.setdefault(key, []).append(o)
    classes: list[opt.ClassSpec] = []
    offerings_of: dict[int, list[Offering]] = {}
    class_names: dict[int, str] = {}
    classes_of_batch: dict[int, list[int]] = defaultdict(list)
    for group in members.values():
        first = group[0]
        subject = first.subject
        cid = first.pk
        offerings_of[cid] = group
        own = tuple(dict.fromkeys(o.batch_id for o in group))
        for b in own:
            classes_of_batch[b].append(cid)
        class_names[cid] = f"{subject.code} ({'+'.join(o.batch.code for o in group)})"
        classes.append(
            opt.ClassSpec(
                id=cid,
                kind=groups.room_kind(subject.kind),
                faculty=first.faculty_id,
                batches=tree.below(own),  # a parent's class occupies its subgroups
                sessions_per_week=subject.sessions_per_week,
                periods_per_session=subject.periods_per_session,
                min_days=min(subject.min_days, subject.sessions_per_week, days_in_grid),
                size=sum(tree.rows[b].size for b in own),  # the attending students only
                room_features=limits.tags_of(subject.room_features),
            )
        )
    baskets = groups.basket_classes_build(options, tree, days_in_grid)
    classes += baskets.classes
    offerings_of.update(baskets.offerings_of)
    class_names.update(baskets.names)
    issues += baskets.issues
    class_of_offering = {o.pk: cid for cid, group in offerings_of.items() for o in group}

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
        # a parent's session keeps its subgroups busy too
        opt.FixedSession(day=d, period=p, length=n, faculty=f, room=r, batches=tree.below(bs))
        for (d, p, n, f, r), bs in sorted(fixed_cells.items())
    )
    prev = tuple(
        opt.Session(class_id=cid, day=d, period=p, room=r)
        for (cid, d, p), r in sorted(previous.items())
    )
    published: dict[int, list[opt.Session]] = defaultdict(list)
    for s in prev:
        published[s.class_id].append(s)

    pins = placement.Pins()
    placement.fixed_pins_add(
        pins,
        batch_ids=batch_ids,
        class_of={(o.batch_id, o.subject_id): class_of_offering[o.pk] for o in offerings},
        grid=grid,
        tree=tree,
    )
    placement.kept_pins_add(pins, classes=classes, asked=scope.asked, published=published)
    placement.pins_check(pins, classes, class_names)
    issues += pins.issues
    classes = [replace(c, pins=tuple(pins.of[c.id])) if pins.of.get(c.id) else c for c in classes]
    # the office's pins on the scope's last draft, when regenerating close to it
    classes = regeneration_pins(
        job=job, classes=classes, class_of_offering=class_of_offering, stay_close=stay_close
    )

    faculty_rows = {o.faculty_id: o.faculty for o in offerings}
    faculty_rows.update({g.option.faculty_id: g.option.faculty for g in options.values()})
    shifts = placement.shifts_build(batch_ids, tree, grid)
    issues += shifts.issues
    used = sorted(batch_ids | {b for c in classes for b in c.batches})
    batches = tuple(
        opt.Batch(
            id=b,
            size=tree.rows[b].size,
            unavailable=shifts.unavailable.get(b, frozenset()),
        )
        for b in used
    )
    students = groups.students_build(
        batch_ids=batch_ids, tree=tree, classes_of_batch=classes_of_batch, chosen=baskets.chosen
    )
    names = {
        "faculty": {f.pk: f.employee_id for f in faculty_rows.values()},
        "batches": {b: tree.rows[b].code for b in used},
        "rooms": {},
        "classes": class_names,
        "baskets": baskets.baskets,
        "students": students.roll_numbers,
        "shifts": shifts.codes,
    }
    if not grid.days and not issues:
        issues.append("The weekly time grid is empty: import timeslots first.")
    if not rooms:
        issues.append("There are no rooms: import rooms first.")
    problem = opt.Problem(
        grid=grid,
        rooms=rooms,
        faculty=placement.faculty_build(faculty_rows.values()),
        batches=batches,
        classes=tuple(classes),
        fixed=fixed,
        previous=prev if stay_close else (),
        students=students.loads,
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
        scope_notes=list(scope.notes(job.scope_label)),
    )


def name_rooms(gen: GenerationInput) -> None:
    """Room codes for explanations and remedies (one query)."""
    gen.problem.names["rooms"] = dict(Room.objects.values_list("pk", "code"))
