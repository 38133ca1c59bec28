"""Manual moves: the clash check, the swap and the "where can this go" list.

The property tests hold them to the independent evaluator: on random small problems and
random clash-free timetables, a move is hard-clean exactly when the evaluated timetable
after it has no hard violation, and its soft change is the change of the evaluator's soft
total, penalty by penalty.
"""

from __future__ import annotations

import random
from dataclasses import fields, replace
from typing import Any

import pytest

from timetabling.optimizer import (
    Batch,
    ClassSpec,
    Faculty,
    FixedSession,
    Pin,
    Problem,
    Room,
    RoomKind,
    Session,
    TimeGrid,
    Weights,
    evaluate,
)
from timetabling.optimizer.evaluate import HARD_KINDS, SOFT_NAMES
from timetabling.optimizer.moves import (
    MoveRefused,
    check_move,
    check_swap,
    move_options,
)

ZERO = Weights(**{f.name: 0 for f in fields(Weights)})  # every penalty off


def make_problem(
    classes: list[ClassSpec],
    *,
    days: int = 1,
    periods: int = 4,
    rooms: list[Room] | None = None,
    faculty: list[Faculty] | None = None,
    batches: list[Batch] | None = None,
    **kw: Any,
) -> Problem:
    fac_ids = {c.faculty for c in classes if c.faculty is not None}
    batch_ids = {b for c in classes for b in c.batches}
    return Problem(
        grid=TimeGrid(days, periods),
        rooms=tuple(rooms or [Room(1, RoomKind.LECTURE, 100), Room(3, RoomKind.LAB, 100)]),
        faculty=tuple(faculty or [Faculty(f) for f in sorted(fac_ids)]),
        batches=tuple(batches or [Batch(b, 10) for b in sorted(batch_ids)]),
        classes=tuple(classes),
        weights=kw.pop("weights", ZERO),
        **kw,
    )


def cls(
    cid: int, *, batches: tuple[int, ...] = (), faculty: int | None = None, n: int = 1, **kw: Any
) -> ClassSpec:
    kind = kw.pop("kind", RoomKind.LECTURE)
    return ClassSpec(cid, kind, faculty, batches, n, **kw)


NAMES = {
    "faculty": {1: "F014", 2: "F020"},
    "batches": {1: "ECE-3B", 2: "CSE-3A"},
    "classes": {1: "EC301 (ECE-3B)", 2: "EC302 (ECE-3B)", 3: "CS301 (CSE-3A)"},
    "rooms": {1: "LH-201", 2: "LH-202", 3: "LAB-2"},
}


def kinds(check) -> set[str]:
    return {v.kind for v in check.violations}


# ---------------------------------------------------------------- worded rules


def test_faculty_clash_is_named_in_the_institutions_words() -> None:
    problem = make_problem(
        [cls(1, batches=(1,), faculty=1), cls(3, batches=(2,), faculty=1)],
        days=2,
        rooms=[Room(1, RoomKind.LECTURE, 60), Room(2, RoomKind.LECTURE, 60)],
        names=NAMES,
    )
    sessions = [Session(1, 1, 2, 1), Session(3, 0, 0, 2)]
    check = check_move(problem, sessions, 1, 1, 2, 2)
    assert not check.ok
    assert [v.message for v in check.violations] == [
        "F014 already teaches EC301 (ECE-3B) in LH-201 on TUE P3"
    ]
    assert kinds(check) == {"faculty_clash"}


def test_room_features_closures_kind_and_capacity_are_each_reported() -> None:
    lab = Room(
        3, RoomKind.LAB, 20, features=frozenset({"projector"}), unavailable=frozenset({(0, 1)})
    )
    problem = make_problem(
        [
            cls(1, batches=(1,), kind=RoomKind.LAB, room_features=frozenset({"computers"})),
            cls(2, batches=(1,)),
        ],
        rooms=[Room(1, RoomKind.LECTURE, 60), lab],
        batches=[Batch(1, 30)],
        names=NAMES,
    )
    sessions = [Session(1, 0, 3, 3), Session(2, 0, 0, 1)]
    check = check_move(problem, sessions, 0, 0, 1, 3)
    messages = {v.kind: v.message for v in check.violations}
    assert messages["room_feature"] == "LAB-2 has no computers"
    assert messages["room_unavailable"] == "LAB-2 is closed on MON P2"
    assert messages["room_capacity"] == "LAB-2 holds 20; EC301 (ECE-3B) has 30"
    wrong_kind = check_move(problem, sessions, 0, 0, 1, 1)
    assert "room_kind" in kinds(wrong_kind)


