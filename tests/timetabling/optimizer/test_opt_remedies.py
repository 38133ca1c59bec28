"""Remedies for an infeasible problem: each one proposed is a change that the pre-checks
and a short solve verified, worded from the verified timetable; nothing unverified is shown.
One test per kind of infeasibility an office meets (too few labs, a teacher over their
maximum, clashing fixed sessions, a shift too short, an over-subscribed elective), one
found by CP-SAT's core rather than by counting, and the refusal of an unverified change."""

from __future__ import annotations

from dataclasses import replace

from timetabling.optimizer import (
    Batch,
    Faculty,
    Pin,
    Result,
    Room,
    RoomKind,
    SolveOptions,
    Status,
    evaluate,
    solve,
)
from timetabling.optimizer.explain import diagnose
from timetabling.optimizer.remedies import propose

LAB = RoomKind.LAB
REMEDY = SolveOptions(time_limit_s=10, workers=1, remedy_budget_s=30)


def _remedies(problem):
    result = solve(problem, REMEDY)
    assert result.status == Status.INFEASIBLE
    return result


def _texts(result: Result) -> list[str]:
    return [r.text for r in result.remedies]


def _holds(problem, change) -> bool:
    """The remedy, applied by hand, really gives a timetable with no hard violation."""
    changed = change(problem)
    res = solve(changed, SolveOptions(time_limit_s=10, workers=1))
    return res.has_solution and evaluate(changed, res.sessions).hard_total == 0


def test_too_few_labs_adds_a_lab_room_sized_and_timed_by_the_verified_timetable(build, mk):
    classes = [mk(i, batches=(i,), kind=LAB, faculty=i) for i in (1, 2, 3)]
    p = build(classes, periods=2, rooms=[Room(1, RoomKind.LECTURE, 100), Room(2, LAB, 30)])
    result = _remedies(p)
    assert result.explanation == ("lab sessions need 3 room-periods, the 1 lab room offers 2",)
    assert result.remedies[0].kind == "room"
    assert result.remedies[0].text in (
        "add one lab room with 10 seats, free on MON P1",
        "add one lab room with 10 seats, free on MON P2",
    )
    assert _holds(p, lambda q: replace(q, rooms=(*q.rooms, Room(9, LAB, 10))))


def test_a_teacher_over_their_daily_maximum_may_teach_more_on_the_days_it_takes(build, mk):
    p = build(
        [mk(1, batches=(1,), faculty=7, n=3)],
        days=2, periods=3,
        faculty=[Faculty(7, max_periods_per_day=1)],
        names={"faculty": {7: "F014"}},
    )  # fmt: skip
    result = _remedies(p)
    assert "allows 2" in result.explanation[0]
    day = [r.text for r in result.remedies if r.kind == "teacher_day"]
    assert day in (
        ["allow faculty F014 to teach up to 2 periods on MON"],
        ["allow faculty F014 to teach up to 2 periods on TUE"],
    )


def test_clashing_fixed_sessions_move_one_of_them(build, mk):
    fixed = (Pin(0, 0, reason="fixed"),)
    p = build(
        [mk(1, batches=(1,), faculty=1, pins=fixed), mk(2, batches=(1,), faculty=2, pins=fixed)],
        periods=2,
        names={"classes": {1: "CS501 (CSE-5A)", 2: "CS502 (CSE-5A)"}},
    )  # fmt: skip
    texts = _texts(_remedies(p))
    assert sorted(texts) == [
        "move the fixed session CS501 (CSE-5A) from MON P1 to MON P2",
        "move the fixed session CS502 (CSE-5A) from MON P1 to MON P2",
    ]


def test_a_shift_too_short_is_lengthened_by_the_period_it_lacks(build, mk):
    evening = frozenset({(0, 0), (0, 1)})  # the shift runs P3-P4 of four
    p = build(
        [mk(1, batches=(1,), faculty=1, n=3)],
        periods=4,
        batches=[Batch(1, 10, unavailable=evening)],
        names={"shifts": {1: "EVENING"}},
    )  # fmt: skip
    texts = _texts(_remedies(p))
    assert "extend shift EVENING to P2-P4 (add P2)" in texts
    # P5 does not exist: no remedy offers it
    assert not any("P5" in t for t in texts)


