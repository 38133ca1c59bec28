"""A teacher's rules: the hard limit on periods in a row (CP-SAT, annealer, evaluator and
explanation agree) and the soft penalties for idle, avoided and non-preferred periods,
with the per-teacher report of the evaluator."""

from __future__ import annotations

import random
from dataclasses import fields, replace

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
    anneal,
    evaluate,
    solve,
)
from timetabling.optimizer.domain import prepare
from timetabling.optimizer.evaluate import TeacherPenalties
from timetabling.optimizer.explain import explain

# pytest puts this folder on the path (it has no __init__): share the random instances
from test_opt_penalty_agreement import random_problem, random_timetable  # isort: skip

ZERO = Weights(*([0] * len(fields(Weights))))

FAST = SolveOptions(time_limit_s=10, workers=1)
PULL = replace(ZERO, previous_distance=10)
ROOMS = [Room(1, RoomKind.LECTURE, 100), Room(2, RoomKind.LECTURE, 100)]


def _periods(res, faculty_classes):
    return sorted(s.period for s in res.sessions if s.class_id in faculty_classes)


# --- max_consecutive (hard) -------------------------------------------------------------


def test_teacher_never_teaches_more_periods_in_a_row_than_allowed(build, mk):
    # the previous timetable pulls three classes of one teacher onto periods 0, 1, 2
    p = build(
        [mk(c, faculty=3, batches=(c,)) for c in (1, 2, 3)],
        periods=5,
        faculty=[Faculty(3, max_consecutive=2)],
        weights=PULL,
        previous=tuple(Session(c, 0, c - 1, 1) for c in (1, 2, 3)),
    )
    res = solve(p, FAST)
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE)
    ev = evaluate(p, res.sessions)
    assert ev.hard_total == 0
    periods = _periods(res, {1, 2, 3})
    assert periods != [0, 1, 2] and not any(
        periods[i + 2] == periods[i] + 2 for i in range(len(periods) - 2)
    )
    # the pulled timetable itself breaks the rule once (one window of three)
    assert evaluate(p, p.previous).hard["faculty_consecutive"] == 1


def test_fixed_sessions_count_in_a_run(build, mk):
    # a fixed 2-period session of the teacher at periods 0-1: period 2 would make 3 in a row
    p = build(
        [mk(1, faculty=3, batches=(1,))],
        periods=4,
        faculty=[Faculty(3, max_consecutive=2)],
        fixed=(FixedSession(0, 0, 2, 3, None),),
        weights=PULL,
        previous=(Session(1, 0, 2, 1),),
    )
    res = solve(p, FAST)
    assert [s.period for s in res.sessions] == [3]
    assert evaluate(p, [Session(1, 0, 2, 1)]).hard["faculty_consecutive"] == 1


def test_a_break_in_the_grid_ends_a_run(build, mk):
    # four periods with a break after the second: 2 + 2 taught periods are allowed
    p = build(
        [mk(c, faculty=3, batches=(c,)) for c in (1, 2, 3, 4)],
        grid=TimeGrid(1, 4, breaks_after=frozenset({(0, 1)})),
        faculty=[Faculty(3, max_consecutive=2)],
        rooms=ROOMS,
    )
    res = solve(p, FAST)
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE)
    assert evaluate(p, res.sessions).hard_total == 0
    without_break = replace(p, grid=TimeGrid(1, 4))
    assert evaluate(without_break, res.sessions).hard["faculty_consecutive"] == 2
    assert solve(without_break, FAST).status == Status.INFEASIBLE


def test_annealer_counts_runs_like_the_evaluator_and_repairs_them():
    rng = random.Random(5)
    checked = 0
    while checked < 30:
        base = random_problem(rng)
        limit = rng.randint(0, 2)
        problem = replace(
            base, faculty=tuple(replace(f, max_consecutive=limit) for f in base.faculty)
        )
        placed = random_timetable(problem, rng)
        if placed is None:
            continue
        chain = anneal.Chain(anneal.build_arrays(prepare(problem)), placed, 1, 20)
        sessions = [
            Session(problem.classes[c].id, d, p, problem.rooms[r].id) for c, d, p, r in placed
        ]
        ev = evaluate(problem, sessions)
        assert chain.score.hard == ev.hard_total
        chain.run(2000, 2.0, 0.1, anneal.P_SWAP, anneal.P_ROOM, anneal.P_KEMPE)
        moved = [
            Session(
                problem.classes[int(c)].id,
                int(t) // problem.grid.periods_per_day,
                int(t) % problem.grid.periods_per_day,
                problem.rooms[int(r)].id,
            )
            for c, t, r in zip(chain.static.sess_class, chain.st, chain.rm, strict=True)
        ]
        assert chain.score.hard == evaluate(problem, moved).hard_total
        checked += 1


