"""One test per soft penalty: ``previous`` (weight 1 per moved session) pulls towards the
penalised shape, the penalty (heavier) must pull away from it. Each test would fail if the
penalty were missing, and checks that solver and evaluator count it the same way."""

from __future__ import annotations

from dataclasses import replace

from timetabling.optimizer import (
    Faculty,
    Room,
    RoomKind,
    Session,
    SolveOptions,
    Status,
    Weights,
    evaluate,
    solve,
)
from timetabling.optimizer import penalties as soft
from timetabling.optimizer.cpsat import build_time_model
from timetabling.optimizer.domain import prepare

ZERO = Weights(0, 0, 0, 0, 0, 0, 0, 0)
PULL = replace(ZERO, previous_distance=1)
FAST = SolveOptions(time_limit_s=10, workers=1)


def check(problem):
    res = solve(problem, FAST)
    assert res.status == Status.OPTIMAL, res
    ev = evaluate(problem, res.sessions)
    assert ev.hard_total == 0
    assert {p.name: p.count for p in res.penalties} == {p.name: p.count for p in ev.penalties}
    assert res.objective == ev.soft_total
    return res, ev


def test_min_days(build, mk):
    p = build(
        [mk(1, batches=(1,), n=2, min_days=2)],
        days=2,
        periods=2,
        weights=replace(PULL, min_days=5),
        previous=(Session(1, 0, 0, 1), Session(1, 0, 1, 1)),
    )
    res, ev = check(p)
    assert len({s.day for s in res.sessions}) == 2
    assert ev.penalty("min_days") == 0 and ev.penalty("previous_distance") == 1


def test_same_day(build, mk):
    p = build(
        [mk(1, batches=(1,), n=2)],
        days=2,
        periods=2,
        weights=replace(PULL, same_day=3),
        previous=(Session(1, 0, 0, 1), Session(1, 0, 1, 1)),
    )
    res, ev = check(p)
    assert len({s.day for s in res.sessions}) == 2 and ev.penalty("same_day") == 0


def test_isolated(build, mk):
    p = build(
        [mk(1, batches=(1,)), mk(2, batches=(1,))],
        periods=4,
        weights=replace(PULL, isolated=2),
        previous=(Session(1, 0, 0, 1), Session(2, 0, 2, 1)),
    )
    res, ev = check(p)
    assert abs(res.sessions[0].period - res.sessions[1].period) == 1
    assert ev.penalty("isolated") == 0


def test_isolated_counts_per_lecture_and_respects_breaks(build, mk):
    p = build(
        [mk(1, batches=(1,)), mk(2, batches=(1,))], periods=4, weights=replace(ZERO, isolated=1)
    )
    assert evaluate(p, [Session(1, 0, 0, 1), Session(2, 0, 2, 1)]).penalty("isolated") == 2
    assert evaluate(p, [Session(1, 0, 0, 1), Session(2, 0, 1, 1)]).penalty("isolated") == 0
    from timetabling.optimizer import TimeGrid

    q = replace(p, grid=TimeGrid(1, 4, breaks_after=frozenset({(0, 0)})))
    assert evaluate(q, [Session(1, 0, 0, 1), Session(2, 0, 1, 1)]).penalty("isolated") == 2


def test_idle_gap(build, mk):
    p = build(
        [mk(1, batches=(1,)), mk(2, batches=(1,))],
        periods=4,
        weights=replace(PULL, idle_gap=3),
        previous=(Session(1, 0, 0, 1), Session(2, 0, 3, 1)),
    )
    res, ev = check(p)
    assert abs(res.sessions[0].period - res.sessions[1].period) == 1
    assert ev.penalty("idle_gap") == 0
    assert evaluate(p, [Session(1, 0, 0, 1), Session(2, 0, 3, 1)]).penalty("idle_gap") == 2


def test_room_change(build, mk):
    # room 1 is busy at (0, 0): staying in one room means the smaller room 2 both times
    from timetabling.optimizer import FixedSession

    p = build(
        [mk(1, batches=(1,), n=2, size=25)],
        periods=2,
        rooms=[Room(1, RoomKind.LECTURE, 30), Room(2, RoomKind.LECTURE, 20)],
        fixed=(FixedSession(0, 0, 1, faculty=None, room=1),),
        capacity_is_hard=False,
        weights=replace(ZERO, room_capacity=1, room_change=10),
    )
    res, ev = check(p)
    assert {s.room for s in res.sessions} == {2}
    assert ev.penalty("room_change") == 0 and ev.penalty("room_capacity") == 10


def test_long_run(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,), n=4)],
        periods=5,
        faculty=[Faculty(3)],
        weights=replace(PULL, long_run=5),
        long_run_limit=3,
        previous=tuple(Session(1, 0, q, 1) for q in range(4)),
    )
    res, ev = check(p)
    assert ev.penalty("long_run") == 0 and ev.penalty("previous_distance") == 1
    assert sorted(s.period for s in res.sessions) != [0, 1, 2, 3]


def test_room_capacity_soft(build, mk):
    p = build(
        [mk(1, batches=(1,), size=40), mk(2, batches=(2,), size=5)],
        periods=1,
        rooms=[Room(1, RoomKind.LECTURE, 10), Room(2, RoomKind.LECTURE, 50)],
        capacity_is_hard=False,
        weights=replace(ZERO, room_capacity=1),
    )
    res, ev = check(p)
    assert {s.class_id: s.room for s in res.sessions} == {1: 2, 2: 1}
    assert ev.penalty("room_capacity") == 0


def test_previous_distance(build, mk):
    p = build(
        [mk(1, batches=(1,), n=2), mk(2, batches=(1,))],
        periods=4,
        weights=replace(PULL, isolated=1),
        previous=(Session(1, 0, 1, 1), Session(1, 0, 2, 1), Session(2, 0, 0, 1)),
    )
    res, ev = check(p)
    assert ev.penalty("previous_distance") == 0
    moved = [Session(1, 0, 1, 1), Session(1, 0, 3, 1), Session(2, 0, 0, 1)]
    assert evaluate(p, moved).penalty("previous_distance") == 1


def test_weight_zero_builds_no_variables(build, mk):
    classes = [mk(i, batches=(i % 3,), faculty=i % 2, n=2, min_days=2) for i in range(6)]
    off = build(classes, days=3, periods=4)
    on = replace(off, weights=Weights())
    n_off = len(build_time_model(prepare(off)).model.proto.variables)
    n_on = len(build_time_model(prepare(on)).model.proto.variables)
    assert n_on > n_off
    tm = build_time_model(prepare(off))
    assert tm.terms == []
    soft.penalty_isolated(tm)  # weight 0: still nothing
    assert tm.terms == []
