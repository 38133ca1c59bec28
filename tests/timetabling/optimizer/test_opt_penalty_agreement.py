"""The soft penalties are written three times: as CP-SAT terms (penalties.py, rooms.py,
teacher_rules.py), in the independent evaluator (evaluate.py) and in the annealer's tables
and aggregates (anneal_arrays.py, anneal_kernel.py). On random small problems and random
clash-free complete timetables, every named penalty must count the same in all three."""

from __future__ import annotations

import random
from dataclasses import fields, replace

from ortools.sat.python import cp_model

from timetabling.optimizer import (
    Batch,
    ClassSpec,
    Faculty,
    Problem,
    Room,
    RoomKind,
    Session,
    TimeGrid,
    Weights,
    anneal,
    evaluate,
)
from timetabling.optimizer.cpsat import build_time_model
from timetabling.optimizer.domain import covered, prepare, room_fits
from timetabling.optimizer.rooms import Candidate, build_room_model

NAMES = [f.name for f in fields(Weights)]
CASES = 120
Placed = tuple[int, int, int, int]  # (class index, day, start period, room index)


def random_problem(rng: random.Random) -> Problem:
    days = rng.randint(2, 3)
    periods = rng.randint(3, 5)
    cells = [(d, p) for d in range(days) for p in range(periods - 1)]
    breaks = frozenset(cell for cell in cells if rng.random() < 0.15)
    batches = tuple(Batch(b, rng.randint(5, 30)) for b in range(1, rng.randint(2, 3) + 1))
    cells_all = [(d, p) for d in range(days) for p in range(periods)]
    faculty = tuple(
        Faculty(
            f,
            max_gaps_per_day=rng.choice([None, 0, 1]),
            prefer=frozenset(c for c in cells_all if rng.random() < 0.5)
            if rng.random() < 0.6
            else frozenset(),
            avoid=frozenset(c for c in cells_all if rng.random() < 0.3),
        )
        for f in range(1, 3)
    )
    classes = []
    for c in range(1, rng.randint(3, 5) + 1):
        length = 2 if rng.random() < 0.2 else 1
        n = rng.randint(1, 3)
        classes.append(
            ClassSpec(
                c,
                RoomKind.LECTURE,
                rng.choice([None, 1, 2]),
                tuple(rng.sample([b.id for b in batches], rng.randint(1, len(batches)))),
                n,
                periods_per_session=length,
                min_days=rng.randint(0, n),
            )
        )
    rooms = tuple(Room(r, RoomKind.LECTURE, rng.randint(10, 60)) for r in range(1, 4))
    previous = tuple(
        Session(c.id, rng.randrange(days), rng.randrange(periods), rng.choice(rooms).id)
        for c in classes
        if rng.random() < 0.5
    )
    return Problem(
        grid=TimeGrid(days, periods, breaks_after=breaks),
        rooms=rooms,
        faculty=faculty,
        batches=batches,
        classes=tuple(classes),
        previous=previous,
        weights=Weights(*(rng.randint(1, 5) for _ in NAMES)),
        capacity_is_hard=False,
        long_run_limit=2,
    )


def random_timetable(problem: Problem, rng: random.Random) -> list[Placed] | None:
    """Every session at a random allowed start and fitting room where nothing it needs is
    taken yet; None when some session finds no place."""
    prep = prepare(problem)
    taken: set[tuple[str, int, int, int]] = set()
    order = [ci for ci, c in enumerate(problem.classes) for _ in range(c.sessions_per_week)]
    rng.shuffle(order)
    used_starts: set[tuple[int, int, int]] = set()
    out: list[Placed] = []
    for ci in order:
        cls = problem.classes[ci]
        options = []
        for d, s in prep.starts[ci]:
            if (ci, d, s) in used_starts:
                continue
            cells = covered(d, s, cls.periods_per_session)
            needs = [("batch", b, dd, p) for b in cls.batches for dd, p in cells]
            if cls.faculty is not None:
                needs += [("faculty", cls.faculty, dd, p) for dd, p in cells]
            if any(n in taken for n in needs):
                continue
            for ri, room in enumerate(problem.rooms):
                if room_fits(problem, cls, room, prep.sizes[ci]) and not any(
                    ("room", ri, dd, p) in taken for dd, p in cells
                ):
                    options.append((d, s, ri, needs + [("room", ri, dd, p) for dd, p in cells]))
        if not options:
            return None
        d, s, ri, needs = rng.choice(options)
        taken.update(needs)
        used_starts.add((ci, d, s))
        out.append((ci, d, s, ri))
    return out


