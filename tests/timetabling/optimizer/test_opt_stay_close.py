"""Minimal change counts rooms: a published session kept at its time but moved to another
room counts as moved, and every phase (greedy, improvement, CP-SAT, annealer) prefers the
previous room."""

from __future__ import annotations

from dataclasses import fields, replace

from timetabling.optimizer import (
    Room,
    RoomKind,
    Session,
    SolveOptions,
    Status,
    Weights,
    anneal,
    evaluate,
    solve,
)
from timetabling.optimizer.domain import prepare
from timetabling.optimizer.evaluate import MovedCounts, moved_counts
from timetabling.optimizer.rooms import Candidate, build_room_model, greedy_rooms, improve_rooms

ZERO = Weights(*([0] * len(fields(Weights))))
FAST = SolveOptions(time_limit_s=10, workers=1)
# a small room and a big one; every class fits both, the greedy's first pick is the small one
ROOMS = [Room(1, RoomKind.LECTURE, 30), Room(2, RoomKind.LECTURE, 100)]


def test_moved_counts_tells_time_moves_from_room_moves():
    previous = [Session(1, 0, 0, 1), Session(1, 1, 0, 1), Session(2, 0, 1, 2), Session(3, 0, 2, 1)]
    now = [Session(1, 0, 0, 2), Session(1, 1, 0, 1), Session(2, 0, 3, 2), Session(3, 0, 2, 1)]
    assert moved_counts(previous, now) == MovedCounts(time_moved=1, room_moved=1, total=4)
    assert moved_counts(previous, now).moved == 2
    assert moved_counts([], now) == MovedCounts(0, 0, 0)


def test_evaluator_counts_a_room_change_as_a_move(build, mk):
    p = build(
        [mk(1, batches=(1,))],
        rooms=ROOMS,
        weights=replace(ZERO, previous_distance=1),
        previous=(Session(1, 0, 0, 2),),
    )
    assert evaluate(p, [Session(1, 0, 0, 2)]).penalty("previous_distance") == 0
    assert evaluate(p, [Session(1, 0, 0, 1)]).penalty("previous_distance") == 1
    assert evaluate(p, [Session(1, 0, 1, 2)]).penalty("previous_distance") == 1


def test_greedy_and_improvement_keep_the_previous_room(build, mk):
    # class 1 has two sessions: the previous timetable had the second one in the big room
    p = build(
        [mk(1, batches=(1,), n=2, size=20), mk(2, batches=(2,), size=20)],
        periods=2,
        rooms=ROOMS,
        weights=replace(ZERO, previous_distance=2, room_change=1),
        previous=(Session(1, 0, 0, 1), Session(1, 0, 1, 2), Session(2, 0, 0, 2)),
    )
    prep = prepare(p)
    cands = [Candidate(0, 0, 0, 1), Candidate(0, 0, 1, 1), Candidate(1, 0, 0, 1)]
    rm = build_room_model(prep, cands)
    assignment = greedy_rooms(rm, [0, 1, 2])
    assert assignment == {0: 0, 1: 1, 2: 1}  # room indices: each where it was
    # from the opposite assignment, the period-by-period descent moves them back
    assert improve_rooms(rm, {0: 1, 1: 0, 2: 0}) == {0: 0, 1: 1, 2: 1}


def test_solve_keeps_sessions_in_their_previous_rooms(build, mk):
    p = build(
        [mk(c, batches=(c,), size=20) for c in (1, 2, 3)],
        days=2,
        periods=2,
        rooms=ROOMS,
        weights=replace(Weights(), previous_distance=5),
        previous=(Session(1, 0, 0, 2), Session(2, 0, 0, 1), Session(3, 1, 1, 2)),
    )
    res = solve(p, FAST)
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert set(res.sessions) == set(p.previous)
    assert evaluate(p, res.sessions).penalty("previous_distance") == 0


def test_annealer_moves_a_session_back_to_its_previous_room(build, mk):
    p = build(
        [mk(1, batches=(1,), size=20), mk(2, batches=(2,), size=20)],
        periods=2,
        rooms=ROOMS,
        weights=replace(ZERO, previous_distance=1),
        previous=(Session(1, 0, 0, 2), Session(2, 0, 1, 1)),
    )
    # start with class 1 at its previous time but in the small room
    chain = anneal.Chain(anneal.build_arrays(prepare(p)), [(0, 0, 0, 0), (1, 0, 1, 0)], 2, 20)
    assert chain.score == (0, 1)
    chain.run(2000, 0.5, 0.05, anneal.P_SWAP, anneal.P_ROOM, anneal.P_KEMPE)
    assert chain.best == (0, 0)
    assert sorted(chain.best_sessions()) == [(0, 0, 0, 1), (1, 0, 1, 0)]


def test_a_previous_room_gives_way_to_a_session_that_needs_it(build, mk):
    # class 1 (20 students) was in the big room at (0, 0); class 2 (80 students) must now
    # meet then too, and only the big room seats it
    p = build(
        [mk(1, batches=(1,), size=20), mk(2, batches=(2,), size=80)],
        periods=1,
        rooms=ROOMS,
        weights=replace(ZERO, previous_distance=1),
        previous=(Session(1, 0, 0, 2),),
    )
    rm = build_room_model(prepare(p), [Candidate(0, 0, 0, 1), Candidate(1, 0, 0, 1)])
    # a session with one possible room (class 2) takes it before a previous room is kept
    assert greedy_rooms(rm, [0, 1]) == {0: 0, 1: 1}
    assert greedy_rooms(rm, [0, 1], keep_previous=False) == {0: 0, 1: 1}
    res = solve(p, FAST)
    assert set(res.sessions) == {Session(1, 0, 0, 1), Session(2, 0, 0, 2)}
    assert moved_counts(p.previous, res.sessions) == MovedCounts(0, 1, 1)
