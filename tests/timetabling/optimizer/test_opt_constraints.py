"""One test per hard rule. Each problem makes breaking the rule attractive: ``previous``
pulls sessions onto a clash (weight 10 per moved session), so a solver without the rule
would break it."""

from __future__ import annotations

from dataclasses import replace

from timetabling.optimizer import (
    Faculty,
    FixedSession,
    Room,
    RoomKind,
    Session,
    SolveOptions,
    Status,
    TimeGrid,
    Weights,
    evaluate,
    solve,
)

PULL = Weights(0, 0, 0, 0, 0, 0, 0, previous_distance=10)
FAST = SolveOptions(time_limit_s=10, workers=1)


def solved(problem):
    res = solve(problem, FAST)
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE), res
    ev = evaluate(problem, res.sessions)
    assert ev.hard_total == 0, ev.hard
    return res


def test_no_batch_clash(build, mk):
    p = build(
        [mk(1, batches=(7,)), mk(2, batches=(7,))],
        weights=PULL,
        previous=(Session(1, 0, 0, 1), Session(2, 0, 0, 1)),
    )
    res = solved(p)
    assert len({(s.day, s.period) for s in res.sessions}) == 2
    assert res.objective == 10  # exactly one of them moved


def test_no_faculty_clash(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,)), mk(2, faculty=3, batches=(2,))],
        weights=PULL,
        previous=(Session(1, 0, 0, 1), Session(2, 0, 0, 1)),
    )
    res = solved(p)
    assert len({(s.day, s.period) for s in res.sessions}) == 2


def test_no_room_clash(build, mk):
    p = build(
        [mk(1, batches=(1,)), mk(2, batches=(2,))],
        weights=PULL,
        rooms=[Room(1, RoomKind.LECTURE, 100)],
        previous=(Session(1, 0, 0, 1), Session(2, 0, 0, 1)),
    )
    res = solved(p)
    assert len({(s.day, s.period) for s in res.sessions}) == 2


def test_room_kind_matches(build, mk):
    p = build(
        [mk(1, batches=(1,), kind=RoomKind.LAB)],
        rooms=[Room(1, RoomKind.LECTURE, 500), Room(2, RoomKind.LAB, 20)],
    )
    res = solved(p)
    assert [s.room for s in res.sessions] == [2]


def test_room_capacity_hard(build, mk):
    p = build(
        [mk(1, batches=(1,), size=40), mk(2, batches=(2,), size=40)],
        weights=PULL,
        rooms=[Room(1, RoomKind.LECTURE, 50), Room(2, RoomKind.LECTURE, 10)],
        previous=(Session(1, 0, 0, 1), Session(2, 0, 0, 1)),
    )
    res = solved(p)
    assert {s.room for s in res.sessions} == {1}
    assert len({(s.day, s.period) for s in res.sessions}) == 2


def test_unavailability_faculty_and_class(build, mk):
    p = build(
        [
            mk(1, faculty=3, batches=(1,), unavailable=frozenset({(0, 1)})),
            mk(2, faculty=4, batches=(2,)),
        ],
        faculty=[Faculty(3), Faculty(4, unavailable=frozenset({(0, 2)}))],
        weights=PULL,
        previous=(Session(1, 0, 1, 1), Session(2, 0, 2, 1)),
    )
    res = solved(p)
    assert (res.sessions[0].day, res.sessions[0].period) != (0, 1)
    assert (res.sessions[1].day, res.sessions[1].period) != (0, 2)


def test_faculty_max_per_day(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,), n=2)],
        days=2,
        periods=2,
        faculty=[Faculty(3, max_periods_per_day=1)],
        weights=PULL,
        previous=(Session(1, 0, 0, 1), Session(1, 0, 1, 1)),
    )
    res = solved(p)
    assert sorted(s.day for s in res.sessions) == [0, 1]


def test_faculty_max_per_week_counts_fixed_sessions(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,), n=2)],
        days=2,
        periods=2,
        faculty=[Faculty(3, max_periods_per_week=2)],
        fixed=(FixedSession(1, 1, 1, faculty=3, room=None),),
    )
    res = solve(p, FAST)
    assert res.status == Status.INFEASIBLE
    assert any("3" in line for line in res.explanation)


def test_session_never_crosses_a_break(build, mk):
    grid = TimeGrid(1, 4, breaks_after=frozenset({(0, 1)}))
    p = build(
        [mk(1, batches=(1,), kind=RoomKind.LAB, periods_per_session=2)],
        grid=grid,
        weights=PULL,
        previous=(Session(1, 0, 1, 2),),
    )
    res = solved(p)
    assert res.sessions[0].period in (0, 2)


def test_session_never_uses_a_missing_cell(build, mk):
    grid = TimeGrid(1, 4, missing=frozenset({(0, 3)}))
    p = build(
        [mk(1, batches=(1,), kind=RoomKind.LAB, periods_per_session=2)],
        grid=grid,
        weights=PULL,
        previous=(Session(1, 0, 2, 2),),
    )
    res = solved(p)
    assert res.sessions[0].period in (0, 1)


def test_fixed_sessions_occupy_faculty_batch_and_room(build, mk):
    fixed = (
        FixedSession(0, 0, 1, faculty=3, room=None),
        FixedSession(0, 1, 1, faculty=None, room=None, batches=(1,)),
        FixedSession(0, 2, 1, faculty=None, room=1),
    )
    p = build(
        [mk(1, faculty=3, batches=(1,))],
        weights=PULL,
        fixed=fixed,
        rooms=[Room(1, RoomKind.LECTURE, 100)],
        previous=(Session(1, 0, 0, 1), Session(1, 0, 1, 1), Session(1, 0, 2, 1)),
    )
    res = solved(p)
    assert res.sessions[0].period == 3


def test_multi_period_sessions_of_one_class_do_not_overlap(build, mk):
    p = build(
        [mk(1, kind=RoomKind.LAB, n=2, periods_per_session=2)],
        weights=PULL,
        previous=(Session(1, 0, 0, 2), Session(1, 0, 1, 2)),
    )
    res = solved(p)
    assert sorted(s.period for s in res.sessions) == [0, 2]


def test_each_class_gets_all_its_sessions(build, mk):
    p = build([mk(1, batches=(1,), n=3), mk(2, batches=(2,), n=2)], days=2, periods=3)
    res = solved(p)
    assert sorted(s.class_id for s in res.sessions) == [1, 1, 1, 2, 2]


def test_capacity_soft_mode_allows_overflow(build, mk):
    p = build(
        [mk(1, batches=(1,), size=40)],
        rooms=[Room(1, RoomKind.LECTURE, 30)],
        capacity_is_hard=False,
        weights=replace(PULL, room_capacity=1),
    )
    res = solved(p)
    assert dict((x.name, x.count) for x in res.penalties)["room_capacity"] == 10
