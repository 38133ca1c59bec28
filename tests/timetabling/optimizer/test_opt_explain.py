"""Infeasibility is explained in domain words, with display names when given."""

from __future__ import annotations

from timetabling.optimizer import Faculty, Room, RoomKind, SolveOptions, Status, solve
from timetabling.optimizer.explain import explain

OPTS = SolveOptions(time_limit_s=10, workers=1)


def test_faculty_overloaded_uses_display_name(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,), n=3), mk(2, faculty=3, batches=(2,), n=2)],
        periods=4,
        faculty=[Faculty(3, unavailable=frozenset({(0, 0)}))],
        rooms=[Room(1, RoomKind.LECTURE, 50), Room(2, RoomKind.LECTURE, 50)],
        names={"faculty": {3: "CSE1005"}},
    )
    res = solve(p, OPTS)
    assert res.status == Status.INFEASIBLE
    assert res.explanation == ("faculty CSE1005 must teach 5 periods but is available for 3",)


def test_batch_needs_more_periods_than_the_week(build, mk):
    p = build(
        [mk(1, batches=(4,), n=3), mk(2, batches=(4,), n=2)],
        periods=4,
        rooms=[Room(1, RoomKind.LECTURE, 50), Room(2, RoomKind.LECTURE, 50)],
        names={"batches": {4: "ECE-3A"}},
    )
    assert solve(p, OPTS).explanation == ("batch ECE-3A needs 5 periods, the week has 4",)


def test_no_lab_big_enough(build, mk):
    p = build(
        [mk(1, batches=(1,), kind=RoomKind.LAB, size=124)],
        rooms=[Room(1, RoomKind.LECTURE, 200), Room(2, RoomKind.LAB, 60)],
        names={"classes": {1: "ECE3L1"}},
    )
    (line,) = solve(p, OPTS).explanation
    assert line.startswith("no lab room holds 124 students for class ECE3L1")


def test_week_max_below_load_falls_back_to_numbers(build, mk):
    p = build([mk(1, faculty=3, batches=(1,), n=3)], faculty=[Faculty(3, max_periods_per_week=2)])
    assert explain(p) == ["faculty #3 must teach 3 periods but may teach at most 2 more per week"]


def test_conflict_found_by_cp_sat_names_the_groups(build, mk):
    # three classes pairwise sharing a batch need three periods; the day has two.
    # Every counting check passes, so the core comes from CP-SAT assumptions.
    p = build(
        [
            mk(1, batches=(1, 2)),
            mk(2, batches=(2, 3)),
            mk(3, batches=(1, 3)),
            mk(4, batches=(9,), n=2),
        ],
        periods=2,
        rooms=[
            Room(1, RoomKind.LECTURE, 50),
            Room(2, RoomKind.LECTURE, 50),
            Room(3, RoomKind.LECTURE, 50),
        ],
        names={"batches": {1: "A", 2: "B", 3: "C"}},
    )
    res = solve(p, OPTS)
    assert res.status == Status.INFEASIBLE
    text = " | ".join(res.explanation)
    assert "one session at a time" in text
    assert "batch #9" not in text and "class #4" not in text  # not part of the conflict
    assert len(res.explanation) <= 6


def test_feasible_problem_has_no_explanation(build, mk):
    p = build([mk(1, batches=(1,))])
    assert explain(p) == []
