"""The CP-SAT plumbing that solving and explaining share: the time model with its rules and
penalties, a solver limited by a :class:`Clock`, and the watch that stops a running search.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from ortools.sat.python import cp_model

from . import constraints as hard
from . import penalties as soft
from . import teacher_rules as teacher
from .clock import Clock
from .domain import Prepared
from .model import CancelToken, Progress, SolveOptions
from .timemodel import Term, TimeModel, add_session_variables

ProgressFn = Callable[[Progress], None]


def build_time_model(
    prep: Prepared, *, room_bound: bool = True, explain: bool = False
) -> TimeModel:
    """The time model with every hard rule and (unless explaining) every soft penalty."""
    tm = TimeModel(prep, guards={} if explain else None)
    add_session_variables(tm)
    hard.add_class_demand(tm)
    hard.add_no_class_overlap(tm)
    hard.add_no_batch_clash(tm)
    hard.add_no_faculty_clash(tm)
    hard.add_faculty_load(tm)
    hard.add_room_supply(tm)
    hard.add_room_feature_supply(tm)
    hard.add_pins(tm)
    hard.add_basket_together(tm)
    teacher.add_faculty_consecutive(tm)
    if explain:
        return tm
    soft.penalty_min_days(tm)
    soft.penalty_same_day(tm)
    soft.penalty_isolated(tm)
    soft.penalty_idle_gap(tm)
    soft.penalty_long_run(tm)
    soft.penalty_previous_distance(tm)
    teacher.penalty_faculty_gap(tm)
    teacher.penalty_faculty_avoid(tm)
    teacher.penalty_faculty_prefer(tm)
    if room_bound:
        soft.penalty_room_capacity_bound(tm)
    return tm


def objective_of(terms: list[Term]) -> cp_model.LinearExprT:
    return sum(t.weight * t.count for t in terms)


class SearchWatch:
    """Stops a running CP-SAT search on cancel, or once a soft deadline has passed with a
    solution in hand. Also the solution callback: progress and time to first solution."""

    def __init__(
        self,
        start: float,
        cancel: CancelToken | None,
        on_progress: ProgressFn | None,
        soft_deadline: float | None = None,
        report: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self.start = start
        self.clock = clock
        self.cancel = cancel
        self.on_progress = on_progress
        self.soft_deadline = soft_deadline
        self.report = report
        self.first: float | None = None
        self.found = False
        self.cancelled = False
        self.solver: cp_model.CpSolver | None = None
        self._done = threading.Event()

    def callback(self) -> cp_model.CpSolverSolutionCallback:
        watch = self

        class _CB(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                now = time.monotonic()
                if watch.first is None:
                    watch.first = now - watch.start
                watch.found = True
                if watch.report and watch.on_progress is not None:
                    watch.on_progress(
                        Progress(self.objective_value, self.best_objective_bound, now - watch.start)
                    )
                if watch.cancel is not None and watch.cancel.is_set():
                    watch.cancelled = True
                    self.stop_search()

        return _CB()

    def run(self, solver: cp_model.CpSolver, model: cp_model.CpModel) -> cp_model.CpSolverStatus:
        self.solver = solver
        self._done.clear()
        thread = threading.Thread(target=self._poll, daemon=True)
        thread.start()
        try:
            return solver.solve(model, self.callback())
        finally:
            self._done.set()
            thread.join()
            if self.clock is not None:
                self.clock.charge(solver)

    def _poll(self) -> None:
        while not self._done.wait(0.05):
            if self.cancel is not None and self.cancel.is_set():
                self.cancelled = True
                assert self.solver is not None
                self.solver.stop_search()
                return
            if (
                self.soft_deadline is not None
                and self.found
                and time.monotonic() >= self.soft_deadline
            ):
                assert self.solver is not None
                self.solver.stop_search()
                return


def make_solver(
    options: SolveOptions, time_limit: float, seed_offset: int = 0, clock: Clock | None = None
) -> cp_model.CpSolver:
    """A solver limited to ``time_limit`` of ``clock``'s unit (wall seconds without one)."""
    solver = cp_model.CpSolver()
    if clock is None:
        solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    else:
        clock.limit_solver(solver, time_limit)
    solver.parameters.num_workers = max(1, options.workers)
    solver.parameters.random_seed = options.seed + seed_offset
    return solver
