"""Why a problem has no timetable, in the institution's own words.

First fast counting checks (a faculty member's load against their free periods, a batch's
periods against the week, a class with no room big enough, ...). When those find nothing,
the time model is rebuilt with one assumption literal per group of rules (one class's
sessions, one batch, one faculty member's clashes, one faculty member's load, one room
kind) and CP-SAT names a small set of groups that cannot hold together, which is then
shrunk further by dropping groups one at a time.
"""

from __future__ import annotations

import time
from collections.abc import Hashable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .cpsat import build_time_model, make_solver
from .domain import Prepared, prepare
from .model import Problem, RoomKind, SolveOptions
from .placement import cell_word, class_word, name_of, placement_checks, shift_reason
from .timemodel import Group

KIND_WORD = {RoomKind.LECTURE: "lecture", RoomKind.LAB: "lab"}


def _name(problem: Problem, kind: str, ident: Hashable) -> str:
    label = {"classes": "class", "faculty": "faculty", "batches": "batch", "rooms": "room"}[kind]
    shown = problem.names.get(kind, {}).get(ident) if isinstance(ident, int) else None
    return f"{label} {shown}" if shown else f"{label} #{ident}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def precheck(prep: Prepared) -> list[str]:
    """Counting arguments that prove infeasibility cheaply; empty when none applies."""
    problem = prep.problem
    g = problem.grid
    out: list[str] = []
    cells = prep.slots
    fac = {f.id: f for f in problem.faculty}
    out.extend(placement_checks(prep))

    for ci, cls in enumerate(problem.classes):
        if cls.sessions_per_week <= 0:
            continue
        name = _name(problem, "classes", cls.id)
        rooms = prep.rooms_by_kind.get(cls.kind, ())
        if not rooms:
            out.append(f"{name} needs a {KIND_WORD[cls.kind]} room, and there is none")
            continue
        size = prep.sizes[ci]
        if problem.capacity_is_hard and max(r.capacity for r in rooms) < size:
            out.append(
                f"no {KIND_WORD[cls.kind]} room holds {size} students for {name} "
                f"(the largest has {max(r.capacity for r in rooms)} seats)"
            )
            continue
        featured = [r.capacity for r in rooms if cls.room_features <= r.features]
        if problem.capacity_is_hard and featured and max(featured) < size:
            out.append(
                f"{class_word(problem, cls)} has {size} students and no "
                f"{KIND_WORD[cls.kind]} room with {' and '.join(sorted(cls.room_features))} "
                f"holds them (the largest has {max(featured)} seats)"
            )
            continue
        starts = prep.starts[ci]
        if len(starts) < cls.sessions_per_week:
            length = cls.periods_per_session
            what = "period" if length == 1 else f"{length}-period block"
            out.append(
                f"{name} needs {_plural(cls.sessions_per_week, 'session')} but only "
                f"{_plural(len(starts), 'start time')} fit a {what}{shift_reason(prep, ci)} "
                f"around unavailability and breaks"
            )

    load: dict[int, int] = {}
    for cls in problem.classes:
        if cls.faculty is not None:
            load[cls.faculty] = (
                load.get(cls.faculty, 0) + cls.sessions_per_week * cls.periods_per_session
            )
    for f_id, need in load.items():
        f = fac.get(f_id)
        name = _name(problem, "faculty", f_id)
        blocked = f.unavailable if f else frozenset()
        free = sum(
            1 for d, p in cells if (d, p) not in blocked and not prep.fixed.faculty[(f_id, d, p)]
        )
        if need > free:
            out.append(f"{name} must teach {need} periods but is available for {free}")
        if f and f.max_periods_per_week is not None:
            fixed = sum(prep.fixed.faculty[(f_id, d, p)] for d, p in cells)
            allowed = f.max_periods_per_week - fixed
            if need > allowed:
                out.append(
                    f"{name} must teach {need} periods but may teach at most {allowed} "
                    f"more per week"
                )
        if f and f.max_periods_per_day is not None and need > f.max_periods_per_day * g.days:
            out.append(
                f"{name} must teach {need} periods but at most {f.max_periods_per_day} a day "
                f"over {g.days} days allows {f.max_periods_per_day * g.days}"
            )

    out.extend(precheck_consecutive(prep))

    need_b: dict[int, int] = {}
    in_basket: set[tuple[int, int]] = set()  # a basket's options keep a batch busy once
    for cls in problem.classes:
        for b in dict.fromkeys(cls.batches):
            if cls.basket is not None:
                if (b, cls.basket) in in_basket:
                    continue
                in_basket.add((b, cls.basket))
            need_b[b] = need_b.get(b, 0) + cls.sessions_per_week * cls.periods_per_session
    for b, need in need_b.items():
        free = sum(1 for d, p in cells if not prep.fixed.batch[(b, d, p)])
        if need > free:
            out.append(f"{_name(problem, 'batches', b)} needs {need} periods, the week has {free}")

    need_k: dict[RoomKind, int] = {}
    for cls in problem.classes:
        need_k[cls.kind] = need_k.get(cls.kind, 0) + cls.sessions_per_week * cls.periods_per_session
    for kind, need in need_k.items():
        have = sum(len(prep.free_rooms(kind, d, p)) for d, p in cells)
        if prep.rooms_by_kind.get(kind) and need > have:
            out.append(
                f"{KIND_WORD[kind]} sessions need {need} room-periods, the "
                f"{_plural(len(prep.rooms_by_kind[kind]), KIND_WORD[kind] + ' room')} "
                f"offer{'s' if len(prep.rooms_by_kind[kind]) == 1 else ''} {have}"
            )
    out.extend(precheck_long_sessions(prep))
    return out


