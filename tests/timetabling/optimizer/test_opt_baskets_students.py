"""Elective baskets (their options meet together, share their batches, each in its own
room with its own teacher), the per-student check, and every placement rule at once: CP-SAT,
the annealer and the evaluator agree on random small colleges, and a solve that anneals a
college week keeps every rule. (Rules 1-4: test_opt_placement_rules.py.)"""

from __future__ import annotations

import random
import time

import numpy as np

from tests.timetabling.optimizer.placement_support import (
    FAST,
    LAB,
    PULL,
    SOME,
    sessions_of,
    solved,
    walk,
)
from timetabling.optimizer import (
    Batch,
    ClassSpec,
    Faculty,
    Problem,
    Room,
    RoomKind,
    Session,
    SolveOptions,
    Status,
    TimeGrid,
    Weights,
    anneal,
    evaluate,
    solve,
)
from timetabling.optimizer.domain import prepare
from timetabling.optimizer.explain import explain
from timetabling.optimizer.model import Pin, StudentLoad

# --- 5. elective baskets ---------------------------------------------------------------


def basket_problem(build, mk, **kw) -> Problem:
    """Basket 9 of two options (own teachers, both for batches 1 and 2) twice a week, and
    an ordinary class of batch 1, over two days of three periods."""
    classes = [
        mk(1, batches=(1, 2), faculty=1, n=2, basket=9, size=30),
        mk(2, batches=(1, 2), faculty=2, n=2, basket=9, size=30),
        mk(3, batches=(1,), faculty=3, n=2),
    ] + kw.pop("extra", [])
    rooms = kw.pop("rooms", [Room(i, RoomKind.LECTURE, 60) for i in (1, 2, 3)])
    return build(classes, days=2, periods=3, rooms=rooms, **kw)


def starts(sessions, cid):
    return sorted((s.day, s.period) for s in sessions if s.class_id == cid)


def test_cp_sat_starts_the_options_of_a_basket_together_in_rooms_of_their_own(build, mk):
    p = basket_problem(
        build, mk, weights=PULL,
        previous=(Session(1, 0, 0, 1), Session(1, 0, 1, 1), Session(2, 1, 0, 1),
                  Session(2, 1, 1, 1)),
    )  # fmt: skip
    res = solved(p)
    assert starts(res.sessions, 1) == starts(res.sessions, 2)
    assert not set(starts(res.sessions, 1)) & set(starts(res.sessions, 3))
    rooms_at = {}
    for s in res.sessions:
        rooms_at.setdefault((s.day, s.period), []).append(s.room)
    assert all(len(r) == len(set(r)) for r in rooms_at.values())


def test_cp_sat_lets_a_basket_share_its_batches_only_among_its_options(build, mk):
    # three sessions of batch 1 fit a three-period week only if the options share them
    p = build(
        [mk(1, batches=(1,), faculty=1, n=2, basket=4),
         mk(2, batches=(1,), faculty=2, n=2, basket=4), mk(3, batches=(1,), faculty=3)],
        periods=3, rooms=[Room(1, RoomKind.LECTURE, 50), Room(2, RoomKind.LECTURE, 50)],
    )  # fmt: skip
    res = solved(p)
    assert starts(res.sessions, 1) == starts(res.sessions, 2) != starts(res.sessions, 3)


def test_annealer_moves_the_options_of_a_basket_only_together(build, mk):
    extra = [mk(4, batches=(2,), faculty=4, n=1), mk(5, batches=(3,), faculty=3, n=2)]
    p = basket_problem(build, mk, weights=SOME, extra=extra)
    _, states = walk(p)
    for sessions in states:
        assert starts(sessions, 1) == starts(sessions, 2)
    assert len({tuple(starts(s, 1)) for s in states}) > 1  # the basket itself moved


def test_evaluator_counts_options_apart_and_no_clash_for_options_together(build, mk):
    p = basket_problem(build, mk)
    together = [Session(1, 0, 0, 1), Session(2, 0, 0, 2), Session(1, 1, 0, 1),
                Session(2, 1, 0, 2), Session(3, 0, 1, 1), Session(3, 1, 1, 1)]  # fmt: skip
    assert evaluate(p, together).hard_total == 0
    apart = together[:3] + [Session(2, 1, 2, 2)] + together[4:]
    ev = evaluate(p, apart)
    assert ev.hard["basket_apart"] == 1 and ev.hard["batch_clash"] == 0
    clash = together[:4] + [Session(3, 0, 0, 3), Session(3, 1, 1, 1)]
    assert evaluate(p, clash).hard["batch_clash"] == 1  # the basket keeps its batch busy


