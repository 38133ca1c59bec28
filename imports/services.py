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
from typing import Any, Literal

import sentry_sdk
from django.db import DataError, IntegrityError, transaction

from academics import models as am
from imports import writers
from imports.kinds import KINDS, SPECS
from imports.parsing import ParsedFile, Problems, Source, read_csv, source_name
from imports.validation import UPDATE_HINT, GroupMember, KindPlan, Stored, validate
from imports.writers import BATCH_SIZE
from sih28.errors import ApplicationError, ConflictError
from sih28.sentry import transaction_or_span

logger = logging.getLogger(__name__)

#: Who runs an import: the ``import_csv`` command, or an upload to ``POST /api/imports/``.
Origin = Literal["import_csv", "import.upload"]
COMMAND: Origin = "import_csv"
UPLOAD: Origin = "import.upload"
#: How each origin turns updates on, for "already exists (... to change it)".
UPDATE_HINTS: dict[Origin, str] = {UPLOAD: "send the field update=true"}

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
            if len(spec.key) == 1 and len(keys) <= IN_QUERY_MAX:
                qs = qs.filter(**{f"{spec.ref_lookup}__in": keys})
            lookups = [f.db for f in spec.fields]
            key_of = spec.values_key_of
            for pk, *values in qs.order_by().values_list("id", *lookups).iterator(chunk_size=5000):
                row = tuple(values)
                key = key_of(row)
                if key in keys:
                    pks[key] = pk
                    values_of[key] = row
        stored.pks[kind] = pks
        stored.values[kind] = values_of

    referenced = {f.ref for kind in parsed for f in SPECS[kind].fields if f.ref}
    for kind in referenced:
        model = SPECS[kind].model
        stored.keys[kind] = set(
            model._default_manager.order_by().values_list(SPECS[kind].ref_lookup, flat=True)
        )

    if "subjects" in parsed or "faculty_unavailability" in parsed:
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
                model._default_manager.order_by().values_list(SPECS[kind].ref_lookup, "id")
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
            inserter = writers.Inserter(model, [attr for attr, _ in convert])
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
            changed = [f for f in spec.fields if f.column not in spec.key]
            updater = writers.Updater(model, [f.attr for f in changed])
            keep = [(f.column, ids(f.ref) if f.ref else None) for f in changed]
            for start in range(0, len(plan.update), BATCH_SIZE):
                pairs = plan.update[start : start + BATCH_SIZE]
                updater.update(
                    (
                        [
                            mapping[getattr(rows[i], column)]
                            if mapping is not None
                            else getattr(rows[i], column)
                            for column, mapping in keep
                        ],
                        pk,
                    )
                    for i, pk in pairs
                )
                done = _tick(progress, progress_every, kind, done, len(pairs), total)
        id_maps.pop(kind, None)


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
