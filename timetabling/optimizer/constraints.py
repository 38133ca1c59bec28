"""Hard rules on the time model, one function per rule.

Unavailability (faculty and class) and occupancy by fixed sessions are not constraints: such
starts never get a variable (see :func:`domain.allowed_starts`).
"""

from __future__ import annotations

from .domain import baskets
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


def add_pins(tm: TimeModel) -> None:
    """A pinned session is held exactly at its (day, period); it is one of the class's
    ``sessions_per_week``. (Its room, when pinned, is a rule of the room model.)"""
    for ci, cls in enumerate(tm.prep.problem.classes):
        for pin in cls.pins:
            v = tm.x.get((ci, pin.day, pin.period))
            if v is None:  # the pin's start is not allowed: the precheck names why
                tm.post(tm.model.new_constant(0) == 1, ("pin", ci))
            else:
                tm.post(v == 1, ("pin", ci))


def add_basket_together(tm: TimeModel) -> None:
    """The options of an elective basket start at exactly the same (day, period)s.

    Their allowed starts are already the same (:func:`domain.basket_starts`); their batches
    count once per basket in the batch rules (see :class:`TimeModel`)."""
    for basket, members in baskets(tm.prep.problem).items():
        lead = members[0]
        for ci in members[1:]:
            for d, s in tm.prep.starts[ci]:
                a, b = tm.x.get((lead, d, s)), tm.x.get((ci, d, s))
                if a is not None and b is not None:
                    tm.post(a == b, ("basket", basket))
                elif a is not None or b is not None:
                    tm.post((a if a is not None else b) == 0, ("basket", basket))


def add_room_feature_supply(tm: TimeModel) -> None:
    """Per period, room kind and feature set ``F`` a class needs: sessions needing all of
    ``F`` (and, with hard capacities, at least ``s`` seats) <= free rooms having ``F`` (and
    ``s`` seats). Nothing is posted when no class needs a feature."""
    problem = tm.prep.problem
    needs: dict[RoomKind, set[frozenset[str]]] = {}
    for cls in problem.classes:
        if cls.room_features:
            needs.setdefault(cls.kind, set()).add(cls.room_features)
    for kind, sets in needs.items():
        for feats in sorted(sets, key=sorted):  # a stable order: the same model every run
            cis = [
                ci
                for ci, c in enumerate(problem.classes)
                if c.kind == kind and feats <= c.room_features
            ]
            for d, p in tm.prep.slots:
                rooms = [r for r in tm.prep.free_rooms(kind, d, p) if feats <= r.features]
                present = [(ci, tm.cover[(ci, d, p)]) for ci in cis if (ci, d, p) in tm.cover]
                if not present:
                    continue
                sizes = {0}
                if problem.capacity_is_hard:
                    sizes |= {tm.prep.sizes[ci] for ci, _ in present}
                for s in sorted(sizes):
                    need = [v for ci, vs in present if tm.prep.sizes[ci] >= s for v in vs]
                    have = sum(1 for r in rooms if r.capacity >= s)
                    if len(need) > have:
                        tm.post(sum(need) <= have, ("features", (kind, feats)))