def precheck_long_sessions(prep: Prepared) -> list[str]:
    """Sessions of L periods or more of a room kind against how many fit in its rooms: a
    session never spans a break, a closure or a fixed session, so a room's free run of n
    periods holds n // L of them (the room-period count misses this)."""
    problem = prep.problem
    g = problem.grid
    out: list[str] = []
    for kind, rooms in prep.rooms_by_kind.items():
        lengths = sorted(
            {c.periods_per_session for c in problem.classes if c.kind == kind} - {1}, reverse=True
        )
        for length in lengths:
            need = sum(
                c.sessions_per_week
                for c in problem.classes
                if c.kind == kind and c.periods_per_session >= length
            )
            fit = 0
            for room in rooms:
                for d in range(g.days):
                    run = 0
                    for p in range(g.periods_per_day):
                        free = (
                            g.exists(d, p)
                            and (d, p) not in room.unavailable
                            and not prep.fixed.room[(room.id, d, p)]
                        )
                        if free:
                            run += 1
                        if not free or not g.consecutive(d, p):
                            fit += run // length
                            run = 0
                    fit += run // length
            if need > fit:
                out.append(
                    f"{need} {KIND_WORD[kind]} sessions of {length} periods or more need a "
                    f"{KIND_WORD[kind]} room each, but the "
                    f"{_plural(len(rooms), KIND_WORD[kind] + ' room')} "
                    f"hold{'s' if len(rooms) == 1 else ''} at most {fit} such "
                    f"sessions a week (a session never spans a break)"
                )
                break
    return out


def precheck_consecutive(prep: Prepared) -> list[str]:
    """A class whose sessions are longer than its teacher may teach in a row."""
    problem = prep.problem
    fac = {f.id: f for f in problem.faculty}
    out = []
    for cls in problem.classes:
        f = fac.get(cls.faculty) if cls.faculty is not None else None
        if cls.sessions_per_week <= 0 or f is None or f.max_consecutive is None:
            continue
        if cls.periods_per_session > f.max_consecutive:
            out.append(
                f"{_name(problem, 'faculty', f.id)} teaches at most "
                f"{_plural(f.max_consecutive, 'period')} in a row, but "
                f"{_name(problem, 'classes', cls.id)} has sessions of "
                f"{cls.periods_per_session} periods"
            )
    return out


