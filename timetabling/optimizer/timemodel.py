"""The CP-SAT model of *when* sessions happen (rooms are chosen afterwards, see rooms.py).

One Boolean ``x[c, d, s]`` per class ``c`` and *allowed* start ``(d, s)`` says that one of the
class's interchangeable sessions starts there. Every hard rule that depends only on time is
posted on these variables; the rooms enter only through counting constraints (per period, no
more sessions needing ``>= k`` seats than free rooms with ``>= k`` seats), which are exactly
the conditions under which a room assignment exists for single-period sessions.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from .domain import Prepared, covered

Group = tuple[str, Hashable]
XKey = tuple[int, int, int]  # (class index, day, start)


@dataclass
class Term:
    """A named soft penalty: ``weight * count`` where ``count`` is a linear expression."""

    name: str
    weight: int
    count: cp_model.LinearExprT


@dataclass
class TimeModel:
    prep: Prepared
    model: cp_model.CpModel = field(default_factory=cp_model.CpModel)
    x: dict[XKey, cp_model.IntVar] = field(default_factory=dict)
    # (class index, day, period) -> the x variables whose session covers that cell
    cover: dict[tuple[int, int, int], list[cp_model.IntVar]] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    by_class_day: dict[tuple[int, int], list[cp_model.IntVar]] = field(default_factory=dict)
    guards: dict[Group, cp_model.IntVar] | None = None  # assumption literals (explain mode)
    batch_classes: dict[int, list[int]] = field(default_factory=dict)
    faculty_classes: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        seen: set[tuple[int, int]] = set()  # (batch, basket): a basket keeps a batch busy once
        for ci, c in enumerate(self.prep.problem.classes):
            for b in dict.fromkeys(c.batches):
                if c.basket is not None:
                    if (b, c.basket) in seen:
                        continue  # its options start together (add_basket_together)
                    seen.add((b, c.basket))
                self.batch_classes.setdefault(b, []).append(ci)
            if c.faculty is not None:
                self.faculty_classes.setdefault(c.faculty, []).append(ci)

    def guard(self, group: Group) -> list[cp_model.IntVar]:
        """Enforcement literal(s) for a group of constraints; none outside explain mode."""
        if self.guards is None:
            return []
        if group not in self.guards:
            self.guards[group] = self.model.new_bool_var(f"guard_{group[0]}_{group[1]}")
        return [self.guards[group]]

    def post(self, ct: cp_model.BoundedLinearExpression | bool, group: Group) -> None:
        # (``sum(vars) <= k`` is typed bool by ortools' stubs but is a linear constraint.)
        self.model.add(ct).only_enforce_if(self.guard(group))

    def add_term(self, name: str, weight: int, count: cp_model.LinearExprT) -> None:
        self.terms.append(Term(name, weight, count))

    # --- occupancy helpers -------------------------------------------------------------
    def batch_cell(self, batch: int, day: int, period: int) -> tuple[list[cp_model.IntVar], int]:
        """Variables that put ``batch`` in (day, period), and the fixed occupancy there."""
        vs: list[cp_model.IntVar] = []
        for ci in self.batch_classes.get(batch, ()):
            vs.extend(self.cover.get((ci, day, period), ()))
        return vs, self.prep.fixed.batch[(batch, day, period)]

    def faculty_cell(
        self, faculty: int, day: int, period: int
    ) -> tuple[list[cp_model.IntVar], int]:
        vs: list[cp_model.IntVar] = []
        for ci in self.faculty_classes.get(faculty, ()):
            vs.extend(self.cover.get((ci, day, period), ()))
        return vs, self.prep.fixed.faculty[(faculty, day, period)]

    def class_day_vars(self, ci: int, day: int) -> list[cp_model.IntVar]:
        return self.by_class_day.get((ci, day), [])

    def class_vars(self, ci: int) -> list[cp_model.IntVar]:
        return [v for d in range(self.prep.problem.grid.days) for v in self.class_day_vars(ci, d)]


def add_session_variables(tm: TimeModel) -> None:
    """Create ``x[c, d, s]`` for every allowed start and record which cells each covers."""
    problem = tm.prep.problem
    for ci, cls in enumerate(problem.classes):
        if cls.sessions_per_week <= 0:
            continue
        for d, s in tm.prep.starts[ci]:
            v = tm.model.new_bool_var(f"x_{ci}_{d}_{s}")
            tm.x[(ci, d, s)] = v
            for cell in covered(d, s, cls.periods_per_session):
                tm.cover.setdefault((ci, *cell), []).append(v)
            tm.by_class_day.setdefault((ci, d), []).append(v)