def test_batch_clash_shift_unavailability_and_grid() -> None:
    problem = make_problem(
        [cls(1, batches=(1,), faculty=1, periods_per_session=2), cls(2, batches=(1,), faculty=2)],
        days=2,
        batches=[Batch(1, 10, unavailable=frozenset({(1, 3)}))],
        faculty=[Faculty(1, unavailable=frozenset({(1, 0)})), Faculty(2)],
        names=NAMES,
    )
    sessions = [Session(1, 0, 0, 1), Session(2, 0, 2, 1)]
    assert kinds(check_move(problem, sessions, 0, 0, 1, 1)) == {"batch_clash", "room_clash"}
    assert check_move(problem, sessions, 0, 0, 1, 1).violations[0].message == (
        "ECE-3B already has EC302 (ECE-3B) in LH-201 on MON P3"
    )
    assert kinds(check_move(problem, sessions, 0, 1, 2, 1)) == {"shift"}
    assert kinds(check_move(problem, sessions, 0, 1, 0, 1)) == {"unavailable"}
    assert kinds(check_move(problem, sessions, 0, 1, 3, 1)) == {"bad_start"}
    assert check_move(problem, sessions, 0, 1, 1, 1).ok


def test_fixed_sessions_keep_their_teacher_batch_and_room_busy() -> None:
    problem = make_problem(
        [cls(1, batches=(1,), faculty=1)],
        days=1,
        fixed=(FixedSession(0, 2, 1, faculty=1, room=None), FixedSession(0, 3, 1, None, room=1)),
        names=NAMES,
    )
    sessions = [Session(1, 0, 0, 1)]
    assert kinds(check_move(problem, sessions, 0, 0, 2, 1)) == {"faculty_clash"}
    assert kinds(check_move(problem, sessions, 0, 0, 3, 1)) == {"room_clash"}
    assert check_move(problem, sessions, 0, 0, 1, 1).ok


def test_teacher_day_load_and_consecutive_limits() -> None:
    problem = make_problem(
        [cls(1, batches=(1,), faculty=1, n=2), cls(2, batches=(2,), faculty=1)],
        days=2,
        periods=5,
        faculty=[Faculty(1, max_periods_per_day=2, max_consecutive=2)],
        names=NAMES,
    )
    sessions = [Session(1, 0, 0, 1), Session(1, 0, 1, 1), Session(2, 1, 0, 1)]
    day_load = check_move(problem, sessions, 2, 0, 3, 1)
    assert kinds(day_load) == {"faculty_day_load"}
    assert day_load.violations[0].message == "F014 would teach 3 periods on MON; the limit is 2"
    relaxed = replace(problem, faculty=(Faculty(1, max_consecutive=2),))
    run = check_move(relaxed, sessions, 2, 0, 2, 1)
    assert kinds(run) == {"faculty_consecutive"}
    assert check_move(relaxed, sessions, 2, 0, 3, 1).ok


def test_student_clash_across_batches() -> None:
    from timetabling.optimizer import StudentLoad

    problem = make_problem(
        [cls(1, batches=(1,)), cls(3, batches=(2,))],
        students=(StudentLoad(7, (1, 3)),),
        names={**NAMES, "students": {7: "22ECE001"}},
    )
    sessions = [Session(1, 0, 0, 1), Session(3, 0, 1, 2)]
    problem = replace(problem, rooms=(Room(1, RoomKind.LECTURE, 60), Room(2, RoomKind.LECTURE, 60)))
    check = check_move(problem, sessions, 1, 0, 0, 2)
    assert kinds(check) == {"student_clash"}
    assert check.violations[0].message == (
        "22ECE001 of CS301 (CSE-3A) also attends EC301 (ECE-3B) on MON P1"
    )