def _word(problem: Problem, prep: Prepared, group: tuple[str, Hashable]) -> str:
    kind, ident = group
    if kind == "class":
        assert isinstance(ident, int)
        cls = problem.classes[ident]
        n = len(prep.starts[ident])
        length = "" if cls.periods_per_session == 1 else f" of {cls.periods_per_session} periods"
        return (
            f"{_name(problem, 'classes', cls.id)} needs "
            f"{_plural(cls.sessions_per_week, 'session')}{length} "
            f"({_plural(n, 'possible start')})"
        )
    if kind == "batch":
        return f"{_name(problem, 'batches', ident)} attends one session at a time"
    if kind == "faculty":
        return f"{_name(problem, 'faculty', ident)} teaches one session at a time"
    if kind == "load":
        f = next(f for f in problem.faculty if f.id == ident)
        parts = []
        if f.max_periods_per_day is not None:
            parts.append(f"{f.max_periods_per_day} periods a day")
        if f.max_periods_per_week is not None:
            parts.append(f"{f.max_periods_per_week} a week")
        return f"{_name(problem, 'faculty', ident)} teaches at most " + " and ".join(parts)
    if kind == "pin":
        assert isinstance(ident, int)
        cls = problem.classes[ident]
        at = ", ".join(cell_word(pin.day, pin.period) for pin in cls.pins)
        return f"{_name(problem, 'classes', cls.id)} is pinned at {at}"
    if kind == "basket":
        assert isinstance(ident, int)
        options = ", ".join(
            _name(problem, "classes", c.id) for c in problem.classes if c.basket == ident
        )
        return f"{name_of(problem, 'baskets', ident)} meets at once ({options})"
    if kind == "features":
        assert isinstance(ident, tuple)
        room_kind, feats = ident
        fitting = [r for r in prep.rooms_by_kind.get(room_kind, ()) if feats <= r.features]
        caps = ", ".join(str(r.capacity) for r in sorted(fitting, key=lambda r: -r.capacity))
        return (
            f"only {_plural(len(fitting), KIND_WORD[room_kind] + ' room')} with "
            f"{' and '.join(sorted(feats))} exist (seats: {caps or 'none'})"
        )
    if kind == "consecutive":
        f = next(f for f in problem.faculty if f.id == ident)
        return (
            f"{_name(problem, 'faculty', ident)} teaches at most "
            f"{_plural(f.max_consecutive or 0, 'period')} in a row"
        )
    if kind == "rooms":
        assert isinstance(ident, RoomKind)
        rooms = prep.rooms_by_kind.get(ident, ())
        caps = ", ".join(str(r.capacity) for r in sorted(rooms, key=lambda r: -r.capacity))
        return f"only {_plural(len(rooms), KIND_WORD[ident] + ' room')} exist (seats: {caps})"
    return f"{kind} {ident}"


@dataclass(frozen=True)
class Diagnosis:
    """Why a problem has no timetable: ``reasons`` in the institution's words, from the
    counting checks (``prechecks``) or else from ``core``, the groups of rules (kind, id)
    that CP-SAT found cannot hold together."""

    reasons: tuple[str, ...]
    prechecks: bool
    core: tuple[Group, ...] = ()


def diagnose(
    problem: Problem, options: SolveOptions | None = None, budget_s: float = 10.0
) -> Diagnosis:
    """The counting checks, else a small core of rule groups that cannot all hold."""
    options = options or SolveOptions()
    prep = prepare(problem)
    quick = precheck(prep)
    if quick:
        return Diagnosis(tuple(quick), prechecks=True)
    deadline = time.monotonic() + budget_s
    tm = build_time_model(prep, explain=True)
    assert tm.guards is not None
    lits = {v.index: g for g, v in tm.guards.items()}
    tm.model.add_assumptions(list(tm.guards.values()))
    solver = make_solver(options, max(0.5, deadline - time.monotonic()))
    solver.parameters.num_workers = 1  # core extraction needs a single worker
    status = solver.solve(tm.model)
    if status != cp_model.INFEASIBLE:
        return Diagnosis((), prechecks=False)
    core = [lits[i] for i in solver.sufficient_assumptions_for_infeasibility() if i in lits]

    # shrink: drop a group when the rest is still infeasible
    kept = list(core)
    for group in list(core):
        if len(kept) <= 1 or time.monotonic() > deadline:
            break
        trial = [g for g in kept if g != group]
        tm.model.clear_assumptions()
        tm.model.add_assumptions([tm.guards[g] for g in trial])
        s2 = make_solver(options, min(1.0, max(0.1, deadline - time.monotonic())))
        s2.parameters.num_workers = 1
        if s2.solve(tm.model) == cp_model.INFEASIBLE:
            kept = trial
    return Diagnosis(tuple(_word(problem, prep, g) for g in kept), False, tuple(kept))


def explain(
    problem: Problem, options: SolveOptions | None = None, budget_s: float = 10.0
) -> list[str]:
    """Domain-worded reasons why ``problem`` has no timetable (few items, most specific)."""
    return list(diagnose(problem, options, budget_s).reasons)
