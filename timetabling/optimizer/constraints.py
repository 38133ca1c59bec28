"""Hard rules on the time model, one function per rule.

Unavailability (faculty and class) and occupancy by fixed sessions are not constraints: such
starts never get a variable (see :func:`domain.allowed_starts`).
"""

from __future__ import annotations

from .model import RoomKind
from .timemodel import TimeModel


def add_class_demand(tm: TimeModel) -> None:
    """Each class gets exactly ``sessions_per_week`` sessions."""
    for ci, cls in enumerate(tm.prep.problem.classes):
        if cls.sessions_per_week <= 0:
            continue
        tm.post(sum(tm.class_vars(ci)) == cls.sessions_per_week, ("class", ci))


def add_no_class_overlap(tm: TimeModel) -> None:
    """Two sessions of one multi-period class never overlap (even without batch/faculty)."""
    for (ci, _d, _p), vs in tm.cover.items():
        if len(vs) > 1:
            tm.post(sum(vs) <= 1, ("class", ci))


def add_no_batch_clash(tm: TimeModel) -> None:
    """A batch attends at most one session per period, fixed sessions included."""
    for b in tm.batch_classes:
        for d, p in tm.prep.slots:
            vs, fixed = tm.batch_cell(b, d, p)
            if len(vs) > 1 or (vs and fixed):
                tm.post(sum(vs) <= max(0, 1 - fixed), ("batch", b))


def add_no_faculty_clash(tm: TimeModel) -> None:
    """A faculty member teaches at most one session per period, fixed sessions included."""
    for f in tm.faculty_classes:
        for d, p in tm.prep.slots:
            vs, fixed = tm.faculty_cell(f, d, p)
            if len(vs) > 1 or (vs and fixed):
                tm.post(sum(vs) <= max(0, 1 - fixed), ("faculty", f))


def add_faculty_load(tm: TimeModel) -> None:
    """Periods taught per day and per week stay within the faculty member's maxima."""
    g = tm.prep.problem.grid
    for fac in tm.prep.problem.faculty:
        if fac.id not in tm.faculty_classes:
            continue
        week_vars = []
        week_fixed = 0
        for d in range(g.days):
            day_vars = []
            day_fixed = 0
            for p in range(g.periods_per_day):
                vs, fixed = tm.faculty_cell(fac.id, d, p)
                day_vars.extend(vs)
                day_fixed += fixed
            week_vars.extend(day_vars)
            week_fixed += day_fixed
            if fac.max_periods_per_day is not None and day_vars:
                tm.post(sum(day_vars) <= fac.max_periods_per_day - day_fixed, ("load", fac.id))
        if fac.max_periods_per_week is not None and week_vars:
            tm.post(sum(week_vars) <= fac.max_periods_per_week - week_fixed, ("load", fac.id))


def add_room_supply(tm: TimeModel) -> None:
    """Per period and room kind: no more sessions than free rooms of that kind.

    With hard capacities also, for every class size ``s``: sessions needing ``>= s`` seats
    <= free rooms with ``>= s`` seats (Hall's condition for nested room sets), so a room
    assignment exists for single-period sessions whenever the time model is satisfied.
    """
    problem = tm.prep.problem
    by_kind: dict[RoomKind, list[int]] = {}
    for ci, cls in enumerate(problem.classes):
        by_kind.setdefault(cls.kind, []).append(ci)
    for kind, cis in by_kind.items():
        for d, p in tm.prep.slots:
            caps = [r.capacity for r in tm.prep.free_rooms(kind, d, p)]
            present = [(ci, tm.cover[(ci, d, p)]) for ci in cis if (ci, d, p) in tm.cover]
            if not present:
                continue
            if len(present) > len(caps):
                tm.post(sum(v for _, vs in present for v in vs) <= len(caps), ("rooms", kind))
            if not problem.capacity_is_hard:
                continue
            for s in sorted({tm.prep.sizes[ci] for ci, _ in present}):
                need = [v for ci, vs in present if tm.prep.sizes[ci] >= s for v in vs]
                have = sum(1 for c in caps if c >= s)
                if len(need) > have:
                    tm.post(sum(need) <= have, ("rooms", kind))