def test_a_basket_moves_whole_and_its_options_share_their_batches() -> None:
    rooms = [Room(r, RoomKind.LECTURE, 60) for r in (1, 2, 3)]
    problem = make_problem(
        [
            cls(1, batches=(1, 2), faculty=1, basket=9),
            cls(2, batches=(1, 2), faculty=2, basket=9),
            cls(3, batches=(1,)),
        ],
        days=2,
        rooms=rooms,
        names=NAMES,
    )
    sessions = [Session(1, 0, 0, 1), Session(2, 0, 0, 2), Session(3, 1, 0, 3)]
    check = check_move(problem, sessions, 0, 0, 2, 3)
    assert check.ok
    assert {(p.index, p.day, p.period, p.room) for p in check.placements} == {
        (0, 0, 2, 3),
        (1, 0, 2, 2),
    }
    # the whole basket meets the batch's other class there
    assert kinds(check_move(problem, sessions, 0, 1, 0, 1)) == {"batch_clash"}
    options = move_options(problem, sessions, 1)
    assert (1, 0, 2) not in {(o.day, o.period, o.room) for o in options}  # room 3 busy
    assert (0, 1, 2) in {(o.day, o.period, o.room) for o in options}
    assert all(o.room != 1 for o in options)  # option 1 keeps room 1


def test_pinned_sessions_move_with_a_note_fixed_ones_do_not() -> None:
    pinned = cls(1, batches=(1,), pins=(Pin(0, 0, reason="pinned"),))
    fixed = cls(2, batches=(2,), pins=(Pin(0, 1, room=1, reason="fixed"),))
    problem = make_problem([pinned, fixed], names=NAMES)
    sessions = [Session(1, 0, 0, 1), Session(2, 0, 1, 1)]
    moved = check_move(problem, sessions, 0, 0, 2, 1)
    assert moved.ok
    assert moved.notes == (
        "EC301 (ECE-3B) is pinned on MON P1: the move unpins it there and pins it on MON P3 "
        "in LH-201",
    )
    refused = check_move(problem, sessions, 1, 0, 3, 1)
    assert kinds(refused) == {"pin_moved"}
    assert move_options(problem, sessions, 1) == []


def test_swap_checks_both_sessions_at_their_new_places() -> None:
    problem = make_problem(
        [cls(1, batches=(1,), faculty=1), cls(3, batches=(2,), faculty=2), cls(2, batches=(2,))],
        rooms=[Room(1, RoomKind.LECTURE, 60), Room(2, RoomKind.LECTURE, 60)],
        faculty=[Faculty(1), Faculty(2, unavailable=frozenset({(0, 0)}))],
        names=NAMES,
    )
    sessions = [Session(1, 0, 0, 1), Session(3, 0, 1, 2), Session(2, 0, 2, 1)]
    swap = check_swap(problem, sessions, 0, 1)
    assert kinds(swap) == {"unavailable"}
    assert swap.violations[0].message == "F020 is unavailable on MON P1"
    ok = check_swap(problem, sessions, 0, 2)
    assert ok.ok
    assert {(p.index, p.day, p.period, p.room) for p in ok.placements} == {
        (0, 0, 2, 1),
        (2, 0, 0, 1),
    }
    with pytest.raises(MoveRefused):
        check_swap(problem, sessions, 1, 1)


def test_soft_delta_is_named_and_options_are_best_first() -> None:
    problem = make_problem(
        [cls(1, batches=(1,), n=2), cls(2, batches=(1,))],
        days=2,
        periods=4,
        weights=replace(ZERO, same_day=3, isolated=2, idle_gap=1),
    )
    sessions = [Session(1, 0, 0, 1), Session(1, 1, 0, 1), Session(2, 0, 1, 1)]
    check = check_move(problem, sessions, 1, 0, 3, 1)
    delta = {d.name: d.delta for d in check.soft_delta}
    assert delta == {"same_day": 1, "isolated": 0, "idle_gap": 1}
    assert check.soft_total_delta == 3 * 1 + 1 * 1
    options = move_options(problem, sessions, 1)
    assert [o.soft_total_delta for o in options] == sorted(o.soft_total_delta for o in options)
    assert (1, 0, 1) not in {(o.day, o.period, o.room) for o in options}  # its own place
    assert options[0].soft_total_delta <= 0


# ---------------------------------------------------------------- agreement with evaluate


