"""The import service: parse, validate, then write a whole institution in one transaction.

``institution_import`` is the one entry point; the ``import_csv`` command and
``POST /api/imports/`` both call it, so they accept, reject and report exactly alike.
Nothing is written unless every row of every file is valid. ``origin`` says which of the
two ran it: the Sentry transaction (or span) is named after it, ``import_csv`` or
``import.upload``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, Literal

import sentry_sdk
from django.db import DataError, IntegrityError, transaction

from academics import models as am
from academics.baskets import basket_offerings_sync
from imports import writers
from imports.fields import Field, KindSpec
from imports.kinds import KINDS, SPECS
from imports.parsing import ParsedFile, Problems, Source, read_csv, source_name
from imports.stored import IN_QUERY_MAX, college_facts, needs_grid, read_rows, referenced_keys
from imports.validation import UPDATE_HINT, GroupMember, KindPlan, Stored, validate
from imports.writers import BATCH_SIZE
from sih28.errors import ApplicationError, ConflictError
from sih28.sentry import transaction_or_span

logger = logging.getLogger(__name__)

#: Who runs an import: the ``import_csv`` command, or an upload to ``POST /api/imports/``.
Origin = Literal["import_csv", "import.upload", "import.console"]
COMMAND: Origin = "import_csv"
UPLOAD: Origin = "import.upload"
CONSOLE: Origin = "import.console"
#: How each origin turns updates on, for "already exists (... to change it)".
UPDATE_HINTS: dict[Origin, str] = {
    UPLOAD: "send the field update=true",
    CONSOLE: 'tick "Update rows that exist"',
}

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
    origin: Origin = COMMAND,
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

    with _import_span(origin, {"kinds": kinds, "dry_run": dry_run, "update": update}) as root:
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
                    plans = validate(
                        parsed,
                        stored,
                        update=update,
                        problems=problems,
                        update_hint=UPDATE_HINTS.get(origin, UPDATE_HINT),
                    )
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
        # An event as well as the transaction: error-only servers (Bugsink) show imports too.
        sentry_sdk.capture_message(
            f"Import finished ({origin}): {total.created} created, {total.updated} updated, "
            f"{total.unchanged} unchanged",
            level="info",
        )
    report.seconds = time.perf_counter() - started
    return report


@contextmanager
def _import_span(origin: Origin, data: Mapping[str, Any]) -> Iterator[Any]:
    """One Sentry transaction for the import named after its origin, or a child span of
    the one running (an API request). Free when Sentry is off."""
    tags = {"feature": "import", "import.origin": origin}
    if origin == COMMAND:
        tags["command"] = COMMAND
    with sentry_sdk.new_scope() as scope:
        scope.set_tags(tags)
        with transaction_or_span(op="data.import", name=origin, data=data) as span:
            for key, value in tags.items():
                span.set_tag(key, value)
            yield span


# --- reading what is stored --------------------------------------------------------------


def _load_stored(parsed: dict[str, ParsedFile]) -> Stored:
    """The stored rows the import touches, and the keys it may refer to: one query each."""
    stored = Stored()
    for kind, pf in parsed.items():
        spec = SPECS[kind]
        keys = set(map(spec.key_of, pf.rows))
        pks: dict[Any, int] = {}
        values_of: dict[Any, tuple[Any, ...]] = {}
        if keys:
            qs = spec.model._default_manager.all()
            if kind == "offerings":  # those of basket options are not the file's to change
                qs = qs.filter(basket_option__isnull=True)
            if len(spec.key) == 1 and len(keys) <= IN_QUERY_MAX:
                qs = qs.filter(**{f"{spec.ref_lookup}__in": keys})
            key_of = spec.values_key_of
            for pk, row in read_rows(spec, qs):
                key = key_of(row)
                if key in keys:
                    pks[key] = pk
                    values_of[key] = row
        stored.pks[kind] = pks
        stored.values[kind] = values_of

    referenced = {f.ref for kind in parsed for f in SPECS[kind].fields if f.ref}
    for kind in referenced:
        stored.keys[kind] = referenced_keys(kind)

    if needs_grid(parsed):
        stored.grid = set(am.TimeSlot.objects.order_by().values_list("day", "period"))

    if "offerings" in parsed:
        groups = {row.group for row in parsed["offerings"].rows if row.group}
        if groups:
            members = am.Offering.objects.filter(group__in=groups).values_list(
                "batch__code", "subject__code", "faculty__employee_id", "group", named=True
            )
            for member in members:
                stored.groups.setdefault(member.group, []).append(
                    GroupMember(
                        member.batch__code, member.subject__code, member.faculty__employee_id
                    )
                )
    stored.colleges = college_facts(parsed)
    return stored


# --- writing -----------------------------------------------------------------------------


class _Later:
    """Marks a reference to the kind being written (a batch's parent): NULL at first, set
    once every row of the kind exists."""


LATER: Any = _Later()


def _save(
    parsed: dict[str, ParsedFile],
    plans: dict[str, KindPlan],
    progress: Progress | None,
    progress_every: int,
) -> None:
    """Create and update rows in dependency order, in batches of ``BATCH_SIZE`` (multi-row
    ``INSERT``; batched ``UPDATE`` by primary key for changed rows); references are resolved
    with one ``code -> id`` query per referenced table. Then the many-to-many lists, the
    references of a kind to itself, and the offerings of the baskets' options."""
    id_maps: dict[str, dict[Any, int]] = {}

    def ids(kind: str) -> dict[Any, int]:
        if kind not in id_maps:
            spec = SPECS[kind]
            lookups = spec.ref_lookups
            qs = spec.model._default_manager.order_by().values_list(*lookups, "id")
            if len(lookups) == 1:
                id_maps[kind] = dict(qs)
            else:
                id_maps[kind] = {tuple(found[:-1]): found[-1] for found in qs}
        return id_maps[kind]

    baskets: set[Any] = set()
    for kind in KINDS:
        plan = plans.get(kind)
        if plan is None or not (plan.create or plan.update):
            continue
        spec = SPECS[kind]
        model = spec.model
        rows = parsed[kind].rows
        fields = spec.stored_fields
        later = [f for f in fields if f.ref == kind]
        total = len(plan.create) + len(plan.update)
        done = 0
        if plan.create:
            convert = _converter(spec, fields, ids, itself=LATER)
            inserter = writers.Inserter(model, [f.attr for f in fields])
            for start in range(0, len(plan.create), BATCH_SIZE):
                chunk = plan.create[start : start + BATCH_SIZE]
                inserter.insert(convert(rows[i]) for i in chunk)
                done = _tick(progress, progress_every, kind, done, len(chunk), total)
            id_maps.pop(kind, None)
            if later:
                _set_later(spec, later, [rows[i] for i in plan.create], ids)

        if plan.update:
            changed = tuple(f for f in fields if f.column not in spec.key)
            convert = _converter(spec, changed, ids)
            updater = writers.Updater(model, [f.attr for f in changed])
            for start in range(0, len(plan.update), BATCH_SIZE):
                pairs = plan.update[start : start + BATCH_SIZE]
                updater.update((convert(rows[i]), pk) for i, pk in pairs)
                done = _tick(progress, progress_every, kind, done, len(pairs), total)

        touched = [rows[i] for i in plan.create] + [rows[i] for i, _ in plan.update]
        for fld in spec.fields:
            if fld.many:
                _set_many(spec, fld, touched, ids)
        if kind == "baskets":
            baskets.update(ids(kind)[row.code] for row in touched)
        elif kind == "basket_options":
            baskets.update(ids("baskets")[row.basket] for row in touched)
        id_maps.pop(kind, None)
    basket_offerings_sync(basket_ids=baskets)


def _converter(
    spec: KindSpec,
    fields: tuple[Field, ...],
    ids: Callable[[str], dict[Any, int]],
    *,
    itself: Any = None,
) -> Callable[[Any], list[Any]]:
    """What turns a row into the values written for ``fields``: codes become ids (empty
    optional references NULL); a reference to ``spec``'s own kind becomes ``itself``'s
    mapping, or NULL when that is ``LATER``."""
    columns = spec.columns
    at = [columns.index(f.column) for f in fields]
    maps: list[dict[Any, int] | None] = []
    keyed: list[tuple[int, Callable[[Any], Any], dict[Any, int]]] = []
    nulls: list[int] = []
    for n, fld in enumerate(fields):
        if fld.ref is None:
            maps.append(None)
        elif fld.ref == spec.kind and itself is LATER:
            maps.append(None)
            nulls.append(n)
        elif fld.ref_key:
            maps.append(None)
            keyed.append((n, attrgetter(*fld.ref_key), ids(fld.ref)))
        else:
            maps.append(ids(fld.ref))
    plain = not keyed and not nulls and at == list(range(len(columns)))

    def convert(row: Any) -> list[Any]:
        if plain:
            values = [
                v if mapping is None or v is None else mapping[v]
                for mapping, v in zip(maps, row, strict=True)
            ]
        else:
            values = [
                v if mapping is None or v is None else mapping[v]
                for mapping, v in zip(maps, (row[i] for i in at), strict=True)
            ]
        for n, key, mapping in keyed:
            values[n] = mapping[key(row)]
        for n in nulls:
            values[n] = None
        return values

    return convert


def _set_later(
    spec: KindSpec, later: list[Field], rows: list[Any], ids: Callable[[str], dict[Any, int]]
) -> None:
    """Set the references of newly created rows to rows of their own kind."""
    own = ids(spec.kind)
    updater = writers.Updater(spec.model, [f.attr for f in later])
    pending = [
        (
            [
                own[getattr(row, f.column)] if getattr(row, f.column) is not None else None
                for f in later
            ],
            own[spec.key_of(row)],
        )
        for row in rows
        if any(getattr(row, f.column) is not None for f in later)
    ]
    for start in range(0, len(pending), BATCH_SIZE):
        updater.update(pending[start : start + BATCH_SIZE])


def _set_many(
    spec: KindSpec, fld: Field, rows: list[Any], ids: Callable[[str], dict[Any, int]]
) -> None:
    """Replace the many-to-many list ``fld`` of these rows (one delete, one insert)."""
    if not rows or fld.ref is None:
        return
    relation = spec.model._meta.get_field(fld.column)
    through = relation.remote_field.through  # type: ignore[union-attr]
    source = relation.m2m_field_name() + "_id"  # type: ignore[union-attr]
    target = relation.m2m_reverse_field_name() + "_id"  # type: ignore[union-attr]
    own, other = ids(spec.kind), ids(fld.ref)
    pks = {own[spec.key_of(row)]: row for row in rows}
    through.objects.filter(**{f"{source}__in": list(pks)}).delete()
    through.objects.bulk_create(
        through(**{source: pk, target: other[code]})
        for pk, row in pks.items()
        for code in getattr(row, fld.column)
    )


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