def test_an_over_subscribed_elective_option_gets_a_room_for_its_students(build, mk):
    options = [
        mk(1, batches=(1, 2), faculty=1, kind=LAB, basket=5, size=48),
        mk(2, batches=(1, 2), faculty=2, kind=LAB, basket=5, size=12),
    ]
    p = build(
        options, periods=2,
        rooms=[Room(1, LAB, 40, features=frozenset({"pc"})), Room(2, LAB, 40)],
    )  # fmt: skip
    result = _remedies(p)
    assert any("48 students" in reason for reason in result.explanation)
    assert result.remedies[0].text in (
        "add one lab room with 48 seats, free on MON P1",
        "add one lab room with 48 seats, free on MON P2",
    )


def test_a_conflict_only_cp_sat_finds_gets_remedies_from_its_core(build, mk):
    # four periods over two days suit a 2-a-day teacher, but pins put three on Monday
    p = build(
        [mk(1, batches=(1,), faculty=7, n=2, pins=(Pin(0, 0), Pin(0, 1))),
         mk(2, batches=(2,), faculty=7, n=2, pins=(Pin(0, 2),))],
        days=2, periods=3,
        faculty=[Faculty(7, max_periods_per_day=2)],
        names={"faculty": {7: "F014"}, "classes": {1: "MA101 (A)", 2: "MA102 (B)"}},
    )  # fmt: skip
    assert diagnose(p).prechecks is False
    texts = _texts(_remedies(p))
    assert "allow faculty F014 to teach up to 3 periods on MON" in texts
    assert any(t.startswith("move the pinned session MA10") for t in texts)
    assert len(texts) <= 3


def test_a_change_the_short_solve_does_not_verify_is_not_shown(build, mk):
    classes = [mk(i, batches=(i,), kind=LAB, faculty=i) for i in (1, 2, 3)]
    p = build(classes, periods=2, rooms=[Room(2, LAB, 30)])
    diagnosis = diagnose(p)
    tried = []

    def never_solves(problem, options, cancel=None):
        tried.append(problem)
        return Result(Status.UNKNOWN)

    assert propose(p, diagnosis, REMEDY, never_solves, budget_s=30) == ()
    assert tried  # candidates passed the pre-checks and went to a solve, which said no


def test_no_remedies_unless_asked(build, mk):
    classes = [mk(i, batches=(i,), kind=LAB, faculty=i) for i in (1, 2, 3)]
    p = build(classes, periods=2, rooms=[Room(2, LAB, 30)])
    result = solve(p, SolveOptions(time_limit_s=5, workers=1))
    assert result.status == Status.INFEASIBLE and result.remedies == ()


def test_long_sessions_that_cannot_fit_around_breaks_are_counted_before_solving(build, mk):
    from timetabling.optimizer import TimeGrid
    from timetabling.optimizer.domain import prepare
    from timetabling.optimizer.explain import precheck

    # one lab room, a day of 5 periods with a break after P2, closed at P4: two-period labs
    # fit at P1-P2 only, so a second lab cannot be held though the room has the 4 free
    # periods the two labs take
    grid = TimeGrid(1, 5, breaks_after=frozenset({(0, 1)}))
    labs = [mk(i, batches=(i,), kind=LAB, faculty=i, periods_per_session=2) for i in (1, 2)]
    p = build(labs, grid=grid, rooms=[Room(1, LAB, 30, unavailable=frozenset({(0, 3)}))])
    assert precheck(prepare(p)) == [
        "2 lab sessions of 2 periods or more need a lab room each, but the 1 lab room holds at "
        "most 1 such sessions a week (a session never spans a break)"
    ]
    roomier = replace(p, rooms=(Room(1, LAB, 30),))  # without the closure both fit
    assert precheck(prepare(roomier)) == []


def test_two_independent_faults_get_one_remedy_that_mends_both(build, mk):
    # three labs for two lab periods, and a teacher allowed 1 period a week for 2
    labs = [mk(i, batches=(i,), kind=LAB, faculty=i) for i in (1, 2, 3)]
    lecture = mk(4, batches=(4,), faculty=7, n=2)
    p = build(
        [*labs, lecture], periods=2,
        rooms=[Room(1, RoomKind.LECTURE, 100), Room(2, LAB, 30)],
        faculty=[Faculty(1), Faculty(2), Faculty(3), Faculty(7, max_periods_per_week=1)],
        names={"faculty": {7: "F007"}},
    )  # fmt: skip
    result = _remedies(p)
    assert len(result.explanation) == 2
    assert [r.kind for r in result.remedies] == ["combined"]
    parts = sorted(result.remedies[0].text.split("; and "))
    assert parts[0].startswith("add one lab room with 10 seats, free on MON P")
    assert parts[1] == "allow faculty F007 to teach up to 2 periods a week"