def _random_problem(rng: random.Random) -> Problem:
    days = rng.randint(1, 3)
    periods = rng.randint(3, 5)
    cells = [(d, p) for d in range(days) for p in range(periods)]
    breaks = frozenset(c for c in cells if rng.random() < 0.1)
    batches = tuple(
        Batch(
            b,
            rng.randint(5, 40),
            unavailable=frozenset(c for c in cells if rng.random() < 0.1)
            if "shift" in HARD_KINDS
            else frozenset(),
        )
        for b in range(1, rng.randint(2, 3) + 1)
    )
    faculty = tuple(
        Faculty(
            f,
            unavailable=frozenset(c for c in cells if rng.random() < 0.1),
            max_periods_per_day=rng.choice([None, 2, 3]),
            max_consecutive=rng.choice([None, 2]) if "faculty_consecutive" in HARD_KINDS else None,
            # the teachers' wishes only once the evaluator scores them
            **(
                {
                    "max_gaps_per_day": rng.choice([None, 0, 1]),
                    "prefer": frozenset(c for c in cells if rng.random() < 0.4),
                    "avoid": frozenset(c for c in cells if rng.random() < 0.2),
                }
                if "faculty_gap" in SOFT_NAMES
                else {}
            ),
        )
        for f in (1, 2)
    )
    features = "room_feature" in HARD_KINDS
    closures = "room_unavailable" in HARD_KINDS
    rooms = tuple(
        Room(
            r,
            rng.choice([RoomKind.LECTURE, RoomKind.LECTURE, RoomKind.LAB]),
            rng.randint(10, 60),
            features=frozenset(rng.sample(["computers", "projector"], rng.randint(0, 2)))
            if features
            else frozenset(),
            unavailable=frozenset(c for c in cells if rng.random() < 0.1)
            if closures
            else frozenset(),
        )
        for r in range(1, rng.randint(3, 4) + 1)
    )
    classes = []
    for c in range(1, rng.randint(2, 5) + 1):
        n = rng.randint(1, 2)
        classes.append(
            ClassSpec(
                c,
                rng.choice([RoomKind.LECTURE, RoomKind.LECTURE, RoomKind.LAB]),
                rng.choice([None, 1, 2]),
                tuple(rng.sample([b.id for b in batches], rng.randint(0, len(batches)))),
                n,
                periods_per_session=2 if rng.random() < 0.2 else 1,
                min_days=rng.randint(0, n),
                unavailable=frozenset(c for c in cells if rng.random() < 0.05),
                room_features=frozenset(rng.sample(["computers"], rng.randint(0, 1)))
                if features
                else frozenset(),
            )
        )
    fixed = tuple(
        FixedSession(
            rng.randrange(days),
            rng.randrange(periods),
            1,
            rng.choice([None, 1, 2]),
            rng.choice([None, rooms[0].id]),
            tuple(rng.sample([b.id for b in batches], rng.randint(0, 1))),
        )
        for _ in range(rng.randint(0, 2))
    )
    previous = tuple(
        Session(c.id, rng.randrange(days), rng.randrange(periods), rng.choice(rooms).id)
        for c in classes
        if rng.random() < 0.5
    )
    weights = Weights(*(rng.randint(0, 3) for _ in range(len(fields(Weights)))))
    return Problem(
        grid=TimeGrid(days, periods, breaks_after=breaks),
        rooms=rooms,
        faculty=faculty,
        batches=batches,
        classes=tuple(classes),
        fixed=fixed,
        previous=previous,
        weights=weights,
        capacity_is_hard=rng.random() < 0.7,
    )


def _random_timetable(problem: Problem, rng: random.Random) -> list[Session] | None:
    """A clash-free complete timetable by random restarts, or None."""
    g = problem.grid
    for _ in range(60):
        sessions = []
        for c in problem.classes:
            for _ in range(c.sessions_per_week):
                fits = [r.id for r in problem.rooms if r.kind == c.kind]
                if not fits:
                    return None
                sessions.append(
                    Session(
                        c.id,
                        rng.randrange(g.days),
                        rng.randrange(g.periods_per_day),
                        rng.choice(fits),
                    )
                )
        if evaluate(problem, sessions).feasible:
            return sessions
    return None


def _cases(seed: int, wanted: int):
    rng = random.Random(seed)
    found = 0
    while found < wanted:
        problem = _random_problem(rng)
        sessions = _random_timetable(problem, rng)
        if sessions is None:
            continue
        found += 1
        yield rng, problem, sessions