def test_explanation_names_a_basket_whose_options_cannot_meet_alike(build, mk):
    p = build(
        [mk(1, batches=(1,), faculty=1, n=2, basket=9),
         mk(2, batches=(1,), faculty=1, n=3, basket=9)],
        names={"baskets": {9: "CSE7-PE2"}, "classes": {1: "Blockchain", 2: "IoT"}},
    )  # fmt: skip
    reasons = explain(p)
    assert reasons[0].startswith("basket CSE7-PE2: its options must meet alike")
    p2 = build(
        [mk(1, batches=(1,), faculty=1, basket=9), mk(2, batches=(1,), faculty=1, basket=9)],
        rooms=[Room(1, RoomKind.LECTURE, 100)],
        names={"baskets": {9: "CSE7-PE2"}, "classes": {1: "Blockchain", 2: "IoT"},
               "faculty": {1: "Dr Rao"}},
    )  # fmt: skip
    assert explain(p2) == [
        "basket CSE7-PE2: option Blockchain and option IoT are both taught by faculty Dr Rao, "
        "but the options meet at once",
        "basket CSE7-PE2: 2 options need a lecture room each at once, there is 1",
    ]


# --- 6. students -----------------------------------------------------------------------


def test_evaluator_counts_each_student_in_two_sessions_at_once(build, mk):
    p = basket_problem(
        build, mk,
        extra=[mk(4, batches=(7,), faculty=4)],
        students=(StudentLoad(1, (1, 3)), StudentLoad(2, (2, 3, 4)), StudentLoad(3, (2, 3, 4)),
                  StudentLoad(4, (1, 2))),
    )  # fmt: skip
    ok = [Session(1, 0, 0, 1), Session(2, 0, 0, 2), Session(1, 1, 0, 1),
          Session(2, 1, 0, 2), Session(3, 0, 1, 1), Session(3, 1, 1, 1)]  # fmt: skip
    # options of one basket at once never clash, even for a student listed in both
    assert evaluate(p, ok + [Session(4, 0, 2, 1)]).hard_total == 0
    # class 4 (not of their batches) at the time of class 3: students 2 and 3 clash once
    assert evaluate(p, ok + [Session(4, 0, 1, 3)]).hard["student_clash"] == 2


def test_student_check_is_fast_for_a_college(build, mk):
    rng = np.random.default_rng(1)
    classes = [mk(i, batches=(i,), n=4) for i in range(200)]
    sessions = [
        Session(i, int(d), int(p), 1)
        for i in range(200)
        for d, p in zip(rng.integers(0, 5, 4), rng.integers(0, 8, 4), strict=True)
    ]
    groups = [tuple(int(c) for c in rng.choice(200, 8, replace=False)) for _ in range(300)]
    students = tuple(StudentLoad(i, groups[i % 300]) for i in range(6000))
    p = build(classes, days=5, periods=8, students=students)
    began = time.monotonic()
    ev = evaluate(p, sessions)
    assert time.monotonic() - began < 2.0
    assert ev.hard["student_clash"] > 0


# --- all rules at once: the three implementations agree ---------------------------------


