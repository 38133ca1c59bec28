"""The rows of "colleges as they are" as they will be after an import: stored rows read by
the service (``CollegeFacts``, rows of their kind's ``KindSpec.row``) overlaid by the
files' rows (``Effective``), and the baskets' options with the (batch, subject) pairs each
owns (``Baskets``). Pure: the rules in ``validation_colleges`` and ``validation_fixed``
read these.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from imports.kinds import SPECS
from imports.parsing import ParsedFile, Problems

#: The kinds whose stored rows ``check_colleges`` reads, and when it needs them (any of
#: these kinds in the import).
NEEDED: dict[str, frozenset[str]] = {
    "batches": frozenset(
        {"batches", "baskets", "basket_options", "enrollments", "fixed_sessions", "offerings"}
    ),
    "rooms": frozenset({"basket_options", "fixed_sessions"}),
    "subjects": frozenset({"basket_options", "fixed_sessions"}),
    "baskets": frozenset(
        {"baskets", "basket_options", "enrollments", "fixed_sessions", "offerings"}
    ),
    "basket_options": frozenset(
        {"baskets", "basket_options", "enrollments", "fixed_sessions", "offerings"}
    ),
    "offerings": frozenset({"baskets", "basket_options", "fixed_sessions"}),
    "enrollments": frozenset({"baskets", "basket_options", "enrollments", "fixed_sessions"}),
    "fixed_sessions": frozenset({"fixed_sessions"}),
}


@dataclass
class CollegeFacts:
    """Stored rows, per kind, as ``key -> row`` (rows of ``SPECS[kind].row``). Only the
    kinds ``NEEDED`` by the import are read; ``offerings`` holds only ordinary offerings
    (not those a basket option owns). ``student_batch``: the stored batch of each student
    the enrollments name."""

    rows: dict[str, dict[Any, Any]] = field(default_factory=dict)
    student_batch: dict[str, str] = field(default_factory=dict)
    #: the (day, period) pairs of the time grid after the import (set by ``validate``)
    grid: set[tuple[int, int]] = field(default_factory=set)


class Where(NamedTuple):
    """A row of a file: where to report a problem about it."""

    pf: ParsedFile
    at: int  # the row's position among the file's valid rows

    @property
    def line(self) -> int:
        return self.pf.lines[self.at]


class Effective:
    """One kind's rows as they will be after the import: stored rows, then the file's."""

    def __init__(self, kind: str, parsed: dict[str, ParsedFile], facts: CollegeFacts) -> None:
        spec = SPECS[kind]
        self.rows: dict[Any, Any] = dict(facts.rows.get(kind, {}))
        self.where: dict[Any, Where] = {}
        pf = parsed.get(kind)
        #: False when a row of the file is unknown (unreadable or invalid): then rules that
        #: need every row (is there any room that fits?) are not judged.
        self.complete = pf is None or (pf.readable and not pf.bad_rows)
        if pf is not None:
            for i, row in enumerate(pf.rows):
                key = spec.key_of(row)
                if key not in self.where:  # a duplicate key is reported elsewhere
                    self.rows[key] = row
                    self.where[key] = Where(pf, i)

    def __contains__(self, key: Any) -> bool:
        return key in self.rows

    def get(self, key: Any) -> Any:
        return self.rows.get(key)

    def values(self) -> Iterator[Any]:
        return iter(self.rows.values())

    def items(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.rows.items())


class Report:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def __call__(self, where: Where, column: str, message: str) -> None:
        self.problems.add(where.pf.name, where.line, column, message, where.pf.order)


def ancestors(code: str, batches: Effective) -> tuple[list[str], bool]:
    """The chain of parents above ``code`` and whether it comes back to ``code`` (a batch
    below a cycle is not in it: the cycle is reported on its own rows)."""
    chain: list[str] = []
    seen = {code}
    row = batches.get(code)
    while row is not None and row.parent is not None:
        chain.append(row.parent)
        if row.parent == code:
            return chain, True
        if row.parent in seen:
            return chain, False
        seen.add(row.parent)
        row = batches.get(row.parent)
    return chain, False


def room_kind(subject_kind: str) -> str:
    return "lab" if subject_kind == "lab" else "lecture"


class Option(NamedTuple):
    basket: str
    subject: str


class Baskets:
    """Baskets, options, offerings, rooms and enrollments as they will be after the import,
    and which (batch, subject) pairs each option owns."""

    def __init__(self, parsed: dict[str, ParsedFile], facts: CollegeFacts) -> None:
        self.parsed = parsed
        self.facts = facts
        self.batches = Effective("batches", parsed, facts)
        self.baskets = Effective("baskets", parsed, facts)
        self.options = Effective("basket_options", parsed, facts)
        self.offerings = Effective("offerings", parsed, facts)
        self.rooms = Effective("rooms", parsed, facts)
        self.subjects = Effective("subjects", parsed, facts)
        self.enrollments = Effective("enrollments", parsed, facts)
        students = parsed.get("students")
        self.student_batch = dict(facts.student_batch)
        if students is not None:
            self.student_batch.update((row.roll_number, row.batch) for row in students.rows)
        # (batch, subject) -> the option owning it, first come (the later ones clash)
        self.owned: dict[tuple[str, str], Option] = {}
        self.clashes: list[tuple[Option, str, Option]] = []
        for key, row in self.options.items():
            option = Option(*key)
            basket = self.baskets.get(row.basket)
            for batch in basket.batches if basket is not None else ():
                other = self.owned.setdefault((batch, row.subject), option)
                if other != option:
                    self.clashes.append((option, batch, other))
        self.enrolled: dict[Option, int] = defaultdict(int)
        for row in self.enrollments.values():
            self.enrolled[Option(row.basket, row.subject)] += 1
        self.baskets_with_enrollments = {option.basket for option in self.enrolled}

    def where_option(self, option: Option) -> Where | None:
        """The file row an option's problem is reported on: its own, else its basket's."""
        return self.options.where.get(option) or self.baskets.where.get(option.basket)

    def describe_option(self, option: Option) -> str:
        where = self.options.where.get(option)
        at = f"{where.pf.name} row {where.line}" if where else "stored"
        return f"option {option.subject} of basket {option.basket} ({at})"

    def is_subgroup_of_any(self, batch: str, targets: tuple[str, ...]) -> bool:
        if batch in targets:
            return True
        chain, _ = ancestors(batch, self.batches)
        return any(b in targets for b in chain)
