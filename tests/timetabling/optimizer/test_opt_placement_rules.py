"""The placement rules of colleges as they are, one test per rule and per implementation:
room features, room closures, batch shifts, pinned sessions, elective baskets and the
per-student check. For each rule CP-SAT obeys it (a ``previous`` timetable pulls towards
breaking it), the annealer keeps it on a hot walk from a feasible timetable, the evaluator
counts a violation, and the explanation before solving names it."""

from __future__ import annotations

from tests.timetabling.optimizer.placement_support import FAST, LAB, PULL, SOME, solved, walk
from timetabling.optimizer import (
    Batch,
    Faculty,
    Problem,
    Room,
    RoomKind,
    Session,
    Status,
    Weights,
    evaluate,
    solve,
)
from timetabling.optimizer.domain import prepare
from timetabling.optimizer.explain import explain, precheck
from timetabling.optimizer.model import Pin
from timetabling.optimizer.rooms import Candidate, build_room_model, greedy_rooms, improve_rooms


def busy_week(build, mk, **kw) -> Problem:
    """Six classes of three batches over two days of four periods: room to walk around."""
    classes = kw.pop("classes", None) or [
        mk(i, batches=(i % 3,), faculty=i % 4, n=2, min_days=2) for i in range(6)
    ]
    rooms = kw.pop("rooms", [Room(i, RoomKind.LECTURE, 100) for i in (1, 2, 3)])
    return build(classes, days=2, periods=4, rooms=rooms, weights=kw.pop("weights", SOME), **kw)


# --- 1. room features ------------------------------------------------------------------


def test_cp_sat_puts_a_class_only_in_a_room_with_its_features(build, mk):
    rooms = [Room(1, LAB, 100), Room(2, LAB, 40, features=frozenset({"computers"}))]
    p = build(
        [mk(1, batches=(1,), kind=LAB, room_features=frozenset({"computers"})),
         mk(2, batches=(2,), kind=LAB)],
        periods=1, rooms=rooms,
    )  # fmt: skip
    res = solved(p)
    assert {s.class_id: s.room for s in res.sessions} == {1: 2, 2: 1}


def test_cp_sat_counts_featured_rooms_per_period(build, mk):
    # two classes need computers, one room has them: they cannot share a period
    rooms = [Room(1, LAB, 100), Room(2, LAB, 100), Room(3, LAB, 40, features=frozenset({"pc"}))]
    pc = frozenset({"pc"})
    p = build(
        [mk(1, batches=(1,), kind=LAB, room_features=pc),
         mk(2, batches=(2,), kind=LAB, room_features=pc)],
        periods=2, rooms=rooms, weights=PULL,
        previous=(Session(1, 0, 0, 3), Session(2, 0, 0, 3)),
    )  # fmt: skip
    res = solved(p)
    assert sorted((s.period, s.room) for s in res.sessions) == [(0, 3), (1, 3)]


def test_annealer_keeps_classes_in_rooms_with_their_features(build, mk):
    pc = frozenset({"pc"})
    rooms = [Room(1, RoomKind.LECTURE, 100), Room(2, RoomKind.LECTURE, 100),
             Room(3, RoomKind.LECTURE, 100, features=pc)]  # fmt: skip
    classes = [
        mk(i, batches=(i % 3,), faculty=i % 4, n=2, room_features=pc if i < 2 else frozenset())
        for i in range(6)
    ]
    _, states = walk(busy_week(build, mk, classes=classes, rooms=rooms))
    for sessions in states:
        assert all(s.room == 3 for s in sessions if s.class_id < 2)


def test_evaluator_counts_a_room_without_the_features(build, mk):
    rooms = [Room(1, LAB, 100), Room(2, LAB, 40, features=frozenset({"computers"}))]
    p = build([mk(1, batches=(1,), kind=LAB, room_features=frozenset({"computers"}))], rooms=rooms)
    assert evaluate(p, [Session(1, 0, 0, 1)]).hard["room_feature"] == 1
    assert evaluate(p, [Session(1, 0, 0, 2)]).hard_total == 0


def test_explanation_names_the_features_no_room_has(build, mk):
    rooms = [Room(1, LAB, 100, features=frozenset({"computers"}))]
    p = build(
        [mk(1, batches=(1,), kind=LAB, room_features=frozenset({"computers", "projector"}))],
        rooms=rooms, names={"classes": {1: "CS301 Lab"}},
    )  # fmt: skip
    assert explain(p) == [
        "class CS301 Lab needs a lab room with computers and projector; no lab room has projector"
    ]
    assert solve(p, FAST).status == Status.INFEASIBLE


# --- 2. room closures ------------------------------------------------------------------


