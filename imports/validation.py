"""Rules across rows, files and the stored data: pure functions, no database access.

The service reads what the database holds (``Stored``, in code space: codes rather than
ids) with one query per table, then these functions check keys, references and the
cross-row rules of the parsed files and say, per kind, which rows to create or update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from imports.cells import DAYS, DEFERRED, show
from imports.effective import CollegeFacts
from imports.kinds import SPECS, KindSpec
from imports.parsing import ParsedFile, Problems
from imports.validation_colleges import check_colleges

DEFAULT_DAYS = 5  # the week assumed when there is no time grid yet

#: Kinds whose rows name a (day, period) that must be in the time grid.
GRID_KINDS = (
    "room_unavailability",
    "faculty_unavailability",
    "faculty_preferences",
    "fixed_sessions",
)


class GroupMember(NamedTuple):
    """A stored offering of a combined class (a group)."""

    batch: str
    subject: str
    faculty: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.batch, self.subject)


@dataclass
class Stored:
    """What the database already holds, in code space.

    ``pks`` and ``values``: per kind being imported, the stored rows whose key is in the
    import, as ``key -> primary key`` and ``key -> values`` (a plain tuple in column order,
    equal to the named row the file gives when nothing changed). Plain tuples and two dicts
    rather than a named pair per row: 100,000 tracked named tuples tripled the time the
    garbage collector spent on a large ``--update``. ``keys``: per kind that others refer
    to, every stored key.
    ``grid``: the stored ``(day, period)`` pairs. ``groups``: stored offerings of the
    groups named in the import, as ``group -> [GroupMember]``.
    """

    pks: dict[str, dict[Any, int]] = field(default_factory=dict)
    values: dict[str, dict[Any, tuple[Any, ...]]] = field(default_factory=dict)
    keys: dict[str, set[Any]] = field(default_factory=dict)
    grid: set[tuple[int, int]] = field(default_factory=set)
    groups: dict[str, list[GroupMember]] = field(default_factory=dict)
    colleges: CollegeFacts = field(default_factory=CollegeFacts)


@dataclass
class KindPlan:
    """What to write for one kind: row indexes to create, (row index, pk) to update."""

    kind: str
    rows: int = 0
    create: list[int] = field(default_factory=list)
    update: list[tuple[int, int]] = field(default_factory=list)
    unchanged: int = 0


def _reporter(problems: Problems, pf: ParsedFile) -> Callable[[int, str, str], None]:
    def report(index: int, column: str, message: str) -> None:
        problems.add(pf.name, pf.lines[index], column, message, pf.order)

    return report


#: How each caller turns updates on, for the message about a key that already exists.
UPDATE_HINT = "import with --update"


def validate(
    parsed: dict[str, ParsedFile],
    stored: Stored,
    *,
    update: bool,
    problems: Problems,
    update_hint: str = UPDATE_HINT,
) -> dict[str, KindPlan]:
    """Check everything that needs more than one cell; return the write plan per kind.

    ``update_hint`` says how the caller turns updates on (the command's ``--update``, the
    API's ``update`` field)."""
    grid = set(stored.grid)
    if "timeslots" in parsed:
        grid.update((row.day, row.period) for row in parsed["timeslots"].rows)
    days = len({d for d, _ in grid}) or DEFAULT_DAYS

    if "timeslots" in parsed:
        check_timeslot_order(parsed["timeslots"], problems)
    if "faculty" in parsed:
        check_faculty_hours(parsed["faculty"], problems)
    if "subjects" in parsed:
        resolve_subject_defaults(parsed["subjects"], days=days, problems=problems)
    if "baskets" in parsed:
        resolve_subject_defaults(parsed["baskets"], days=days, problems=problems)
    for kind in GRID_KINDS:
        if kind in parsed and grid:
            check_in_grid(parsed[kind], grid, problems)

    known: dict[str, set[Any] | None] = {}
    for kind, keys in stored.keys.items():
        pf = parsed.get(kind)
        if pf is not None and not pf.readable:
            known[kind] = None  # its file could not be read: references cannot be judged
            continue
        merged = set(keys)
        if pf is not None:
            merged.update(map(SPECS[kind].key_of, pf.rows))
            merged.update(pf.failed_keys)
        known[kind] = merged

    plans: dict[str, KindPlan] = {}
    for kind, pf in parsed.items():
        spec = SPECS[kind]
        plans[kind] = plan_keys(
            spec,
            pf,
            stored.pks.get(kind, {}),
            stored.values.get(kind, {}),
            update=update,
            problems=problems,
            update_hint=update_hint,
        )
        check_references(spec, pf, known, problems)
    if "offerings" in parsed:
        check_groups(parsed["offerings"], stored.groups, problems)
    stored.colleges.grid = grid
    check_colleges(parsed, stored.colleges, problems)
    return plans


def check_timeslot_order(pf: ParsedFile, problems: Problems) -> None:
    report = _reporter(problems, pf)
    for i, row in enumerate(pf.rows):
        if row.end <= row.start:
            report(i, "end", f"must be later than start ({row.start:%H:%M}), not {row.end:%H:%M}")


def check_faculty_hours(pf: ParsedFile, problems: Problems) -> None:
    report = _reporter(problems, pf)
    for i, row in enumerate(pf.rows):
        if row.max_hours_per_day > row.max_hours_per_week:
            report(
                i,
                "max_hours_per_day",
                "must not exceed max_hours_per_week "
                f"({row.max_hours_per_day} > {row.max_hours_per_week})",
            )


def resolve_subject_defaults(pf: ParsedFile, *, days: int, problems: Problems) -> None:
    """Fill ``periods_per_session`` (1 theory, 2 lab) and ``min_days`` (sessions per week,
    at most the days of the time grid) where the file left them out; check
    ``min_days <= sessions_per_week``. Baskets follow the same rules (their
    ``periods_per_session`` defaults to 1 when parsed)."""
    report = _reporter(problems, pf)
    rows = pf.rows
    for i, row in enumerate(rows):
        if row.periods_per_session is DEFERRED:  # subjects only
            row = row._replace(periods_per_session=2 if row.kind == "lab" else 1)
        if row.min_days is DEFERRED:
            row = row._replace(min_days=min(row.sessions_per_week, days))
        rows[i] = row
        if row.min_days > row.sessions_per_week:
            report(
                i,
                "min_days",
                f"must not exceed sessions_per_week ({row.min_days} > {row.sessions_per_week})",
            )


def check_in_grid(pf: ParsedFile, grid: set[tuple[int, int]], problems: Problems) -> None:
    report = _reporter(problems, pf)
    for i, row in enumerate(pf.rows):
        if (row.day, row.period) not in grid:
            report(i, "period", f"{DAYS[row.day]} period {row.period} is not in the time grid")


def plan_keys(
    spec: KindSpec,
    pf: ParsedFile,
    stored_pks: dict[Any, int],
    stored_values: dict[Any, tuple[Any, ...]],
    *,
    update: bool,
    problems: Problems,
    update_hint: str = UPDATE_HINT,
) -> KindPlan:
    """Duplicates inside the file; existing keys (an error without ``update``); and for
    existing keys whether anything changed."""
    report = _reporter(problems, pf)
    get = spec.key_of
    label = spec.key_label
    plan = KindPlan(spec.kind, rows=len(pf.rows))
    first: dict[Any, int] = {}
    lines = pf.lines
    for i, row in enumerate(pf.rows):
        key = get(row)
        seen = first.setdefault(key, i)
        if seen != i:
            report(i, label, f"duplicate {spec.format_key(key)} (first on row {lines[seen]})")
            continue
        pk = stored_pks.get(key)
        if pk is None:
            plan.create.append(i)
        elif not update:
            report(
                i,
                label,
                f"{spec.format_key(key)} already exists ({update_hint} to change it)",
            )
        elif stored_values[key] == row:
            plan.unchanged += 1
        else:
            plan.update.append((i, pk))
    return plan


def check_references(
    spec: KindSpec, pf: ParsedFile, known: dict[str, set[Any] | None], problems: Problems
) -> None:
    report = _reporter(problems, pf)
    failed: set[int] = set()  # rows with an unknown reference: their composite ones not judged
    for fld in spec.fields:
        if fld.ref is None:
            continue
        keys = known.get(fld.ref)
        if keys is None:
            continue
        noun = SPECS[fld.ref].noun
        if not (fld.ref_key or fld.many or fld.missing):
            column = fld.column
            for i, row in enumerate(pf.rows):
                value = getattr(row, column)
                if value not in keys and value is not None:  # None: an optional one left empty
                    failed.add(i)
                    report(i, column, f"no {noun} {show(value)} in the database or in this import")
            continue
        for i, row in enumerate(pf.rows):
            value = getattr(row, fld.column)
            if value is None or (fld.ref_key and i in failed):
                continue
            if fld.ref_key:
                missing = [] if tuple(getattr(row, c) for c in fld.ref_key) in keys else [value]
            elif fld.many:
                missing = [v for v in value if v not in keys]
            else:
                missing = [] if value in keys else [value]
            for bad in missing:
                failed.add(i)
                if fld.missing:
                    shown = {c: show(str(getattr(row, c))) for c in spec.columns}
                    report(i, fld.column, fld.missing.format(**{**shown, "value": show(bad)}))
                else:
                    report(
                        i, fld.column, f"no {noun} {show(bad)} in the database or in this import"
                    )


def check_groups(
    pf: ParsedFile, stored_groups: dict[str, list[GroupMember]], problems: Problems
) -> None:
    """Offerings sharing a non-empty group are one combined class: one subject, one faculty
    member (the stored offerings of that group included, unless this import replaces them)."""
    spec = SPECS["offerings"]
    report = _reporter(problems, pf)
    first: dict[str, int] = {}
    imported_keys = set(map(spec.key_of, pf.rows))
    for i, row in enumerate(pf.rows):
        group = row.group
        if not group:
            continue
        j = first.setdefault(group, i)
        ref = pf.rows[j]
        if j != i:
            if (row.subject, row.faculty) != (ref.subject, ref.faculty):
                report(
                    i,
                    "group",
                    f"combined class {show(group)} must have one subject and one faculty "
                    f"member; row {pf.lines[j]} has {ref.subject} / {ref.faculty}, "
                    f"this row {row.subject} / {row.faculty}",
                )
            continue
        for member in stored_groups.get(group, ()):
            if member.key in imported_keys:
                continue
            if (member.subject, member.faculty) != (ref.subject, ref.faculty):
                report(
                    i,
                    "group",
                    f"combined class {show(group)} must have one subject and one faculty "
                    f"member; the stored offering of batch {member.batch} has "
                    f"{member.subject} / {member.faculty}, this row "
                    f"{ref.subject} / {ref.faculty}",
                )
                break
