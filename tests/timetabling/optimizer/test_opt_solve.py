"""Behaviour of ``solve``: determinism, cancellation, progress, results."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time

from timetabling.optimizer import (
    Batch,
    ClassSpec,
    Faculty,
    Problem,
    Room,
    RoomKind,
    SolveOptions,
    Status,
    TimeGrid,
    Weights,
    evaluate,
    solve,
)


def medium(seed: int = 1, n_classes: int = 60) -> Problem:
    """A random department: enough choice that it does not solve to optimality at once."""
    rng = random.Random(seed)
    classes = []
    for i in range(n_classes):
        lab = i % 6 == 0
        classes.append(
            ClassSpec(
                id=i,
                kind=RoomKind.LAB if lab else RoomKind.LECTURE,
                faculty=rng.randrange(25),
                batches=tuple(sorted(rng.sample(range(20), rng.choice((1, 1, 2))))),
                sessions_per_week=1 if lab else rng.choice((2, 3, 4)),
                periods_per_session=2 if lab else 1,
                min_days=2,
            )
        )
    rooms = [Room(i, RoomKind.LECTURE, rng.choice((60, 120))) for i in range(7)]
    rooms += [Room(10 + i, RoomKind.LAB, 120) for i in range(2)]
    return Problem(
        grid=TimeGrid(5, 6, breaks_after=frozenset((d, 2) for d in range(5))),
        rooms=tuple(rooms),
        faculty=tuple(Faculty(f, max_periods_per_day=4) for f in range(25)),
        batches=tuple(Batch(b, rng.choice((30, 40, 50))) for b in range(20)),
        classes=tuple(classes),
        weights=Weights(),
    )


def test_medium_problem_is_solved_and_consistent():
    p = medium()
    res = solve(p, SolveOptions(time_limit_s=6, workers=2))
    assert res.has_solution
    ev = evaluate(p, res.sessions)
    assert ev.hard_total == 0, ev.hard
    assert res.objective == ev.soft_total
    assert {x.name: x.count for x in res.penalties} == {x.name: x.count for x in ev.penalties}
    assert res.best_bound is not None and res.best_bound <= res.objective
    assert res.stats.variables > 0 and res.stats.constraints > 0
    assert res.stats.time_to_first_feasible_s is not None
    assert res.stats.wall_time_s <= 6 + 2


def test_same_seed_one_worker_gives_same_result(build, mk):
    p = build(
        [mk(i, batches=(i % 3,), faculty=i % 4, n=2, min_days=2) for i in range(8)],
        days=3,
        periods=4,
        rooms=[Room(1, RoomKind.LECTURE, 50), Room(2, RoomKind.LECTURE, 50)],
        weights=Weights(),
    )
    opts = SolveOptions(time_limit_s=10, workers=1, seed=5)
    a = solve(p, opts)
    b = solve(p, opts)
    assert a.status == Status.OPTIMAL
    assert a.sessions == b.sessions and a.objective == b.objective


def test_same_seed_one_worker_gives_same_result_when_the_time_limit_cuts_the_search():
    """One worker is budgeted in CP-SAT's deterministic time: a busier machine changes how
    long each phase takes, not where it stops."""
    p = medium()
    opts = SolveOptions(time_limit_s=6, workers=1, seed=5)
    a = solve(p, opts)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        b = solve(p, opts)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert a.status == Status.FEASIBLE  # not proven optimal: the budget ended the search
    assert a.sessions == b.sessions and a.objective == b.objective
    assert a.stats.wall_time_s < 3 * 6


def test_cancel_before_start_returns_cancelled_at_once():
    ev = threading.Event()
    ev.set()
    t0 = time.monotonic()
    res = solve(medium(), SolveOptions(time_limit_s=30), cancel=ev)
    assert res.status == Status.CANCELLED
    assert time.monotonic() - t0 < 3


def test_cancel_during_search_stops_promptly():
    ev = threading.Event()
    threading.Timer(0.5, ev.set).start()
    t0 = time.monotonic()
    res = solve(medium(n_classes=80), SolveOptions(time_limit_s=60), cancel=ev)
    assert res.status == Status.CANCELLED
    assert time.monotonic() - t0 < 4


def test_progress_callback_reports_improving_solutions():
    seen = []
    solve(medium(), SolveOptions(time_limit_s=3, workers=2), on_progress=seen.append)
    assert seen
    # times first (each report improves), then rooms: the last report is the best so far
    assert seen[-1].objective <= seen[0].objective
    assert all(0 <= p.elapsed_s <= 5 and p.bound <= p.objective for p in seen)
    times = [p.elapsed_s for p in seen]
    assert times == sorted(times)


def test_empty_problem(build):
    res = solve(build([]), SolveOptions(time_limit_s=2))
    assert res.status == Status.OPTIMAL and res.sessions == ()
