"""Rules across rows, files and the stored data: pure functions, no database access.

The service reads what the database holds (``Stored``, in code space: codes rather than
ids) with one query per table, then these functions check keys, references and the
cross-row rules of the parsed files and say, per kind, which rows to create or update.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imports.kinds import SPECS, KindSpec
from imports.parsing import DAYS, DEFERRED, ParsedFile, Problems, format_key, key_getter, show

DEFAULT_DAYS = 5  # the week assumed when there is no time grid yet
REF_NOUN = {
    "departments": "department",
    "faculty": "faculty member",
    "subjects": "subject",
    "batches": "batch",
}


@dataclass
class Stored:
    """What the database already holds, in code space.

    ``rows``: per kind being imported, the stored rows whose key is in the import, as
    ``key -> (pk, values)`` with values in the field order of the kind. ``keys``: per kind
    that others refer to, every stored key. ``grid``: the stored ``(day, period)`` pairs.
    ``groups``: stored offerings of the groups named in the import, as
    ``group -> [(key, subject, faculty)]``.
    """

    rows: dict[str, dict[Any, tuple[int, tuple[Any, ...]]]] = field(default_factory=dict)
    keys: dict[str, set[Any]] = field(default_factory=dict)
    grid: set[tuple[int, int]] = field(default_factory=set)
    groups: dict[str, list[tuple[Any, str, str]]] = field(default_factory=dict)


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


def _col(spec: KindSpec, column: str) -> int:
    return spec.columns.index(column)


def validate(
    parsed: dict[str, ParsedFile], stored: Stored, *, update: bool, problems: Problems
) -> dict[str, KindPlan]:
    """Check everything that needs more than one cell; return the write plan per kind."""
    grid = set(stored.grid)
    if "timeslots" in parsed:
        grid.update((row[0], row[1]) for row in parsed["timeslots"].rows)
    days = len({d for d, _ in grid}) or DEFAULT_DAYS

    if "timeslots" in parsed:
        check_timeslot_order(parsed["timeslots"], problems)
    if "faculty" in parsed:
        check_faculty_hours(parsed["faculty"], problems)
    if "subjects" in parsed:
        resolve_subject_defaults(parsed["subjects"], days=days, problems=problems)
    if "faculty_unavailability" in parsed and grid:
        check_in_grid(parsed["faculty_unavailability"], grid, problems)

    known: dict[str, set[Any] | None] = {}
    for kind, keys in stored.keys.items():
        pf = parsed.get(kind)
        if pf is not None and not pf.readable:
            known[kind] = None  # its file could not be read: references cannot be judged
            continue
        merged = set(keys)
        if pf is not None:
            get = key_getter(SPECS[kind])
            merged.update(get(row) for row in pf.rows)
            merged.update(pf.failed_keys)
        known[kind] = merged

    plans: dict[str, KindPlan] = {}
    for kind, pf in parsed.items():
        spec = SPECS[kind]
        plans[kind] = plan_keys(
            spec, pf, stored.rows.get(kind, {}), update=update, problems=problems
        )
        check_references(spec, pf, known, problems)
    if "offerings" in parsed:
        check_groups(parsed["offerings"], stored.groups, problems)
    return plans


def check_timeslot_order(pf: ParsedFile, problems: Problems) -> None:
    report = _reporter(problems, pf)
    for i, (_day, _period, start, end) in enumerate(pf.rows):
        if end <= start:
            report(i, "end", f"must be later than start ({start:%H:%M}), not {end:%H:%M}")


def check_faculty_hours(pf: ParsedFile, problems: Problems) -> None:
    report = _reporter(problems, pf)
    week, per_day = (
        _col(SPECS["faculty"], "max_hours_per_week"),
        _col(SPECS["faculty"], "max_hours_per_day"),
    )
    for i, row in enumerate(pf.rows):
        if row[per_day] > row[week]:
            report(
                i,
                "max_hours_per_day",
                f"must not exceed max_hours_per_week ({row[per_day]} > {row[week]})",
            )


def resolve_subject_defaults(pf: ParsedFile, *, days: int, problems: Problems) -> None:
    """Fill ``periods_per_session`` (1 theory, 2 lab) and ``min_days`` (sessions per week,
    at most the days of the time grid) where the file left them out; check
    ``min_days <= sessions_per_week``."""
    spec = SPECS["subjects"]
    kind_i, spw_i = _col(spec, "kind"), _col(spec, "sessions_per_week")
    pps_i, min_i = _col(spec, "periods_per_session"), _col(spec, "min_days")
    report = _reporter(problems, pf)
    rows = pf.rows
    for i, row in enumerate(rows):
        pps, min_days = row[pps_i], row[min_i]
        if pps is DEFERRED or min_days is DEFERRED:
            values = list(row)
            if pps is DEFERRED:
                values[pps_i] = 2 if row[kind_i] == "lab" else 1
            if min_days is DEFERRED:
                values[min_i] = min(row[spw_i], days)
            rows[i] = row = tuple(values)
        if row[min_i] > row[spw_i]:
            report(
                i, "min_days", f"must not exceed sessions_per_week ({row[min_i]} > {row[spw_i]})"
            )


def check_in_grid(pf: ParsedFile, grid: set[tuple[int, int]], problems: Problems) -> None:
    report = _reporter(problems, pf)
    for i, (_emp, day, period) in enumerate(pf.rows):
        if (day, period) not in grid:
            report(i, "period", f"{DAYS[day]} period {period} is not in the time grid")


def plan_keys(
    spec: KindSpec,
    pf: ParsedFile,
    stored_rows: dict[Any, tuple[int, tuple[Any, ...]]],
    *,
    update: bool,
    problems: Problems,
) -> KindPlan:
    """Duplicates inside the file; existing keys (an error without ``update``); and for
    existing keys whether anything changed."""
    report = _reporter(problems, pf)
    get = key_getter(spec)
    label = spec.key_label
    plan = KindPlan(spec.kind, rows=len(pf.rows))
    first: dict[Any, int] = {}
    lines = pf.lines
    for i, row in enumerate(pf.rows):
        key = get(row)
        seen = first.setdefault(key, i)
        if seen != i:
            report(i, label, f"duplicate {format_key(spec, key)} (first on row {lines[seen]})")
            continue
        hit = stored_rows.get(key)
        if hit is None:
            plan.create.append(i)
        elif not update:
            report(
                i,
                label,
                f"{format_key(spec, key)} already exists (import with --update to change it)",
            )
        elif hit[1] == row:
            plan.unchanged += 1
        else:
            plan.update.append((i, hit[0]))
    return plan


def check_references(
    spec: KindSpec, pf: ParsedFile, known: dict[str, set[Any] | None], problems: Problems
) -> None:
    report = _reporter(problems, pf)
    for position, fld in enumerate(spec.fields):
        if fld.ref is None:
            continue
        keys = known.get(fld.ref)
        if keys is None:
            continue
        noun = REF_NOUN[fld.ref]
        for i, row in enumerate(pf.rows):
            value = row[position]
            if value not in keys:
                report(i, fld.column, f"no {noun} {show(value)} in the database or in this import")


def check_groups(
    pf: ParsedFile, stored_groups: dict[str, list[tuple[Any, str, str]]], problems: Problems
) -> None:
    """Offerings sharing a non-empty group are one combined class: one subject, one faculty
    member (the stored offerings of that group included, unless this import replaces them)."""
    spec = SPECS["offerings"]
    report = _reporter(problems, pf)
    get = key_getter(spec)
    s_i, f_i, g_i = (_col(spec, c) for c in ("subject", "faculty", "group"))
    first: dict[str, int] = {}
    imported_keys = {get(row) for row in pf.rows}
    for i, row in enumerate(pf.rows):
        group = row[g_i]
        if not group:
            continue
        j = first.setdefault(group, i)
        ref = pf.rows[j]
        if j != i:
            if (row[s_i], row[f_i]) != (ref[s_i], ref[f_i]):
                report(
                    i,
                    "group",
                    f"combined class {show(group)} must have one subject and one faculty "
                    f"member; row {pf.lines[j]} has {ref[s_i]} / {ref[f_i]}, "
                    f"this row {row[s_i]} / {row[f_i]}",
                )
            continue
        for key, subject, faculty in stored_groups.get(group, ()):
            if key in imported_keys:
                continue
            if (subject, faculty) != (ref[s_i], ref[f_i]):
                report(
                    i,
                    "group",
                    f"combined class {show(group)} must have one subject and one faculty "
                    f"member; the stored offering of batch {key[0]} has "
                    f"{subject} / {faculty}, this row {ref[s_i]} / {ref[f_i]}",
                )
                break