def test_cp_sat_never_uses_a_closed_room_even_for_part_of_a_session(build, mk):
    rooms = [Room(1, LAB, 100, unavailable=frozenset({(0, 1)}))]
    p = build(
        [mk(1, batches=(1,), kind=LAB, periods_per_session=2)],
        periods=4, rooms=rooms, weights=PULL, previous=(Session(1, 0, 0, 1),),
    )  # fmt: skip
    res = solved(p)
    assert [(s.period, s.room) for s in res.sessions] == [(2, 1)]


def test_annealer_keeps_out_of_closed_rooms(build, mk):
    closed = frozenset({(0, 0), (0, 1), (1, 2)})
    rooms = [Room(1, RoomKind.LECTURE, 100, unavailable=closed),
             Room(2, RoomKind.LECTURE, 100), Room(3, RoomKind.LECTURE, 100)]  # fmt: skip
    _, states = walk(busy_week(build, mk, rooms=rooms))
    assert not any(s.room == 1 and (s.day, s.period) in closed for s in states[-1])


def test_evaluator_counts_a_session_touching_a_closed_room(build, mk):
    rooms = [Room(1, LAB, 100, unavailable=frozenset({(0, 1)}))]
    p = build([mk(1, batches=(1,), kind=LAB, periods_per_session=2)], rooms=rooms)
    ev = evaluate(p, [Session(1, 0, 0, 1)])
    assert ev.hard["room_unavailable"] == 1 and ev.hard["room_clash"] == 0
    assert evaluate(p, [Session(1, 0, 2, 1)]).hard_total == 0


def test_explanation_names_the_class_with_no_open_room(build, mk):
    closed = frozenset((d, p) for d in range(5) for p in range(4))
    rooms = [
        Room(1, LAB, 60, features=frozenset({"computers"}), unavailable=closed),
        Room(2, LAB, 30, features=frozenset({"computers"})),
        Room(3, LAB, 80),
    ]
    p = build(
        [mk(1, batches=(1,), kind=LAB, size=48, basket=7,
            room_features=frozenset({"computers"}))],
        days=5, periods=4, rooms=rooms,
        names={"classes": {1: "Blockchain"}, "baskets": {7: "CSE7-PE2"}},
    )  # fmt: skip
    assert precheck(prepare(p)) == [
        "basket CSE7-PE2: option Blockchain has 48 students and no free lab room with 48 "
        "seats and computers on MON-FRI P1-P4"
    ]


# --- 3. batch shifts -------------------------------------------------------------------


def test_cp_sat_keeps_a_batch_inside_its_shift(build, mk):
    evening = Batch(1, 30, unavailable=frozenset({(0, 0), (0, 1)}))
    p = build(
        [mk(1, batches=(1,), n=2)], periods=4, batches=[evening], weights=PULL,
        previous=(Session(1, 0, 0, 1), Session(1, 0, 1, 1)),
    )  # fmt: skip
    res = solved(p)
    assert sorted(s.period for s in res.sessions) == [2, 3]


def test_annealer_keeps_batches_inside_their_shifts(build, mk):
    morning = frozenset((d, p) for d in range(2) for p in (2, 3))
    batches = [Batch(0, 10, unavailable=morning), Batch(1, 10), Batch(2, 10)]
    classes = [mk(i, batches=(i % 3,), faculty=i % 4, n=2 if i else 1) for i in range(6)]
    _, states = walk(busy_week(build, mk, classes=classes, batches=batches))
    for sessions in states:
        assert not any(s.class_id in (0, 3) and (s.day, s.period) in morning for s in sessions)


def test_evaluator_counts_a_session_outside_the_shift(build, mk):
    evening = Batch(1, 30, unavailable=frozenset({(0, 0)}))
    p = build([mk(1, batches=(1,), periods_per_session=2)], batches=[evening])
    assert evaluate(p, [Session(1, 0, 0, 1)]).hard["shift"] == 1
    assert evaluate(p, [Session(1, 0, 1, 1)]).hard_total == 0


def test_explanation_names_the_shift_a_class_no_longer_fits(build, mk):
    evening = Batch(1, 30, unavailable=frozenset({(0, 0), (0, 1)}))
    p = build(
        [mk(1, batches=(1,), n=3)], periods=4, batches=[evening],
        names={"classes": {1: "Maths"}, "batches": {1: "CSE1"}, "shifts": {1: "EVENING"}},
    )  # fmt: skip
    (reason,) = explain(p)
    assert "class Maths" in reason and "shift EVENING of batch CSE1" in reason


# --- 4. pins ---------------------------------------------------------------------------