def as_sessions(problem: Problem, placed: list[Placed]) -> list[Session]:
    return [Session(problem.classes[c].id, d, p, problem.rooms[r].id) for c, d, p, r in placed]


def cpsat_counts(problem: Problem, placed: list[Placed]) -> dict[str, int]:
    """Each named term of the CP-SAT models with the timetable fixed: the time model's
    terms from its start variables, room_change and room_capacity from the room model's
    room choices (the time model's room_capacity is only a bound)."""
    prep = prepare(problem)
    tm = build_time_model(prep, room_bound=False)
    starts = {(ci, d, s) for ci, d, s, _ in placed}
    for key, v in tm.x.items():
        tm.model.add(v == int(key in starts))
    cands = [Candidate(ci, d, s, 1) for ci, d, s, _ in placed]
    rm = build_room_model(prep, cands, model=tm.model)
    for k, (_, _, _, room) in enumerate(placed):
        for ri, v in rm.w[k]:
            tm.model.add(v == int(ri == room))
    terms = tm.terms + rm.terms
    tm.model.minimize(sum(t.weight * t.count for t in terms))
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(tm.model) == cp_model.OPTIMAL
    counts: dict[str, int] = {}
    for t in terms:  # previous_distance: time moves (time model) + room-only moves (rooms)
        counts[t.name] = counts.get(t.name, 0) + int(solver.value(t.count))
    return counts


def annealer_counts(problem: Problem, placed: list[Placed], name: str) -> tuple[int, int]:
    """The annealer's count of one penalty (its weight alone set to 1), recounted from a
    chain started on ``placed``; and, after a few hundred moves from there, the count it
    kept incrementally, which must match the evaluator's and its own recount there."""
    one = replace(problem, weights=replace(Weights(*([0] * len(NAMES))), **{name: 1}))
    chain = anneal.Chain(anneal.build_arrays(prepare(one)), placed, 3, 20)
    start, load = chain.full_cost()
    assert load == 0 and chain.score == (0, start)
    chain.run(300, 1.0, 1.0, anneal.P_SWAP, anneal.P_ROOM, anneal.P_KEMPE)
    moved = [
        Session(one.classes[int(c)].id, int(t) // one.grid.periods_per_day,
                int(t) % one.grid.periods_per_day, one.rooms[int(r)].id)
        for c, t, r in zip(chain.static.sess_class, chain.st, chain.rm, strict=True)
    ]  # fmt: skip
    ev = evaluate(one, moved)
    recount, load = chain.full_cost()
    assert chain.score == (ev.hard_total, recount) and load == ev.hard["faculty_day_load"]
    if ev.hard_total == 0:
        assert recount == ev.penalty(name), f"{name} after moves"
    return start, recount


def test_the_three_soft_penalty_implementations_agree_on_random_timetables():
    rng = random.Random(2007)
    checked = 0
    nonzero = dict.fromkeys(NAMES, 0)
    while checked < CASES:
        problem = random_problem(rng)
        placed = random_timetable(problem, rng)
        if placed is None:
            continue
        ev = evaluate(problem, as_sessions(problem, placed))
        assert ev.hard_total == 0, ev.hard
        cpsat = cpsat_counts(problem, placed)
        for name in NAMES:
            expected = ev.penalty(name)
            full, _ = annealer_counts(problem, placed, name)
            where = f"case {checked}, {name}"
            assert cpsat.get(name, 0) == expected, where
            assert full == expected, where
            nonzero[name] += expected > 0
        checked += 1
    # the generator reaches every penalty, so the agreement above is not vacuous
    assert all(nonzero.values()), nonzero
