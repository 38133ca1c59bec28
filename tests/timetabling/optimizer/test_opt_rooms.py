"""Room choice: the time model's overflow term is exact, the room heuristics are sound."""

from __future__ import annotations

import itertools
import random
from dataclasses import replace

from timetabling.optimizer import Room, RoomKind, SolveOptions, Weights, evaluate, solve
from timetabling.optimizer.domain import prepare
from timetabling.optimizer.rooms import (
    Candidate,
    build_room_model,
    greedy_rooms,
    improve_rooms,
    room_counts,
)

CAP_ONLY = Weights(0, 0, 0, 0, 0, 0, room_capacity=1, previous_distance=0)


def brute_force_overflow(sizes: list[int], caps: list[int]) -> int:
    return min(
        sum(max(0, s - c) for s, c in zip(sizes, perm, strict=False))
        for perm in itertools.permutations(caps, len(sizes))
    )


def test_overflow_term_is_the_exact_minimum_for_a_period(build, mk):
    rng = random.Random(3)
    for _ in range(15):
        n_rooms = rng.randint(1, 5)
        caps = [rng.choice((10, 20, 25, 40, 60)) for _ in range(n_rooms)]
        sizes = [rng.randint(5, 70) for _ in range(rng.randint(1, n_rooms))]
        p = build(
            [mk(i, batches=(i,), size=s) for i, s in enumerate(sizes)],
            periods=1,
            rooms=[Room(j, RoomKind.LECTURE, c) for j, c in enumerate(caps)],
            capacity_is_hard=False,
            weights=CAP_ONLY,
        )
        res = solve(p, SolveOptions(time_limit_s=5, workers=1))
        expected = brute_force_overflow(sizes, caps)
        assert res.best_bound == expected  # the time model alone already knows it
        assert res.objective == evaluate(p, res.sessions).soft_total == expected


def test_greedy_and_descent_give_valid_assignments_and_descent_never_worsens(build, mk):
    rng = random.Random(7)
    classes = [mk(i, batches=(i % 4,), n=3, size=rng.randint(10, 80)) for i in range(12)]
    p = build(
        classes,
        days=3,
        periods=4,
        capacity_is_hard=False,
        rooms=[Room(j, RoomKind.LECTURE, c) for j, c in enumerate((30, 50, 50, 90))],
        weights=replace(CAP_ONLY, room_change=1),
    )
    prep = prepare(p)
    # a clash-free time assignment: class i at day i % 3, in one batch period per class
    cands, used = [], set()
    for ci, c in enumerate(p.classes):
        for s in range(3):
            d = s
            per = next(q for q in range(4) if (c.batches[0], d, q) not in used)
            used.add((c.batches[0], d, per))
            cands.append(Candidate(ci, d, per, 1))
    rm = build_room_model(prep, cands)
    greedy = greedy_rooms(rm, list(range(len(cands))))
    assert len(greedy) == len(cands)
    better = improve_rooms(rm, greedy)
    cost = lambda a: sum(room_counts(prep, cands, a).values())  # noqa: E731
    assert cost(better) <= cost(greedy)
    cells = [(ri, cands[k].day, cands[k].start) for k, ri in better.items()]
    assert len(cells) == len(set(cells))  # no room clash
