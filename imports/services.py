"""The import service: parse, validate, then write a whole institution in one transaction.

``institution_import`` is the one entry point; the ``import_csv`` command and
``POST /api/imports/`` both call it, so they accept, reject and report exactly alike.
Nothing is written unless every row of every file is valid.
"""

from __future__ import annotations

import csv
import io
import logging
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import sentry_sdk
from django.db import DataError, IntegrityError, connections, router, transaction

from academics import models as am
from imports.kinds import KINDS, REF_KEY_DB, SPECS
from imports.parsing import ParsedFile, Problems, Source, key_getter, read_csv, source_name
from imports.validation import KindPlan, Stored, validate
from sih28.errors import ApplicationError, ConflictError

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000  # rows per bulk_create / bulk_update call
IN_QUERY_MAX = 2000  # up to this many keys are looked up with ``key__in``; else a scan

Progress = Callable[[str], None]


@dataclass
class KindCounts:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do), per kind in dependency order."""

    kinds: dict[str, KindCounts] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    update: bool = False
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def total(self) -> KindCounts:
        out = KindCounts()
        for c in self.kinds.values():
            out.rows += c.rows
            out.created += c.created
            out.updated += c.updated
            out.unchanged += c.unchanged
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "update": self.update,
            "seconds": round(self.seconds, 3),
            "kinds": {kind: vars(c).copy() for kind, c in self.kinds.items()},
            "total": vars(self.total).copy(),
        }


class ImportValidationError(ApplicationError):
    """The files have problems; nothing was written. ``errors`` lists them as
    ``FILE:ROW: column: message`` lines (at most 200, then ``... and N more``)."""

    def __init__(self, problems: Problems) -> None:
        self.errors = problems.lines()
        self.problem_count = problems.total
        noun = "problem" if problems.total == 1 else "problems"
        super().__init__(
            f"{problems.total} {noun} found; nothing was written.", extra={"errors": self.errors}
        )


def institution_import(
    *,
    files: Mapping[str, Source],
    update: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    progress_every: int = 10_000,
) -> ImportReport:
    """Import CSV files, ``{kind: path or open file}``, all or nothing.

    Raises ``ImportValidationError`` listing every problem (and writes nothing) when any
    row is invalid, and ``ConflictError`` if the database refuses the rows anyway (a
    concurrent change); then nothing is written either.
    """
    unknown = sorted(set(files) - set(KINDS))
    if unknown:
        raise ApplicationError(
            f"unknown kind {', '.join(unknown)}; known kinds: {', '.join(KINDS)}"
        )
    if not files:
        raise ApplicationError(f"nothing to import; known kinds: {', '.join(KINDS)}")
    kinds = [k for k in KINDS if k in files]
    started = time.perf_counter()
    report = ImportReport(update=update, dry_run=dry_run)

    with _import_span() as root:
        root.set_data("kinds", kinds)
        root.set_data("dry_run", dry_run)
        root.set_data("update", update)
        problems = Problems()
        with sentry_sdk.start_span(op="data.parse", name="Parse CSV") as span:
            parsed: dict[str, ParsedFile] = {}
            for order, kind in enumerate(kinds):
                name = source_name(files[kind], f"{kind}.csv")
                report.files[kind] = name
                parsed[kind] = read_csv(
                    files[kind],
                    spec=SPECS[kind],
                    name=name,
                    order=order,
                    problems=problems,
                    progress=progress,
                    progress_every=progress_every,
                )
            rows = sum(len(pf.rows) + pf.bad_rows for pf in parsed.values())
            span.set_data("rows", rows)
            span.set_data("kinds", kinds)
            span.set_data("problems", problems.total)
        root.set_data("rows", rows)
        try:
            with transaction.atomic():
                with sentry_sdk.start_span(op="data.validate", name="Validate rows") as span:
                    if progress is not None and rows >= progress_every:
                        progress(f"validating {rows:,} rows")
                    stored = _load_stored(parsed)
                    plans = validate(parsed, stored, update=update, problems=problems)
                    span.set_data("rows", rows)
                    span.set_data("problems", problems.total)
                if problems:
                    root.set_data("problems", problems.total)
                    raise ImportValidationError(problems)
                for kind, plan in plans.items():
                    report.kinds[kind] = KindCounts(
                        plan.rows, len(plan.create), len(plan.update), plan.unchanged
                    )
                if not dry_run:
                    with sentry_sdk.start_span(op="db.bulk_create", name="Save rows") as span:
                        _save(parsed, plans, progress, progress_every)
                        total = report.total
                        span.set_data("rows", total.created + total.updated)
                        span.set_data("created", total.created)
                        span.set_data("updated", total.updated)
                        span.set_data("unchanged", total.unchanged)
        except (IntegrityError, DataError) as exc:
            logger.warning("import refused by the database (%s)", type(exc).__name__)
            raise ConflictError(
                "The database refused the import (the data changed while it ran, or a value "
                "is out of range); nothing was written. Try again."
            ) from exc
        total = report.total
        root.set_data("created", total.created)
        root.set_data("updated", total.updated)
        root.set_data("unchanged", total.unchanged)
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _import_span() -> Iterator[Any]:
    """One Sentry transaction for the import, or a child span of the one running (an API
    request). Free when Sentry is off."""
    with sentry_sdk.new_scope() as scope:
        scope.set_tag("command", "import_csv")
        scope.set_tag("feature", "import")
        context: Any
        if sentry_sdk.get_current_span() is None:
            context = sentry_sdk.start_transaction(op="data.import", name="import_csv")
        else:
            context = sentry_sdk.start_span(op="data.import", name="import_csv")
        with context as span:
            span.set_tag("command", "import_csv")
            span.set_tag("feature", "import")
            yield span


# --- reading what is stored --------------------------------------------------------------


def _load_stored(parsed: dict[str, ParsedFile]) -> Stored:
    """The stored rows the import touches, and the keys it may refer to: one query each."""
    stored = Stored()
    for kind, pf in parsed.items():
        spec = SPECS[kind]
        get = key_getter(spec)
        keys = {get(row) for row in pf.rows}
        found: dict[Any, tuple[int, tuple[Any, ...]]] = {}
        if keys:
            qs = spec.model._default_manager.all()
            if len(spec.key) == 1 and len(keys) <= IN_QUERY_MAX:
                qs = qs.filter(**{f"{spec.fields[spec.key_index[0]].db}__in": keys})
            lookups = [f.db for f in spec.fields]
            for values in qs.order_by().values_list("id", *lookups).iterator(chunk_size=5000):
                row = values[1:]
                key = get(row)
                if key in keys:
                    found[key] = (values[0], row)
        stored.rows[kind] = found

    referenced = {f.ref for kind in parsed for f in SPECS[kind].fields if f.ref}
    for kind in referenced:
        model = SPECS[kind].model
        stored.keys[kind] = set(
            model._default_manager.order_by().values_list(REF_KEY_DB[kind], flat=True)
        )

    if "subjects" in parsed or "faculty_unavailability" in parsed:
        stored.grid = set(am.TimeSlot.objects.order_by().values_list("day", "period"))

    if "offerings" in parsed:
        g_i = SPECS["offerings"].columns.index("group")
        groups = {row[g_i] for row in parsed["offerings"].rows if row[g_i]}
        if groups:
            members = am.Offering.objects.filter(group__in=groups).values_list(
                "batch__code", "subject__code", "faculty__employee_id", "group"
            )
            for batch, subject, faculty, group in members:
                stored.groups.setdefault(group, []).append(((batch, subject), subject, faculty))
    return stored


# --- writing -----------------------------------------------------------------------------


def _save(
    parsed: dict[str, ParsedFile],
    plans: dict[str, KindPlan],
    progress: Progress | None,
    progress_every: int,
) -> None:
    """Create and update rows in dependency order, in batches of ``BATCH_SIZE`` (multi-row
    ``INSERT``; batched ``UPDATE`` by primary key for changed rows); references are resolved
    with one ``code -> id`` query per referenced table."""
    id_maps: dict[str, dict[Any, int]] = {}

    def ids(kind: str) -> dict[Any, int]:
        if kind not in id_maps:
            model = SPECS[kind].model
            id_maps[kind] = dict(
                model._default_manager.order_by().values_list(REF_KEY_DB[kind], "id")
            )
        return id_maps[kind]

    for kind in KINDS:
        plan = plans.get(kind)
        if plan is None or not (plan.create or plan.update):
            continue
        spec = SPECS[kind]
        model = spec.model
        rows = parsed[kind].rows
        convert = [(f.attr, ids(f.ref) if f.ref else None) for f in spec.fields]
        total = len(plan.create) + len(plan.update)
        done = 0
        if plan.create:
            inserter = _Inserter(model, [attr for attr, _ in convert])
            for start in range(0, len(plan.create), BATCH_SIZE):
                chunk = plan.create[start : start + BATCH_SIZE]
                inserter.insert(
                    [
                        mapping[v] if mapping is not None else v
                        for (_attr, mapping), v in zip(convert, rows[i], strict=True)
                    ]
                    for i in chunk
                )
                done = _tick(progress, progress_every, kind, done, len(chunk), total)

        if plan.update:
            updater = _Updater(model, [f.attr for f in spec.fields if f.column not in spec.key])
            keep = [(n, convert[n][1]) for n, f in enumerate(spec.fields)
                    if f.column not in spec.key]
            for start in range(0, len(plan.update), BATCH_SIZE):
                pairs = plan.update[start : start + BATCH_SIZE]
                updater.update(
                    (
                        [
                            mapping[rows[i][n]] if mapping is not None else rows[i][n]
                            for n, mapping in keep
                        ],
                        pk,
                    )
                    for i, pk in pairs
                )
                done = _tick(progress, progress_every, kind, done, len(pairs), total)
        id_maps.pop(kind, None)


class _RowWriter:
    """Writes plain values of ``attrs`` to ``model``'s table without model instances.

    Values are prepared by the fields themselves (``get_db_prep_save``) unless they are
    plain text and numbers.
    """

    PLAIN = frozenset(
        {
            "CharField",
            "PositiveIntegerField",
            "PositiveSmallIntegerField",
            "IntegerField",
            "SmallIntegerField",
            "BigIntegerField",
            "ForeignKey",
            "OneToOneField",
            "TextField",
        }
    )

    def __init__(self, model: Any, attrs: list[str]) -> None:
        self.connection = connections[router.db_for_write(model)]
        self.meta = model._meta
        self.fields = [self.meta.get_field(a) for a in attrs]
        self.prepare = [
            None
            if f.get_internal_type() in self.PLAIN
            else partial(f.get_db_prep_save, connection=self.connection)
            for f in self.fields
        ]
        self.needs_prep = any(p is not None for p in self.prepare)

    def prepared(self, values: list[Any]) -> list[Any]:
        if not self.needs_prep:
            return values
        return [v if p is None else p(v) for p, v in zip(self.prepare, values, strict=True)]


class _Inserter(_RowWriter):
    """Multi-row ``INSERT`` (``COPY`` on PostgreSQL): ``bulk_create`` without building a
    model instance and compiling SQL per row, which cost most of the time of a large
    import. Columns the CSV does not set get their model default, or stay NULL.
    """

    def __init__(self, model: Any, attrs: list[str]) -> None:
        super().__init__(model, attrs)
        quote = self.connection.ops.quote_name
        meta, fields = self.meta, self.fields
        written = {f.attname for f in fields}
        self.extra = [
            f
            for f in meta.concrete_fields
            if f.attname not in written and not f.primary_key and f.has_default()
        ]
        self.extra_values = [
            f.get_db_prep_save(f.get_default(), connection=self.connection) for f in self.extra
        ]
        columns = ", ".join(quote(f.column) for f in [*fields, *self.extra])
        width = len(fields) + len(self.extra)
        self.one = "(" + ", ".join(["%s"] * width) + ")"
        self.head = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
        limit = self.connection.features.max_query_params
        self.per_statement = max(1, min(BATCH_SIZE, (limit or 65535) // width))
        # PostgreSQL loads rows fastest with COPY (every value quoted, so "" stays an empty
        # string; the rows written never hold NULLs).
        self.copy = (
            f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN WITH (FORMAT csv)"
            if self.connection.vendor == "postgresql"
            else None
        )

    def insert(self, rows: Iterable[list[Any]]) -> None:
        extra = self.extra_values
        if self.copy is not None:
            buffer = io.StringIO()
            writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
            for row in rows:
                row = self.prepared(row)
                writer.writerow([*row, *extra] if extra else row)
            buffer.seek(0)
            with self.connection.cursor() as cursor:
                cursor.copy_expert(self.copy, buffer)
            return
        params: list[Any] = []
        count = 0
        with self.connection.cursor() as cursor:
            for row in rows:
                params.extend(self.prepared(row))
                if extra:
                    params.extend(extra)
                count += 1
                if count == self.per_statement:
                    cursor.execute(self.head + ", ".join([self.one] * count), params)
                    params, count = [], 0
            if count:
                cursor.execute(self.head + ", ".join([self.one] * count), params)


class _Updater(_RowWriter):
    """Batched ``UPDATE`` of changed rows by primary key: ``executemany`` on SQLite, one
    ``UPDATE ... FROM (VALUES ...)`` per batch on PostgreSQL (``bulk_update``'s ``CASE``
    expressions grow quadratically and were 20-40x slower here)."""

    def __init__(self, model: Any, attrs: list[str]) -> None:
        super().__init__(model, attrs)
        quote = self.connection.ops.quote_name
        meta, fields = self.meta, self.fields
        table, pk = quote(meta.db_table), quote(meta.pk.column)
        if self.connection.vendor == "postgresql":
            names = [f"c{n}" for n in range(len(fields))]
            sets = ", ".join(
                f"{quote(f.column)} = v.{c}::{f.db_type(self.connection)}"
                for f, c in zip(fields, names, strict=True)
            )
            self.one = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
            self.head = f"UPDATE {table} AS t SET {sets} FROM (VALUES "
            self.tail = f") AS v(pk, {', '.join(names)}) WHERE t.{pk} = v.pk"
            self.many = None
        else:
            sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
            self.many = f"UPDATE {table} SET {sets} WHERE {pk} = %s"

    def update(self, rows: Iterable[tuple[list[Any], int]]) -> None:
        batch = [(self.prepared(values), pk) for values, pk in rows]
        if not batch:
            return
        with self.connection.cursor() as cursor:
            if self.many is not None:
                cursor.executemany(self.many, [[*values, pk] for values, pk in batch])
            else:
                params = [p for values, pk in batch for p in (pk, *values)]
                cursor.execute(self.head + ", ".join([self.one] * len(batch)) + self.tail, params)


def _tick(
    progress: Progress | None, every: int, kind: str, done: int, step: int, total: int
) -> int:
    after = done + step
    if (
        progress is not None
        and total >= every
        and (after // every > done // every or after == total)
    ):
        progress(f"{kind}: {after:,}/{total:,} rows saved ({100 * after // total}%)")
    return after
