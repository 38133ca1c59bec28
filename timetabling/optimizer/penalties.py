"""Soft penalties on the time model, one function per named penalty.

Each function adds its auxiliary variables and registers a :class:`Term` whose ``count`` is
what the evaluator counts under the same name. A weight of 0 builds nothing.
"""

from __future__ import annotations

from ortools.sat.python import cp_model

from .model import RoomKind
from .timemodel import TimeModel


def _day_cells(tm: TimeModel, day: int) -> list[int]:
    g = tm.prep.problem.grid
    return [p for p in range(g.periods_per_day) if g.exists(day, p)]


def penalty_min_days(tm: TimeModel) -> None:
    """Days short of ``min_days`` per class."""
    w = tm.prep.problem.weights.min_days
    if not w:
        return
    counts = []
    for ci, cls in enumerate(tm.prep.problem.classes):
        if cls.min_days <= 0 or cls.sessions_per_week <= 0:
            continue
        used = []
        for d in range(tm.prep.problem.grid.days):
            vs = tm.class_day_vars(ci, d)
            if vs:
                u = tm.model.new_bool_var(f"day_{ci}_{d}")
                tm.model.add(u <= sum(vs))
                used.append(u)
        short = tm.model.new_int_var(0, cls.min_days, f"short_{ci}")
        tm.model.add(short >= cls.min_days - sum(used))
        counts.append(short)
    tm.add_term("min_days", w, sum(counts))


def penalty_same_day(tm: TimeModel) -> None:
    """Sessions of a class beyond the first on one day."""
    w = tm.prep.problem.weights.same_day
    if not w:
        return
    counts = []
    for (ci, d), vs in tm.by_class_day.items():
        if len(vs) > 1 and tm.prep.problem.classes[ci].sessions_per_week > 1:
            e = tm.model.new_int_var(0, len(vs) - 1, f"same_{ci}_{d}")
            tm.model.add(e >= sum(vs) - 1)
            counts.append(e)
    tm.add_term("same_day", w, sum(counts))


def penalty_isolated(tm: TimeModel) -> None:
    """A batch's occupied period with no occupied consecutive neighbour on that day."""
    w = tm.prep.problem.weights.isolated
    if not w:
        return
    g = tm.prep.problem.grid
    counts: list[cp_model.LinearExprT] = []
    occ: dict[tuple[int, int, int], cp_model.IntVar | None] = {}
    for b in tm.batch_classes:
        for d, p in tm.prep.slots:
            vs, fixed = tm.batch_cell(b, d, p)
            if not vs and not fixed:
                continue
            nb_vars: list[cp_model.IntVar] = []
            nb_fixed = 0
            neighbours = []
            if p > 0 and g.consecutive(d, p - 1):
                neighbours.append(p - 1)
            if g.consecutive(d, p):
                neighbours.append(p + 1)
            for q in neighbours:
                nv, nf = tm.batch_cell(b, d, q)
                nb_vars.extend(nv)
                nb_fixed += nf
            if nb_fixed:
                continue  # a fixed neighbour: never isolated
            if not vs and not nb_vars:
                counts.append(fixed)
                continue
            # occupancies are 0/1 under the clash rules
            iso = tm.model.new_bool_var(f"iso_{b}_{d}_{p}")
            if ISOLATED_AS_CLAUSES:
                # occupied(p) -> occupied(p-1) or occupied(p+1) or iso
                lits = [_occupied(tm, occ, b, d, q) for q in neighbours]
                clause = [lit for lit in lits if lit is not None] + [iso]
                if vs:
                    clause.append(_occupied(tm, occ, b, d, p).Not())  # type: ignore[union-attr, arg-type]
                tm.model.add_bool_or(clause)
            else:
                tm.model.add(iso >= sum(vs) + fixed - sum(nb_vars))
            counts.append(iso)
    tm.add_term("isolated", w, sum(counts))


ISOLATED_AS_CLAUSES = False


def _occupied(
    tm: TimeModel, cache: dict[tuple[int, int, int], cp_model.IntVar | None], b: int, d: int, p: int
) -> cp_model.IntVar | None:
    """A literal true when batch ``b`` has a (non-fixed) session at (d, p); None if it can't."""
    key = (b, d, p)
    if key not in cache:
        vs, _ = tm.batch_cell(b, d, p)
        if not vs:
            cache[key] = None
        elif len(vs) == 1:
            cache[key] = vs[0]
        else:
            o = tm.model.new_bool_var(f"occ_{b}_{d}_{p}")
            tm.model.add(o == sum(vs))
            cache[key] = o
    return cache[key]


