"""Large-neighbourhood search: the adaptive neighbourhood choice and the stall stops."""

from __future__ import annotations

import random
import time
from collections import Counter

from ortools.sat.python import cp_model

from timetabling.optimizer.clock import Clock
from timetabling.optimizer.domain import prepare
from timetabling.optimizer.lns import EXPLORE, Chooser, improve, nb_penalised, penalised_classes
from timetabling.optimizer.model import SolveOptions
from timetabling.optimizer.solver import (
    SearchWatch,
    TimeSolution,
    build_time_model,
    capture,
    make_solver,
    objective_of,
)


def test_chooser_tries_each_once_then_favours_what_gains():
    chooser = Chooser(["a", "b", "c"], random.Random(3))
    for name, gain in (("a", 0), ("b", 9), ("c", 0)):
        assert chooser.pick() == name
        chooser.record(name, gain, 1.0)
    picks = Counter(chooser.pick() for _ in range(3000))
    assert picks["b"] > 0.75 * 3000
    # the others are still drawn, each about EXPLORE / 3 of the time
    for name in "ac":
        assert abs(picks[name] / 3000 - EXPLORE / 3) < 0.03


def test_chooser_follows_a_neighbourhood_that_stops_paying():
    chooser = Chooser(["a", "b"], random.Random(1))
    chooser.record("a", 10, 1.0)
    chooser.record("b", 1, 1.0)
    assert chooser.pick() in "ab"
    for _ in range(10):  # "a" stops gaining, "b" keeps a small gain
        chooser.record("a", 0, 1.0)
        chooser.record("b", 1, 1.0)
    picks = Counter(chooser.pick() for _ in range(2000))
    assert picks["b"] > picks["a"]


def _time_model_with_first_solution(problem, workers: int, clock: Clock):
    tm = build_time_model(prepare(problem))
    tm.model.minimize(objective_of(tm.terms))
    solver = make_solver(SolveOptions(workers=workers), 60.0, clock=clock)
    solver.parameters.stop_after_first_solution = True
    assert SearchWatch(clock.start, None, None, clock=clock).run(solver, tm.model) in (
        cp_model.FEASIBLE,
        cp_model.OPTIMAL,
    )
    return tm, capture(solver, tm)


def test_improve_stops_once_it_has_stalled(medium):
    clock = Clock(1000.0, deterministic=True)  # one worker: the same rounds every run
    tm, first = _time_model_with_first_solution(medium(), 1, clock)
    gains: list[float] = []
    start = clock.now()
    best, cancelled = improve(
        tm,
        first,
        SolveOptions(workers=1, time_limit_s=1000.0),
        clock=clock,
        deadline=1000.0,
        rng=random.Random(0),
        on_improve=lambda obj: gains.append(clock.now()),
        sub_time=0.3,
        stall=1.0,
    )
    assert not cancelled and best.objective < first.objective
    end = clock.now()
    assert end < 200  # long before the deadline
    last = gains[-1] if gains else start
    assert 1.0 <= end - last < 1.0 + 0.3 + 0.1  # one more sub-solve at most after the stall


def test_search_watch_stops_a_search_that_stalls(medium):
    clock = Clock(60.0, deterministic=False)
    tm = build_time_model(prepare(medium(n_classes=80)))
    tm.model.minimize(objective_of(tm.terms))
    solver = make_solver(SolveOptions(workers=2), 60.0, clock=clock)
    watch = SearchWatch(clock.start, None, None, clock=clock, stall=0.5)
    t0 = time.monotonic()
    status = watch.run(solver, tm.model)
    # stopped by the watch, not by a proof of optimality or the 60 s limit
    assert status == cp_model.FEASIBLE
    assert time.monotonic() - t0 < 30
    assert time.monotonic() - watch.last >= 0.5


def test_penalised_classes_are_those_short_of_days_or_isolated(build, mk):
    # batch 0 on day 0: class 0 at periods 0 and 1 (adjacent), class 1 alone at period 3;
    # class 0 has both sessions on one day but needs two days; class 2 (batch 1) is fine
    p = build(
        [mk(0, batches=(0,), n=2, min_days=2), mk(1, batches=(0,)), mk(2, batches=(1,), n=2)],
        days=2,
        periods=4,
    )
    tm = build_time_model(prepare(p))
    values = [0] * len(tm.model.proto.variables)
    for key in ((0, 0, 0), (0, 0, 1), (1, 0, 3), (2, 1, 1), (2, 1, 2)):
        values[tm.x[key].index] = 1
    sol = TimeSolution(values, 0, {})
    assert penalised_classes(tm, sol) == [0, 1]
    free = nb_penalised(tm, sol, random.Random(0), 2)
    assert {ci for ci, _, _ in free} & {0, 1}
