"""The independent evaluator counts every hard violation by kind."""

from __future__ import annotations

from dataclasses import replace

from timetabling.optimizer import (
    Faculty,
    FixedSession,
    Room,
    RoomKind,
    Session,
    TimeGrid,
    evaluate,
)


def test_clean_solution_has_no_violations(build, mk):
    p = build([mk(1, batches=(1,), faculty=1), mk(2, batches=(1,), faculty=1)])
    ev = evaluate(p, [Session(1, 0, 0, 1), Session(2, 0, 1, 1)])
    assert ev.feasible and ev.hard_total == 0


def test_clashes_by_kind(build, mk):
    p = build([mk(1, batches=(1,), faculty=1), mk(2, batches=(1,), faculty=1)])
    ev = evaluate(p, [Session(1, 0, 0, 1), Session(2, 0, 0, 1)])
    assert ev.hard["batch_clash"] == 1
    assert ev.hard["faculty_clash"] == 1
    assert ev.hard["room_clash"] == 1


def test_fixed_sessions_count_for_clashes(build, mk):
    p = build(
        [mk(1, batches=(1,), faculty=1)],
        fixed=(FixedSession(0, 0, 2, faculty=1, room=1, batches=(1,)),),
    )
    ev = evaluate(p, [Session(1, 0, 1, 1)])
    assert ev.hard["batch_clash"] == ev.hard["faculty_clash"] == ev.hard["room_clash"] == 1


def test_room_kind_capacity_and_unknowns(build, mk):
    p = build(
        [mk(1, batches=(1,), kind=RoomKind.LAB, size=30), mk(2, batches=(2,), size=30)],
        rooms=[Room(1, RoomKind.LECTURE, 100), Room(2, RoomKind.LAB, 10)],
    )
    ev = evaluate(
        p, [Session(1, 0, 0, 1), Session(2, 0, 1, 1), Session(9, 0, 2, 1), Session(2, 0, 3, 7)]
    )
    assert ev.hard["room_kind"] == 1
    assert ev.hard["unknown_class"] == 1
    assert ev.hard["unknown_room"] == 1
    assert ev.hard["extra_sessions"] == 1
    assert evaluate(p, [Session(2, 0, 1, 1)]).hard["missing_sessions"] == 1
    ev2 = evaluate(p, [Session(1, 0, 0, 2), Session(2, 0, 1, 1)])
    assert ev2.hard["room_capacity"] == 1
    assert (
        evaluate(
            replace(p, capacity_is_hard=False), [Session(1, 0, 0, 2), Session(2, 0, 1, 1)]
        ).hard["room_capacity"]
        == 0
    )


def test_unavailable_and_bad_start(build, mk):
    grid = TimeGrid(1, 4, breaks_after=frozenset({(0, 1)}))
    p = build(
        [
            mk(1, batches=(1,), faculty=1, kind=RoomKind.LAB, periods_per_session=2),
            mk(2, batches=(2,), unavailable=frozenset({(0, 3)})),
        ],
        grid=grid,
        faculty=[Faculty(1, unavailable=frozenset({(0, 0)}))],
    )
    ev = evaluate(p, [Session(1, 0, 1, 2), Session(2, 0, 3, 1)])
    assert ev.hard["bad_start"] == 1
    assert ev.hard["unavailable"] == 1
    ev = evaluate(p, [Session(1, 0, 0, 2), Session(2, 0, 2, 1)])
    assert ev.hard["unavailable"] == 1 and ev.hard["bad_start"] == 0


def test_faculty_loads(build, mk):
    p = build(
        [mk(1, batches=(1,), faculty=1, n=3)],
        days=2,
        periods=3,
        faculty=[Faculty(1, max_periods_per_day=2, max_periods_per_week=2)],
    )
    ev = evaluate(p, [Session(1, 0, 0, 1), Session(1, 0, 1, 1), Session(1, 0, 2, 1)])
    assert ev.hard["faculty_day_load"] == 1
    assert ev.hard["faculty_week_load"] == 1