def test_check_move_agrees_with_the_evaluator_on_random_moves() -> None:
    moves = clean = 0
    for rng, problem, sessions in _cases(seed=28, wanted=100):
        before = evaluate(problem, sessions)
        g = problem.grid
        for _ in range(8):
            i = rng.randrange(len(sessions))
            d, p = rng.randrange(g.days), rng.randrange(g.periods_per_day)
            room = rng.choice(problem.rooms).id
            check = check_move(problem, sessions, i, d, p, room)
            moved = list(sessions)
            moved[i] = Session(sessions[i].class_id, d, p, room)
            after = evaluate(problem, moved)
            assert check.ok == (after.hard_total <= before.hard_total), (check, after.hard)
            assert check.soft_total_delta == after.soft_total - before.soft_total
            assert {x.name: x.delta for x in check.soft_delta} == {
                pen.name: after.penalty(pen.name) - before.penalty(pen.name)
                for pen in before.penalties
            }
            moves += 1
            clean += check.ok
    assert moves == 800 and 0 < clean < moves  # both answers occur


def test_check_swap_agrees_with_the_evaluator() -> None:
    for rng, problem, sessions in _cases(seed=7, wanted=80):
        if len(sessions) < 2:
            continue
        before = evaluate(problem, sessions)
        i, j = rng.sample(range(len(sessions)), 2)
        check = check_swap(problem, sessions, i, j)
        a, b = sessions[i], sessions[j]
        swapped = list(sessions)
        swapped[i] = Session(a.class_id, b.day, b.period, b.room)
        swapped[j] = Session(b.class_id, a.day, a.period, a.room)
        after = evaluate(problem, swapped)
        assert check.ok == (after.hard_total <= before.hard_total)
        assert check.soft_total_delta == after.soft_total - before.soft_total


def test_move_options_lists_exactly_the_clean_places_with_their_soft_change() -> None:
    for rng, problem, sessions in _cases(seed=3, wanted=40):
        g = problem.grid
        i = rng.randrange(len(sessions))
        s = sessions[i]
        before = evaluate(problem, sessions)
        expected = {}
        for d in range(g.days):
            for p in range(g.periods_per_day):
                for room in problem.rooms:
                    if (d, p, room.id) == (s.day, s.period, s.room):
                        continue
                    moved = list(sessions)
                    moved[i] = Session(s.class_id, d, p, room.id)
                    after = evaluate(problem, moved)
                    if after.feasible:
                        expected[(d, p, room.id)] = after.soft_total - before.soft_total
        options = move_options(problem, sessions, i)
        assert {(o.day, o.period, o.room): o.soft_total_delta for o in options} == expected
        assert [o.soft_total_delta for o in options] == sorted(expected.values())
        assert move_options(problem, sessions, i, limit=2) == options[:2]


def test_teacher_wishes_are_counted_for_the_days_a_move_touches(monkeypatch) -> None:
    """faculty_gap, faculty_avoid and faculty_prefer as ``model.py`` defines them (they join
    the answers once the evaluator scores them)."""
    from timetabling.optimizer import move_rules

    names = (*move_rules.SOFT_NAMES, "faculty_gap", "faculty_avoid", "faculty_prefer")
    monkeypatch.setattr(move_rules, "SOFT_NAMES", tuple(dict.fromkeys(names)))
    teacher = Faculty(
        1, max_gaps_per_day=0, avoid=frozenset({(0, 0)}), prefer=frozenset({(1, 1), (1, 2)})
    )
    problem = make_problem(
        [cls(1, batches=(1,), faculty=1), cls(2, batches=(2,), faculty=1)],
        days=2,
        faculty=[teacher],
        weights=replace(ZERO, faculty_gap=1, faculty_avoid=2, faculty_prefer=1),
    )
    sessions = [Session(1, 1, 1, 1), Session(2, 1, 2, 1)]
    to_avoided = check_move(problem, sessions, 0, 0, 0, 1)
    assert {d.name: d.delta for d in to_avoided.soft_delta} == {
        "faculty_gap": 0,
        "faculty_avoid": 1,
        "faculty_prefer": 1,
    }
    leaves_a_gap = check_move(problem, sessions, 0, 1, 0, 1)
    assert {d.name: d.delta for d in leaves_a_gap.soft_delta} == {
        "faculty_gap": 1,
        "faculty_avoid": 0,
        "faculty_prefer": 1,
    }
    assert leaves_a_gap.soft_total_delta == 2