def penalty_idle_gap(tm: TimeModel) -> None:
    """Empty periods between a batch's first and last occupied period of a day."""
    w = tm.prep.problem.weights.idle_gap
    if not w:
        return
    counts: list[cp_model.LinearExprT] = []
    for b in tm.batch_classes:
        for d in range(tm.prep.problem.grid.days):
            cells = _day_cells(tm, d)
            occ = []
            for p in cells:
                vs, fixed = tm.batch_cell(b, d, p)
                occ.append((vs, fixed))
            if not any(vs for vs, _ in occ):
                busy = [i for i, (_, fx) in enumerate(occ) if fx]
                if busy:  # only fixed sessions that day: a constant
                    counts.append(sum(1 for i in range(busy[0], busy[-1]) if not occ[i][1]))
                continue
            n = len(cells)
            before = [tm.model.new_bool_var(f"bef_{b}_{d}_{i}") for i in range(n)]
            after = [tm.model.new_bool_var(f"aft_{b}_{d}_{i}") for i in range(n)]
            for i in range(n):
                if i > 0:
                    vs, fixed = occ[i - 1]
                    tm.model.add(before[i] >= before[i - 1])
                    tm.model.add(before[i] >= sum(vs) + min(fixed, 1))
                else:
                    tm.model.add(before[i] == 0)
                if i < n - 1:
                    vs, fixed = occ[i + 1]
                    tm.model.add(after[i] >= after[i + 1])
                    tm.model.add(after[i] >= sum(vs) + min(fixed, 1))
                else:
                    tm.model.add(after[i] == 0)
                vs, fixed = occ[i]
                if fixed:
                    continue
                idle = tm.model.new_bool_var(f"idle_{b}_{d}_{i}")
                tm.model.add(idle >= before[i] + after[i] - sum(vs) - 1)
                counts.append(idle)
    tm.add_term("idle_gap", w, sum(counts))


def penalty_long_run(tm: TimeModel) -> None:
    """Each window of ``long_run_limit + 1`` consecutive periods a faculty member teaches."""
    problem = tm.prep.problem
    w = problem.weights.long_run
    if not w:
        return
    g = problem.grid
    k = problem.long_run_limit + 1
    counts: list[cp_model.LinearExprT] = []
    for f in tm.faculty_classes:
        for d, p in tm.prep.slots:
            window = [p]
            while len(window) < k and g.consecutive(d, window[-1]):
                window.append(window[-1] + 1)
            if len(window) < k:
                continue
            cells = [tm.faculty_cell(f, d, q) for q in window]
            if not any(vs for vs, _ in cells):
                if all(fx for _, fx in cells):
                    counts.append(1)  # a constant: fixed sessions only
                continue
            busy = [min(fx, 1) + sum(vs) for vs, fx in cells]
            r = tm.model.new_bool_var(f"run_{f}_{d}_{p}")
            tm.model.add(r >= sum(busy) - (k - 1))
            counts.append(r)
    tm.add_term("long_run", w, sum(counts))


def penalty_previous_distance(tm: TimeModel) -> None:
    """Sessions of ``problem.previous`` whose class no longer starts at that (day, period)."""
    problem = tm.prep.problem
    w = problem.weights.previous_distance
    if not w or not problem.previous:
        return
    index = {c.id: ci for ci, c in enumerate(problem.classes)}
    moved: list[cp_model.LinearExprT] = []
    for s in problem.previous:
        ci = index.get(s.class_id)
        if ci is None:
            moved.append(1)
            continue
        v = tm.x.get((ci, s.day, s.period))
        moved.append(1 - v if v is not None else 1)
    # two previous sessions at the same start can keep only one: the second one moved
    tm.add_term("previous_distance", w, sum(moved))


def penalty_room_capacity_bound(tm: TimeModel) -> None:
    """Students over capacity, as the time model sees it (soft capacity only).

    For one period, pairing the sessions by decreasing size with the free rooms by decreasing
    capacity is an optimal room assignment, and its overflow equals the sum over seat counts
    ``v`` of ``max(0, #sessions larger than v - #rooms larger than v)``. Between consecutive
    sizes/capacities both counts are constant, so one integer variable per interval gives
    the exact minimum overflow for the chosen times (a lower bound once rooms must also be
    stable over the week).
    """
    problem = tm.prep.problem
    w = problem.weights.room_capacity
    if not w or problem.capacity_is_hard:
        return
    by_kind: dict[RoomKind, list[int]] = {}
    for ci, cls in enumerate(problem.classes):
        by_kind.setdefault(cls.kind, []).append(ci)
    counts: list[cp_model.LinearExprT] = []
    for kind, cis in by_kind.items():
        for d, p in tm.prep.slots:
            caps = [r.capacity for r in tm.prep.free_rooms(kind, d, p)]
            present = [
                (tm.prep.sizes[ci], tm.cover[(ci, d, p)]) for ci in cis if (ci, d, p) in tm.cover
            ]
            if not present:
                continue
            points = sorted({0, *caps, *(s for s, _ in present)})
            for lo, hi in zip(points, points[1:], strict=False):
                larger = [v for s, vs in present if s > lo for v in vs]
                rooms = sum(1 for c in caps if c > lo)
                if len(larger) <= rooms:
                    continue
                e = tm.model.new_int_var(0, len(larger) - rooms, f"over_{d}_{p}_{lo}")
                tm.model.add(e >= sum(larger) - rooms)
                counts.append((hi - lo) * e)
    tm.add_term("room_capacity", w, sum(counts))