def random_college(rng: random.Random) -> Problem:
    """Random small problems using every placement rule: a lab with computers, a room
    closed some periods, a batch in a shift, pins (one with a room) and a basket."""
    days, periods = 3, 4
    cells = [(d, p) for d in range(days) for p in range(periods)]
    pc = frozenset({"pc"})
    rooms = (
        Room(1, RoomKind.LECTURE, 60, unavailable=frozenset(rng.sample(cells, 3))),
        Room(2, RoomKind.LECTURE, 60),
        Room(3, RoomKind.LECTURE, 40),
        Room(4, LAB, 40, features=pc),
        Room(5, LAB, 40),
    )
    shift = frozenset((d, p) for d in range(days) for p in ((0,) if rng.random() < 0.5 else (3,)))
    batches = (Batch(1, 30, unavailable=shift), Batch(2, 30), Batch(3, 20))
    pin_cell = (rng.randrange(days), rng.randrange(1, periods))
    classes = [
        ClassSpec(1, RoomKind.LECTURE, 1, (1, 2), 2, basket=8, size=30, min_days=2),
        ClassSpec(2, RoomKind.LECTURE, 2, (1, 2), 2, basket=8, size=25, min_days=2),
        ClassSpec(3, LAB, 3, (2,), 1, periods_per_session=2, room_features=pc),
        ClassSpec(4, RoomKind.LECTURE, 3, (1,), 2, pins=(Pin(*pin_cell, room=2),)),
        ClassSpec(5, RoomKind.LECTURE, 4, (3,), 3, pins=(Pin(rng.randrange(days), 1),)),
        ClassSpec(6, LAB, 4, (3,), 1, periods_per_session=2),
        ClassSpec(7, RoomKind.LECTURE, 5, (2, 3), rng.randint(1, 2), min_days=1),
    ]
    return Problem(
        grid=TimeGrid(days, periods),
        rooms=rooms,
        faculty=tuple(Faculty(f) for f in range(1, 6)),
        batches=batches,
        classes=tuple(classes),
        weights=Weights(*(rng.randint(1, 4) for _ in range(8)), 0, 0, 0),
        long_run_limit=2,
    )


def test_cp_sat_annealer_and_evaluator_agree_on_random_colleges():
    rng = random.Random(28)
    for case in range(12):
        p = random_college(rng)
        res = solve(p, SolveOptions(time_limit_s=2, workers=1, seed=case))
        if not res.has_solution:
            assert res.status == Status.INFEASIBLE and res.explanation, case
            continue
        ev = evaluate(p, res.sessions)
        assert ev.hard_total == 0, (case, ev.hard)
        assert ev.soft_total == res.objective, case  # CP-SAT's objective, recounted
        prep = prepare(p)
        ci = {c.id: i for i, c in enumerate(p.classes)}
        ri = {r.id: i for i, r in enumerate(p.rooms)}
        placed = [(ci[s.class_id], s.day, s.period, ri[s.room]) for s in res.sessions]
        chain = anneal.Chain(anneal.build_arrays(prep), placed, case, anneal.hard_weight(prep))
        assert chain.score == (0, ev.soft_total), case
        chain.run(20_000, 20.0, 0.1, 0.2, 0.1, 0.3)
        best = sessions_of(p, chain, best=True)
        ev = evaluate(p, best)
        assert ev.hard_total == 0 and ev.soft_total == chain.best.soft, (case, ev.hard)


def test_explanation_names_the_pins_that_leave_a_class_no_room_in_the_week(build, mk):
    # Maths (batch 5, Dr Rao) twice; Physics holds batch 5 at P1, the seminar batch 5 and
    # Dr Rao at P2, a lab Dr Rao at P4: one start is left for two sessions
    p = build(
        [mk(1, batches=(5,), faculty=2, n=2), mk(2, batches=(5,), pins=(Pin(0, 0),)),
         mk(3, batches=(5,), faculty=2, pins=(Pin(0, 1, reason="fixed"),)),
         mk(4, batches=(7,), faculty=2, pins=(Pin(0, 3),))],
        rooms=[Room(1, RoomKind.LECTURE, 50), Room(2, RoomKind.LECTURE, 50)],
        names={"classes": {1: "Maths", 2: "Physics", 3: "Seminar", 4: "Lab"}},
    )  # fmt: skip
    assert explain(p) == [
        "class Maths still needs 2 sessions but other pins leave it 1 start time: the pinned "
        "session of class Physics at MON P1; the fixed session of class Seminar at MON P2; "
        "the pinned session of class Lab at MON P4"
    ]
    assert solve(p, FAST).status == Status.INFEASIBLE


def test_explanation_from_cp_sat_names_a_basket_whose_options_need_one_lab(build, mk):
    pc = frozenset({"pc"})
    p = build(
        [mk(1, batches=(1,), faculty=1, kind=LAB, basket=3, room_features=pc),
         mk(2, batches=(2,), faculty=2, kind=LAB, basket=3, room_features=pc)],
        periods=2, rooms=[Room(1, LAB, 60, features=pc), Room(2, LAB, 60)],
        names={"baskets": {3: "ME5-OE1"}},
    )  # fmt: skip
    reasons = explain(p)
    assert any(r.startswith("basket ME5-OE1 meets at once") for r in reasons), reasons
    assert "only 1 lab room with pc exist (seats: 60)" in reasons
    assert solve(p, FAST).status == Status.INFEASIBLE


