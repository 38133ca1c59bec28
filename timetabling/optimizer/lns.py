"""Large-neighbourhood search over the time model.

Each round picks a neighbourhood (a set of ``x`` variables left free), fixes every other
``x`` to the incumbent by narrowing its domain in the model proto, hints the incumbent and
lets CP-SAT re-optimise for a short time. Domains are restored afterwards, so one model is
reused for all rounds. Neighbourhood sizes adapt: grow after a sub-problem solved to
optimality, shrink after a time-out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from .clock import Clock
from .domain import covered
from .model import SolveOptions
from .solver import CancelToken, SearchWatch, TimeSolution, capture, make_solver
from .timemodel import TimeModel, XKey

# (neighbourhood, size, status name, objective, seconds) per round when TRACE is a list
TRACE: list[tuple[str, float, str, int, float]] | None = None

GROW = 1.25  # neighbourhood size factor after a sub-problem solved to optimality
SHRINK = 0.9  # ... after a time-out

Neighbourhood = Callable[[TimeModel, TimeSolution, random.Random, float], set[XKey]]


def _classes_of_keys(tm: TimeModel) -> dict[int, list[XKey]]:
    out: dict[int, list[XKey]] = {}
    for key in tm.x:
        out.setdefault(key[0], []).append(key)
    return out


def nb_related_classes(
    tm: TimeModel, sol: TimeSolution, rng: random.Random, size: float
) -> set[XKey]:
    """Classes connected through shared batches or faculty, grown from a random class."""
    by_class = _classes_of_keys(tm)
    classes = list(by_class)
    if not classes:
        return set()
    problem = tm.prep.problem
    target = max(2, int(size))
    seed = rng.choice(classes)
    chosen = {seed}
    frontier = [seed]
    while frontier and len(chosen) < target:
        ci = frontier.pop(rng.randrange(len(frontier)))
        cls = problem.classes[ci]
        nbrs: list[int] = []
        for b in cls.batches:
            nbrs.extend(tm.batch_classes.get(b, ()))
        if cls.faculty is not None:
            nbrs.extend(tm.faculty_classes.get(cls.faculty, ()))
        rng.shuffle(nbrs)
        for n in nbrs:
            if n not in chosen and n in by_class and len(chosen) < target:
                chosen.add(n)
                frontier.append(n)
    while len(chosen) < target and len(chosen) < len(classes):
        chosen.add(rng.choice(classes))
    return {k for ci in chosen for k in by_class[ci]}


def nb_random_classes(
    tm: TimeModel, sol: TimeSolution, rng: random.Random, size: float
) -> set[XKey]:
    by_class = _classes_of_keys(tm)
    classes = list(by_class)
    chosen = rng.sample(classes, min(len(classes), max(2, int(size))))
    return {k for ci in chosen for k in by_class[ci]}


def nb_periods(tm: TimeModel, sol: TimeSolution, rng: random.Random, size: float) -> set[XKey]:
    """All starts at a few random periods: sessions there may be permuted among them."""
    slots = tm.prep.slots
    chosen = set(rng.sample(slots, min(len(slots), max(2, int(size)))))
    return {k for k in tm.x if (k[1], k[2]) in chosen}


def nb_days(tm: TimeModel, sol: TimeSolution, rng: random.Random, size: float) -> set[XKey]:
    """Two days, for a random share of the classes: sessions move within those days."""
    days = tm.prep.problem.grid.days
    if days < 2:
        return nb_random_classes(tm, sol, rng, size)
    pick = set(rng.sample(range(days), 2))
    by_class = _classes_of_keys(tm)
    classes = list(by_class)
    share = rng.sample(classes, min(len(classes), max(2, int(size) * 2)))
    return {k for ci in share for k in by_class[ci] if k[1] in pick}


def nb_unstable(
    tm: TimeModel,
    sol: TimeSolution,
    rng: random.Random,
    size: float,
    tied: dict[XKey, list[int]],
    room_of: dict[int, int],
) -> set[XKey]:
    """A class that changes rooms, with classes sharing those rooms: times and rooms free."""
    rooms: dict[int, set[int]] = {}
    for key, idxs in tied.items():
        if sol.values[tm.x[key].index]:
            for i in idxs:
                if sol.values[i]:
                    rooms.setdefault(key[0], set()).add(room_of[i])
    bad = [ci for ci, rs in rooms.items() if len(rs) > 1]
    if not bad:
        return nb_related_classes(tm, sol, rng, size)
    seed = rng.choice(bad)
    users = [ci for ci, rs in rooms.items() if ci != seed and rs & rooms[seed]]
    chosen = {seed, *rng.sample(users, min(len(users), max(1, int(size) - 1)))}
    by_class = _classes_of_keys(tm)
    return {k for ci in chosen for k in by_class.get(ci, ())}


def nb_blockers(tm: TimeModel, sol: TimeSolution, rng: random.Random, size: float) -> set[XKey]:
    """A class short of its minimum days, with the classes that hold the periods it could
    move to on its unused days (through a shared batch, its faculty, or the last room).

    Starts are taken in random order while all their holders fit in ``size``: on dense
    instances one period can be held by many classes, and freeing them all would make
    the sub-problem too large to improve in a round."""
    problem = tm.prep.problem
    by_class = _classes_of_keys(tm)
    days: dict[int, set[int]] = {}
    holders: dict[tuple[str, int, int, int], list[int]] = {}
    at_slot: dict[tuple[int, int], list[int]] = {}
    for (ci, d, s), v in tm.x.items():
        if not sol.values[v.index]:
            continue
        cls = problem.classes[ci]
        days.setdefault(ci, set()).add(d)
        for cell in covered(d, s, cls.periods_per_session):
            at_slot.setdefault(cell, []).append(ci)
            for b in cls.batches:
                holders.setdefault(("b", b, *cell), []).append(ci)
            if cls.faculty is not None:
                holders.setdefault(("f", cls.faculty, *cell), []).append(ci)
    short = [ci for ci, ds in days.items() if len(ds) < problem.classes[ci].min_days]
    if not short:
        return nb_related_classes(tm, sol, rng, size)
    seed = rng.choice(short)
    cls = problem.classes[seed]
    target = max(2, int(size))
    chosen = {seed}
    starts = [(d, s) for (ci, d, s) in by_class[seed] if d not in days[seed]]
    rng.shuffle(starts)
    n_rooms = len(problem.rooms)
    for d, s in starts:
        block: set[int] = set()
        for cell in covered(d, s, cls.periods_per_session):
            held = [ci for b in cls.batches for ci in holders.get(("b", b, *cell), ())]
            if cls.faculty is not None:
                held += holders.get(("f", cls.faculty, *cell), [])
            if not held and len(at_slot.get(cell, ())) >= n_rooms:
                held = [rng.choice(at_slot[cell])]
            block.update(held)
        if len(chosen | block) <= target:  # a start whose holders fit in the neighbourhood
            chosen |= block
        if len(chosen) >= target:
            break
    if len(chosen) < target:
        rest = nb_related_classes(tm, sol, rng, target - len(chosen))
        chosen.update(ci for ci, _, _ in rest)
    return {k for ci in chosen for k in by_class[ci]}


NEIGHBOURHOODS: dict[str, tuple[Neighbourhood, float, float]] = {
    # name: (function, initial size, maximum size as a share of classes/slots)
    "related": (nb_related_classes, 8.0, 0.6),
    "random": (nb_random_classes, 6.0, 0.5),
    "periods": (nb_periods, 3.0, 0.5),
    "days": (nb_days, 10.0, 0.5),
    "blockers": (nb_blockers, 8.0, 0.6),
}


def improve(
    tm: TimeModel,
    best: TimeSolution,
    options: SolveOptions,
    *,
    clock: Clock,
    deadline: float,
    rng: random.Random,
    on_improve: Callable[[int], object] | None = None,
    cancel: CancelToken | None = None,
    sub_time: float = 1.5,
    tied: dict[XKey, list[int]] | None = None,
    room_of: dict[int, int] | None = None,
    stop_at: int | None = None,
    neighbourhoods: list[str] | None = None,
) -> tuple[TimeSolution, bool]:
    """Improve ``best`` until ``clock`` reaches ``deadline``; returns (best, cancelled).

    ``tied`` lists, per ``x`` key, further Boolean variable indices (its room choices in the
    joint model) that are freed and fixed together with it. The search stops early once the
    objective reaches ``stop_at`` (a proven bound). ``neighbourhoods`` names the entries of
    ``NEIGHBOURHOODS`` taken in turn (all of them by default).
    """
    proto = tm.model.proto
    xs = list(tm.x.items())
    if not xs:
        return best, False
    sizes = {name: init for name, (_, init, _) in NEIGHBOURHOODS.items()}
    limits = {
        name: max(
            2.0, cap * (len(tm.prep.slots) if name == "periods" else len(tm.prep.problem.classes))
        )
        for name, (_, _, cap) in NEIGHBOURHOODS.items()
    }
    names = list(NEIGHBOURHOODS) if neighbourhoods is None else list(neighbourhoods)
    if tied:  # joint model: also re-choose rooms of many classes with their times kept
        names.append("rooms")
        sizes["rooms"] = 0.3 * len(tm.prep.problem.classes)
        limits["rooms"] = float(len(tm.prep.problem.classes))
        if room_of is not None:  # and target the classes that change rooms, twice as often
            names += ["unstable", "unstable"]
            sizes["unstable"] = 6.0
            limits["unstable"] = 0.5 * len(tm.prep.problem.classes)
    n_vars = len(proto.variables)
    round_no = 0
    while True:
        now = clock.now()
        if (
            now >= deadline - 0.05
            or clock.expired()
            or (stop_at is not None and best.objective <= stop_at)
        ):
            return best, False
        if cancel is not None and cancel.is_set():
            return best, True
        round_no += 1
        name = names[round_no % len(names)]
        rooms_only = name == "rooms"
        if name == "unstable":
            assert tied is not None and room_of is not None
            free = nb_unstable(tm, best, rng, sizes[name], tied, room_of)
        else:
            fn = nb_random_classes if rooms_only else NEIGHBOURHOODS[name][0]
            free = fn(tm, best, rng, sizes[name])
        fixed_idx = []
        for key, v in xs:
            if rooms_only or key not in free:
                fixed_idx.append(v.index)
            if tied and key not in free:
                fixed_idx.extend(tied.get(key, ()))
        for i in fixed_idx:
            dom = proto.variables[i].domain
            val = best.values[i]
            dom[0] = val
            dom[1] = val
        hint = proto.solution_hint
        hint.vars.clear()
        hint.values.clear()
        hint.vars.extend(range(n_vars))
        hint.values.extend(best.values)
        solver = make_solver(
            options, min(sub_time, deadline - now), seed_offset=round_no, clock=clock
        )
        watch = SearchWatch(time.monotonic(), cancel, None, report=False, clock=clock)
        status = watch.run(solver, tm.model)
        for i in fixed_idx:
            dom = proto.variables[i].domain
            dom[0] = 0
            dom[1] = 1
        if watch.cancelled:
            return best, True
        if TRACE is not None:
            TRACE.append(
                (
                    name,
                    sizes[name],
                    solver.status_name(status),
                    int(solver.objective_value) if status in (2, 4) else -1,
                    clock.now() - now,
                )
            )
        if status == cp_model.OPTIMAL:
            sizes[name] = min(limits[name], sizes[name] * GROW + 0.5)
        else:
            sizes[name] = max(2.0, sizes[name] * SHRINK)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            obj = int(round(solver.objective_value))
            if obj <= best.objective:
                improved = obj < best.objective
                best = capture(solver, tm)
                if improved and on_improve is not None:
                    on_improve(obj)