def test_a_session_longer_than_the_teacher_may_teach_in_a_row_is_explained(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,), kind=RoomKind.LAB, periods_per_session=3)],
        periods=4,
        faculty=[Faculty(3, max_consecutive=2)],
        names={"faculty": {3: "CSE1005"}, "classes": {1: "CS301 lab / CSE-3A"}},
    )
    res = solve(p, FAST)
    assert res.status == Status.INFEASIBLE
    assert res.explanation == (
        "faculty CSE1005 teaches at most 2 periods in a row, but class CS301 lab / CSE-3A "
        "has sessions of 3 periods",
    )


def test_a_full_day_beyond_the_limit_names_the_rule(build, mk):
    # three one-period classes in a three-period day: no counting check fails, CP-SAT's
    # core names the teacher's limit
    p = build(
        [mk(c, faculty=3, batches=(c,)) for c in (1, 2, 3)],
        periods=3,
        faculty=[Faculty(3, max_consecutive=2)],
        rooms=ROOMS,
        names={"faculty": {3: "CSE1005"}},
    )
    reasons = explain(p)
    assert "faculty CSE1005 teaches at most 2 periods in a row" in reasons


# --- soft teacher penalties ---------------------------------------------------------------


def test_avoided_period_is_left_free(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,))],
        periods=2,
        faculty=[Faculty(3, avoid=frozenset({(0, 0)}))],
        weights=replace(ZERO, faculty_avoid=2, previous_distance=1),
        previous=(Session(1, 0, 0, 1),),
    )
    res = solve(p, FAST)
    assert [s.period for s in res.sessions] == [1]
    ev = evaluate(p, [Session(1, 0, 0, 1)])
    assert ev.penalty("faculty_avoid") == 1
    assert ev.teachers == (TeacherPenalties(3, avoid=1),)


def test_teacher_teaches_in_preferred_periods(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,), n=2)],
        days=2,
        periods=3,
        faculty=[Faculty(3, prefer=frozenset({(0, 2), (1, 2)}))],
        weights=replace(ZERO, faculty_prefer=1),
    )
    res = solve(p, FAST)
    assert {(s.day, s.period) for s in res.sessions} == {(0, 2), (1, 2)}
    ev = evaluate(p, [Session(1, 0, 0, 1), Session(1, 1, 2, 1)])
    assert ev.penalty("faculty_prefer") == 1
    # a teacher without preferred periods is never counted
    free = replace(p, faculty=(Faculty(3),))
    assert evaluate(free, [Session(1, 0, 0, 1), Session(1, 1, 0, 1)]).penalty("faculty_prefer") == 0


def test_idle_periods_beyond_the_teachers_allowance(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,)), mk(2, faculty=3, batches=(2,))],
        periods=5,
        faculty=[Faculty(3, max_gaps_per_day=1)],
        weights=replace(ZERO, faculty_gap=5, previous_distance=1),
        previous=(Session(1, 0, 0, 1), Session(2, 0, 4, 1)),
    )
    ev = evaluate(p, p.previous)  # idle 1, 2, 3: two beyond the one allowed
    assert ev.penalty("faculty_gap") == 2
    assert ev.teachers == (TeacherPenalties(3, gap=2),)
    res = solve(p, FAST)
    periods = sorted(s.period for s in res.sessions)
    assert periods[1] - periods[0] <= 2  # at most one idle period between them
    assert evaluate(p, res.sessions).penalty("faculty_gap") == 0


def test_per_teacher_report_lists_worst_first(build, mk):
    p = build(
        [mk(1, faculty=3, batches=(1,), n=2), mk(2, faculty=4, batches=(2,))],
        days=1,
        periods=4,
        faculty=[
            Faculty(3, avoid=frozenset({(0, 0), (0, 1)})),
            Faculty(4, prefer=frozenset({(0, 3)})),
        ],
        rooms=ROOMS,
        weights=Weights(),
    )
    sessions = [Session(1, 0, 0, 1), Session(1, 0, 1, 1), Session(2, 0, 0, 2)]
    ev = evaluate(p, sessions)
    assert ev.teachers == (TeacherPenalties(3, avoid=2), TeacherPenalties(4, prefer=1))
    assert ev.penalty("faculty_avoid") == 2 and ev.penalty("faculty_prefer") == 1


def test_fixed_sessions_alone_beyond_the_limit_are_not_the_timetables_fault(build, mk):
    # the teacher's published 2-period session already exceeds their new limit of 1
    p = build(
        [mk(1, faculty=3, batches=(1,))],
        periods=4,
        faculty=[Faculty(3, max_consecutive=1)],
        fixed=(FixedSession(0, 0, 2, 3, None),),
        weights=PULL,
        previous=(Session(1, 0, 2, 1),),
    )
    res = solve(p, FAST)
    assert [s.period for s in res.sessions] == [3]  # period 2 would extend the run
    assert evaluate(p, res.sessions).hard_total == 0
    assert evaluate(p, [Session(1, 0, 2, 1)]).hard["faculty_consecutive"] == 1
    chain = anneal.Chain(anneal.build_arrays(prepare(p)), [(0, 0, 3, 0)], 1, 20)
    assert chain.score.hard == 0
    chain = anneal.Chain(anneal.build_arrays(prepare(p)), [(0, 0, 2, 0)], 1, 20)
    assert chain.score.hard == 1
