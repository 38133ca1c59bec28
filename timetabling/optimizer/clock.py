"""A solve's time budget, counted in wall-clock seconds or in CP-SAT's deterministic time.

With several workers CP-SAT's search depends on how its threads interleave, so cutting
phases by the wall clock costs nothing in reproducibility. With one worker the search is
reproducible and only the clock is not: a phase that ends at 45 % of 60 s ends at another
point of the search on a busier machine. ``Clock(limit, deterministic=True)`` counts CP-SAT's
deterministic time instead (summed over every solve, converted to seconds at
``DET_PER_SECOND``) and stops each solve with ``max_deterministic_time``, so the same seed
gives the same timetable on any machine; only how long that takes varies. The Python steps
between solves are bounded by counts.

A wall-clock cap of ``WALL_CAP`` times the limit still stops every solve, so a slow machine
cannot run on for ever; a run that reaches it is no longer reproducible.
"""

from __future__ import annotations

import time

from ortools.sat.python import cp_model

WALL_CAP = 3.0
#: CP-SAT's deterministic time per wall-clock second of one worker: 0.18-0.33 on the ITC-2007
#: time models on a 2-core development machine (2 s and 8 s solves of comp01, 04, 07, 12).
DET_PER_SECOND = 0.25


class Clock:
    def __init__(self, limit: float, *, deterministic: bool) -> None:
        self.limit = limit
        self.deterministic = deterministic
        self.start = time.monotonic()
        self.work = 0.0  # deterministic time of the solves so far, in seconds

    def wall(self) -> float:
        """Wall-clock seconds since the solve started (what statistics report)."""
        return time.monotonic() - self.start

    def now(self) -> float:
        """How much of the budget is spent, in the budget's unit."""
        return self.work if self.deterministic else self.wall()

    def remaining(self) -> float:
        return 0.0 if self.expired() else self.limit - self.now()

    def expired(self) -> bool:
        """The wall-clock cap of a deterministic budget has been reached."""
        return self.deterministic and self.wall() >= WALL_CAP * self.limit

    def wall_deadline(self) -> float | None:
        """A monotonic deadline for Python heuristics, or None where they must not look at
        the wall clock (they stop on their own counts)."""
        return None if self.deterministic else self.start + self.limit

    def limit_solver(self, solver: cp_model.CpSolver, seconds: float) -> None:
        seconds = max(0.01, seconds)
        if self.deterministic:
            solver.parameters.max_deterministic_time = seconds * DET_PER_SECOND
            solver.parameters.max_time_in_seconds = max(0.01, WALL_CAP * self.limit - self.wall())
        else:
            solver.parameters.max_time_in_seconds = seconds

    def charge(self, solver: cp_model.CpSolver) -> None:
        """Count a finished solve's deterministic time against a deterministic budget."""
        if self.deterministic:
            self.work += solver.deterministic_time / DET_PER_SECOND