def college_week(seed: int) -> Problem:
    """Six batches (two on a morning shift) over five days of six periods: lectures (some
    pinned), a lab each (half need computers), a closed lecture room, a basket of three
    options for two batches, students, and a previous timetable that the annealer has to
    improve on."""
    rng = random.Random(seed)
    days, periods = 5, 6
    cells = [(d, p) for d in range(days) for p in range(periods)]
    pc = frozenset({"pc"})
    closed = frozenset(rng.sample(cells, 4))
    rooms = [Room(i, RoomKind.LECTURE, 60) for i in range(2, 7)] + [
        Room(1, RoomKind.LECTURE, 60, unavailable=closed),
        Room(11, LAB, 40, features=pc),
        Room(12, LAB, 40, features=pc),
        Room(13, LAB, 40),
    ]
    morning = frozenset((d, p) for d in range(days) for p in (4, 5))
    batches = [Batch(b, 30, unavailable=morning if b < 2 else frozenset()) for b in range(6)]
    classes = []
    for b in range(6):
        for k in range(5):
            pins = (Pin(b % days, k, room=2 if b == 0 else None),) if k < 2 and b % 2 == 0 else ()
            classes.append(
                ClassSpec(10 * b + k, RoomKind.LECTURE, rng.randrange(20), (b,), 3, min_days=3,
                          pins=pins)
            )  # fmt: skip
        classes.append(
            ClassSpec(10 * b + 9, LAB, 20 + b, (b,), 1, periods_per_session=2,
                      room_features=pc if b % 2 else frozenset())
        )  # fmt: skip
    options = [ClassSpec(100 + k, RoomKind.LECTURE, 26 + k, (2, 3), 2, basket=1, size=20)
               for k in range(3)]  # fmt: skip
    classes += options
    students = tuple(
        StudentLoad(i, tuple(c.id for c in classes if c.batches == (i % 6,)) + (
            (100 + i % 3,) if i % 6 in (2, 3) else ()))
        for i in range(120)
    )  # fmt: skip
    previous = tuple(
        Session(c.id, rng.randrange(days), rng.randrange(periods), 3)
        for c in classes
        for _ in range(c.sessions_per_week)
    )
    return Problem(
        grid=TimeGrid(days, periods),
        rooms=tuple(rooms),
        faculty=tuple(Faculty(f, max_periods_per_day=5) for f in range(30)),
        batches=tuple(batches),
        classes=tuple(classes),
        previous=previous,
        students=students,
    )


def test_solve_keeps_every_placement_rule_through_annealing():
    p = college_week(3)
    progress = []
    res = solve(p, SolveOptions(time_limit_s=4, workers=1, seed=1), on_progress=progress.append)
    assert res.status == Status.FEASIBLE and res.objective > res.best_bound  # it annealed
    ev = evaluate(p, res.sessions)
    assert ev.hard_total == 0, {k: v for k, v in ev.hard.items() if v}
    assert ev.soft_total == res.objective
    assert len(progress) > 2


def test_student_check_matches_a_count_student_by_student(build, mk):
    rng = random.Random(5)
    classes = [mk(i, batches=(i,), n=3, basket=50 if i >= 8 else None) for i in range(11)]
    sessions = [Session(i, rng.randrange(2), rng.randrange(4), 1) for i in range(11)
                for _ in range(3)]  # fmt: skip
    students = tuple(
        StudentLoad(s, tuple(rng.sample(range(11), rng.randint(1, 5)))) for s in range(80)
    )
    p = build(classes, days=2, periods=4, students=students)
    basket = {c.id: c.basket for c in p.classes}
    expected = 0
    for st in students:
        seen: dict[tuple[int, int], list[int]] = {}
        for s in sessions:
            if s.class_id in st.classes:
                seen.setdefault((s.day, s.period), []).append(s.class_id)
        for ids in seen.values():
            # one basket's options are one attendance however many of them are listed
            owners = [("basket", basket[c]) if basket[c] else ("class", c) for c in ids]
            per_owner = {o: owners.count(o) for o in owners}
            n = sum(
                per_owner[o] if o[0] == "class" else max(ids.count(c) for c in ids
                                                         if basket[c] == o[1])
                for o in per_owner
            )  # fmt: skip
            expected += n > 1
    assert expected > 0
    assert evaluate(p, sessions).hard["student_clash"] == expected
