"""A teacher's own rules on the time model: the hard limit on periods in a row and the soft
penalties for idle periods, avoided periods and periods outside the preferred ones.

The definitions, shared with the evaluator (:func:`teacher_day`) and the annealer's kernel:

- ``faculty_consecutive`` (hard, ``Faculty.max_consecutive`` = m): every window of m + 1
  consecutive periods of one day (a break in the grid ends a run) in which the teacher
  teaches throughout is one violation. Fixed sessions count as teaching, but a window of
  fixed sessions alone is not counted (no timetable could change it).
- ``faculty_gap`` (``Faculty.max_gaps_per_day`` = g; None: not counted): per teacher and
  day, the existing periods between their first and last teaching period in which they do
  not teach, beyond g.
- ``faculty_avoid``: per teaching period that is one of the teacher's ``avoid`` periods.
- ``faculty_prefer``: for a teacher with a non-empty ``prefer`` set, per teaching period
  outside it.

Only teachers of at least one class of the problem are counted; a period counts once
however many sessions the teacher has in it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ortools.sat.python import cp_model

from .model import Faculty, Problem, Slot, TimeGrid
from .timemodel import TimeModel


@dataclass(frozen=True)
class TeacherDay:
    """What one teacher's day costs under the rules above (counts, not weighted)."""

    consecutive: int = 0  # hard: windows of max_consecutive + 1 periods taught in a row
    gap: int = 0
    avoid: int = 0
    prefer: int = 0


def teacher_day(
    grid: TimeGrid, fac: Faculty, day: int, busy: set[int], fixed: set[int] | None = None
) -> TeacherDay:
    """Counts of one teacher's day, given the periods they teach in (``busy``, fixed ones
    included) and those of them taught in fixed sessions (``fixed``)."""
    if not busy:
        return TeacherDay()
    fixed = fixed or set()
    consecutive = 0
    if fac.max_consecutive is not None:
        run = 0
        fixed_run = 0  # a window of fixed sessions alone is the data's, not the timetable's
        for p in range(grid.periods_per_day):
            if p not in busy:
                run = fixed_run = 0
                continue
            follows = grid.consecutive(day, p - 1) if p > 0 else False
            run = run + 1 if run > 0 and follows else 1
            fixed_run = (fixed_run + 1 if fixed_run > 0 and follows else 1) if p in fixed else 0
            consecutive += run > fac.max_consecutive and fixed_run <= fac.max_consecutive
    gap = 0
    if fac.max_gaps_per_day is not None:
        idle = sum(
            1 for p in range(min(busy) + 1, max(busy)) if grid.exists(day, p) and p not in busy
        )
        gap = max(0, idle - fac.max_gaps_per_day)
    avoid = sum(1 for p in busy if (day, p) in fac.avoid)
    prefer = sum(1 for p in busy if (day, p) not in fac.prefer) if fac.prefer else 0
    return TeacherDay(consecutive, gap, avoid, prefer)


def scoped_teachers(problem: Problem) -> list[Faculty]:
    """The faculty members who teach at least one class of the problem."""
    teaching = {c.faculty for c in problem.classes if c.faculty is not None}
    return [f for f in problem.faculty if f.id in teaching]


# --- CP-SAT ---------------------------------------------------------------------------


def _busy(tm: TimeModel, f: int, d: int, p: int) -> tuple[list[cp_model.IntVar], int]:
    """The variables that make ``f`` teach at (d, p), and 1 when a fixed session does."""
    vs, fixed = tm.faculty_cell(f, d, p)
    return vs, min(fixed, 1)


