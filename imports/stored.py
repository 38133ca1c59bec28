"""Reading what the database holds, in code space, for validation: one query per table
(two for a kind with a many-to-many column), never one per row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from django.db.models import QuerySet

from academics import models as am
from imports.effective import NEEDED, CollegeFacts
from imports.fields import KindSpec
from imports.kinds import SPECS
from imports.parsing import ParsedFile
from imports.validation import GRID_KINDS

IN_QUERY_MAX = 2000  # up to this many keys are looked up with ``key__in``; else a scan


def read_rows(spec: KindSpec, qs: QuerySet[Any]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """``(pk, values)`` of the rows of ``qs``, the values a plain tuple in column order (a
    many-to-many column as the sorted tuple of the related keys)."""
    lookups = [f.db for f in spec.stored_fields]
    rows = qs.order_by().values_list("id", *lookups).iterator(chunk_size=5000)
    many = [(i, f) for i, f in enumerate(spec.fields) if f.many]
    if not many:
        for pk, *values in rows:
            yield pk, tuple(values)
        return
    related: list[tuple[int, dict[int, list[Any]]]] = []
    for position, fld in many:
        by_pk: dict[int, list[Any]] = defaultdict(list)
        for pk, value in qs.order_by().values_list("id", fld.db):
            if value is not None:
                by_pk[pk].append(value)
        related.append((position, by_pk))
    for pk, *values in rows:
        for position, by_pk in related:
            values.insert(position, tuple(sorted(by_pk.get(pk, ()))))
        yield pk, tuple(values)


def referenced_keys(kind: str) -> set[Any]:
    """Every stored key of a kind others refer to (a tuple for a composite key)."""
    spec = SPECS[kind]
    lookups = spec.ref_lookups
    qs = spec.model._default_manager.order_by()
    if len(lookups) == 1:
        return set(qs.values_list(lookups[0], flat=True))
    return set(qs.values_list(*lookups))


def needs_grid(parsed: dict[str, ParsedFile]) -> bool:
    return any(kind in parsed for kind in ("subjects", "baskets", *GRID_KINDS))


def college_facts(parsed: dict[str, ParsedFile]) -> CollegeFacts:
    """The stored rows ``validation_colleges`` needs for this import, as rows of their kind."""
    kinds = set(parsed)
    facts = CollegeFacts()
    baskets_named = {
        row.basket
        for kind in ("basket_options", "enrollments")
        if kind in parsed
        for row in parsed[kind].rows
    }
    if "baskets" in parsed:
        baskets_named.update(row.code for row in parsed["baskets"].rows)
    for kind, needed_by in NEEDED.items():
        if not kinds & needed_by:
            continue
        spec = SPECS[kind]
        qs = spec.model._default_manager.all()
        if kind == "offerings":
            qs = qs.filter(basket_option__isnull=True)  # those of options are derived
        elif kind == "enrollments" and "fixed_sessions" not in kinds:
            qs = qs.filter(basket__code__in=baskets_named)
        facts.rows[kind] = {
            spec.values_key_of(values): spec.row._make(values)
            for _pk, values in read_rows(spec, qs)
        }
    if "baskets" in parsed:  # the students who chose in the baskets this import changes
        facts.student_batch.update(
            am.Enrollment.objects.filter(
                basket__code__in=[row.code for row in parsed["baskets"].rows]
            ).values_list("student__roll_number", "student__batch__code")
        )
    if "enrollments" in parsed:
        rolls = {row.roll_number for row in parsed["enrollments"].rows}
        students = am.Student.objects.order_by()
        if len(rolls) <= IN_QUERY_MAX:
            students = students.filter(roll_number__in=rolls)
        facts.student_batch.update(
            (roll, batch)
            for roll, batch in students.values_list("roll_number", "batch__code").iterator(
                chunk_size=5000
            )
            if roll in rolls
        )
    return facts
