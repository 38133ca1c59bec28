"""The solve's clock: wall seconds with several workers, deterministic time with one."""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

from timetabling.optimizer.clock import DET_PER_SECOND, WALL_CAP, Clock


def _tiny_model() -> cp_model.CpModel:
    m = cp_model.CpModel()
    xs = [m.new_int_var(0, 10, f"x{i}") for i in range(30)]
    m.add_all_different(xs[:11])
    m.maximize(sum(xs))
    return m


def test_wall_clock_limits_in_seconds_and_counts_the_wall():
    clock = Clock(5.0, deterministic=False)
    solver = cp_model.CpSolver()
    clock.limit_solver(solver, 2.0)
    assert solver.parameters.max_time_in_seconds == 2.0
    assert solver.parameters.max_deterministic_time > 1e9  # untouched
    time.sleep(0.02)
    assert clock.now() >= 0.02
    assert clock.wall_deadline() == clock.start + 5.0


def test_deterministic_clock_counts_only_the_solvers_work():
    clock = Clock(5.0, deterministic=True)
    solver = cp_model.CpSolver()
    clock.limit_solver(solver, 2.0)
    assert solver.parameters.max_deterministic_time == 2.0 * DET_PER_SECOND
    assert solver.parameters.max_time_in_seconds <= WALL_CAP * 5.0
    time.sleep(0.05)
    assert clock.now() == 0.0 and clock.remaining() == 5.0  # sleeping is not work
    assert clock.wall_deadline() is None
    solver.parameters.num_workers = 1
    solver.solve(_tiny_model())
    clock.charge(solver)
    assert clock.now() == solver.deterministic_time / DET_PER_SECOND > 0


def test_deterministic_clock_still_stops_at_the_wall_cap():
    clock = Clock(0.01, deterministic=True)
    time.sleep(WALL_CAP * 0.01 + 0.01)
    assert clock.expired() and clock.remaining() == 0.0
    assert not Clock(0.01, deterministic=False).expired()