def add_faculty_consecutive(tm: TimeModel) -> None:
    """A teacher never teaches more than ``max_consecutive`` periods in a row: every window
    of ``max_consecutive + 1`` consecutive periods has a free one (fixed sessions count)."""
    g = tm.prep.problem.grid
    for fac in scoped_teachers(tm.prep.problem):
        m = fac.max_consecutive
        if m is None:
            continue
        for d, p in tm.prep.slots:
            window = [p]
            while len(window) < m + 1 and g.consecutive(d, window[-1]):
                window.append(window[-1] + 1)
            if len(window) < m + 1:
                continue
            cells = [_busy(tm, fac.id, d, q) for q in window]
            if not any(vs for vs, _ in cells):
                continue  # fixed sessions only: not the solver's to change
            fixed = sum(fx for _, fx in cells)
            tm.post(
                sum(v for vs, _ in cells for v in vs) <= m - fixed,
                ("consecutive", fac.id),
            )


def _per_period(
    tm: TimeModel, name: str, weight: int, counted: Callable[[Faculty], set[Slot]]
) -> None:
    """A term counting each period a teacher teaches in one of ``counted(teacher)``."""
    counts: list[cp_model.LinearExprT] = []
    for fac in scoped_teachers(tm.prep.problem):
        cells = counted(fac)
        for d, p in tm.prep.slots:
            if (d, p) not in cells:
                continue
            vs, fixed = _busy(tm, fac.id, d, p)
            counts.append(fixed if fixed else cp_model.LinearExpr.sum(vs))
    tm.add_term(name, weight, sum(counts))


def penalty_faculty_avoid(tm: TimeModel) -> None:
    """Periods a teacher teaches in one of their ``avoid`` periods."""
    w = tm.prep.problem.weights.faculty_avoid
    if w:
        _per_period(tm, "faculty_avoid", w, lambda f: set(f.avoid))


def penalty_faculty_prefer(tm: TimeModel) -> None:
    """Periods a teacher with preferred periods teaches outside them."""
    w = tm.prep.problem.weights.faculty_prefer
    if not w:
        return
    slots = set(tm.prep.slots)
    _per_period(tm, "faculty_prefer", w, lambda f: slots - f.prefer if f.prefer else set())


def penalty_faculty_gap(tm: TimeModel) -> None:
    """Idle periods of a teacher's day beyond ``max_gaps_per_day``."""
    problem = tm.prep.problem
    w = problem.weights.faculty_gap
    if not w:
        return
    g = problem.grid
    counts: list[cp_model.LinearExprT] = []
    for fac in scoped_teachers(problem):
        limit = fac.max_gaps_per_day
        if limit is None:
            continue
        for d in range(g.days):
            cells = [p for p in range(g.periods_per_day) if g.exists(d, p)]
            occ = [_busy(tm, fac.id, d, p) for p in cells]
            if not any(vs for vs, _ in occ):
                busy = [i for i, (_, fx) in enumerate(occ) if fx]
                if busy:  # fixed sessions only: a constant
                    idle = sum(1 for i in range(busy[0], busy[-1]) if not occ[i][1])
                    counts.append(max(0, idle - limit))
                continue
            n = len(cells)
            m = tm.model
            before = [m.new_bool_var(f"fbef_{fac.id}_{d}_{i}") for i in range(n)]
            after = [m.new_bool_var(f"faft_{fac.id}_{d}_{i}") for i in range(n)]
            idles: list[cp_model.IntVar] = []
            for i in range(n):
                if i > 0:
                    vs, fixed = occ[i - 1]
                    m.add(before[i] >= before[i - 1])
                    m.add(before[i] >= sum(vs) + fixed)
                else:
                    m.add(before[i] == 0)
                if i < n - 1:
                    vs, fixed = occ[i + 1]
                    m.add(after[i] >= after[i + 1])
                    m.add(after[i] >= sum(vs) + fixed)
                else:
                    m.add(after[i] == 0)
                vs, fixed = occ[i]
                if fixed:
                    continue
                idle_here = m.new_bool_var(f"fidle_{fac.id}_{d}_{i}")
                m.add(idle_here >= before[i] + after[i] - sum(vs) - 1)
                idles.append(idle_here)
            if len(idles) <= limit:
                continue
            excess = m.new_int_var(0, len(idles) - limit, f"fgap_{fac.id}_{d}")
            m.add(excess >= sum(idles) - limit)
            counts.append(excess)
    tm.add_term("faculty_gap", w, sum(counts))