def test_cp_sat_holds_a_pinned_session_where_and_in_the_room_it_is_pinned(build, mk):
    p = build(
        [mk(1, batches=(1,), n=2, pins=(Pin(0, 3, room=2),))],
        periods=4, weights=PULL,
        rooms=[Room(1, RoomKind.LECTURE, 100), Room(2, RoomKind.LECTURE, 100)],
        previous=(Session(1, 0, 0, 1), Session(1, 0, 1, 1)),
    )  # fmt: skip
    res = solved(p)
    (free, pinned) = sorted((s.period, s.room) for s in res.sessions)
    assert pinned == (3, 2) and free[0] in (0, 1)
    assert res.objective == 10  # the pin counts as one of the two sessions


def test_annealer_never_moves_a_pinned_session(build, mk):
    rooms = [Room(i, RoomKind.LECTURE, 100) for i in (1, 2, 3)]
    classes = [
        mk(i, batches=(i % 3,), faculty=i % 4, n=2,
           pins=(Pin(1, 2, room=3),) if i == 0 else (Pin(0, 1),) if i == 1 else ())
        for i in range(6)
    ]  # fmt: skip
    _, states = walk(busy_week(build, mk, classes=classes, rooms=rooms))
    for sessions in states:
        assert Session(0, 1, 2, 3) in sessions
        assert any(s.class_id == 1 and (s.day, s.period) == (0, 1) for s in sessions)


def test_evaluator_counts_a_moved_pin(build, mk):
    p = build(
        [mk(1, batches=(1,), n=2, pins=(Pin(0, 3, room=2), Pin(0, 0)))],
        rooms=[Room(1, RoomKind.LECTURE, 100), Room(2, RoomKind.LECTURE, 100)],
    )
    assert evaluate(p, [Session(1, 0, 0, 1), Session(1, 0, 3, 2)]).hard_total == 0
    assert evaluate(p, [Session(1, 0, 0, 1), Session(1, 0, 3, 1)]).hard["pin_moved"] == 1
    assert evaluate(p, [Session(1, 0, 1, 1), Session(1, 0, 2, 2)]).hard["pin_moved"] == 2


def test_explanation_names_both_pins_that_clash_before_solving(build, mk):
    p = build(
        [mk(1, batches=(5,), pins=(Pin(0, 1, reason="fixed"),)),
         mk(2, batches=(5,), pins=(Pin(0, 1),))],
        names={"classes": {1: "Seminar", 2: "Physics"}, "batches": {5: "ME3"}},
    )  # fmt: skip
    assert explain(p) == [
        "the fixed session of class Seminar at MON P2 and the pinned session of class "
        "Physics at MON P2 both need batch ME3 at MON P2"
    ]
    assert solve(p, FAST).status == Status.INFEASIBLE


def test_explanation_names_a_pin_at_an_impossible_time(build, mk):
    p = build(
        [mk(1, batches=(1,), faculty=4, pins=(Pin(0, 2),))],
        faculty=[Faculty(4, unavailable=frozenset({(0, 2)}))],
        names={"classes": {1: "Physics"}, "faculty": {4: "Dr Rao"}},
    )  # fmt: skip
    assert explain(p) == [
        "the pinned session of class Physics at MON P3 cannot be held: faculty Dr Rao is "
        "unavailable then"
    ]


def test_room_heuristics_keep_features_closures_and_pinned_rooms(build, mk):
    """The greedy assignment and the period-by-period improvement (rooms.py) choose only
    rooms with the features, open over the whole session, and the pinned room."""
    pc = frozenset({"pc"})
    closed = frozenset({(0, 0), (1, 1)})
    rooms = [Room(1, RoomKind.LECTURE, 90), Room(2, RoomKind.LECTURE, 90, unavailable=closed),
             Room(3, RoomKind.LECTURE, 90, features=pc), Room(4, RoomKind.LECTURE, 20)]  # fmt: skip
    classes = [
        mk(1, batches=(1,), n=2, room_features=pc),
        mk(3, batches=(3,), n=2),  # would take the smallest room, 4, before the pin
        mk(2, batches=(2,), n=2, pins=(Pin(0, 0, room=4),)),
    ]
    p = build(classes, days=2, periods=2, rooms=rooms, weights=Weights(room_change=5))
    prep = prepare(p)
    cands = [Candidate(ci, d, s, 1) for ci in range(3) for d, s in ((0, 0), (1, 1))]
    rm = build_room_model(prep, cands)
    greedy = greedy_rooms(rm, list(range(len(cands))))
    for a in (greedy, improve_rooms(rm, greedy)):
        assert len(a) == len(cands)
        sessions = [
            Session(p.classes[cands[k].ci].id, cands[k].day, cands[k].start, rooms[ri].id)
            for k, ri in a.items()
        ]
        ev = evaluate(p, sessions)
        assert ev.hard_total == 0, {k: v for k, v in ev.hard.items() if v}
        assert Session(2, 0, 0, 4) in sessions
