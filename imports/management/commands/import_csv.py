"""``import_csv KIND FILE`` or ``import_csv --dir DIR``: a thin command over the import service.

Every problem is printed as ``FILE:ROW: column: message`` and the command exits non-zero
without writing anything; on success it prints the counts per kind and the time taken.
"""

from __future__ import annotations

import os
from typing import Any

import sentry_sdk
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from imports.kinds import KINDS
from imports.services import ImportReport, ImportValidationError, institution_import
from sih28.errors import ApplicationError


class Command(BaseCommand):
    help = (
        "Import master data from CSV, all or nothing: one file (KIND FILE) or every "
        f"KIND.csv in a directory (--dir), in the order {', '.join(KINDS)}."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "kind", nargs="?", choices=KINDS, metavar="KIND", help=f"one of: {', '.join(KINDS)}"
        )
        parser.add_argument("file", nargs="?", metavar="FILE", help="the CSV file")
        parser.add_argument(
            "--dir", metavar="DIR", help="import every known KIND.csv in DIR in one transaction"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="validate everything, write nothing"
        )
        parser.add_argument(
            "--update",
            action="store_true",
            help="update rows whose key exists (otherwise that is an error)",
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=10_000,
            metavar="N",
            help="print a progress line every N rows (default 10000)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        files = self._files(options)
        try:
            report = institution_import(
                files=files,
                update=options["update"],
                dry_run=options["dry_run"],
                progress=lambda line: self.stderr.write(f"  {line}"),
                progress_every=max(1, options["progress_every"]),
            )
        except ImportValidationError as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(exc.message) from None
        except ApplicationError as exc:
            raise CommandError(exc.message) from None
        except DatabaseError as exc:
            sentry_sdk.capture_exception(exc)
            raise CommandError(
                f"the database failed ({type(exc).__name__}: {exc}); nothing was written"
            ) from None
        self._summary(report)

    def _files(self, options: dict[str, Any]) -> dict[str, str]:
        kind, path, directory = options["kind"], options["file"], options["dir"]
        if directory:
            if kind or path:
                raise CommandError("give either KIND FILE or --dir DIR, not both")
            if not os.path.isdir(directory):
                raise CommandError(f"{directory}: not a directory")
            files = {
                k: os.path.join(directory, f"{k}.csv")
                for k in KINDS
                if os.path.isfile(os.path.join(directory, f"{k}.csv"))
            }
            if not files:
                raise CommandError(
                    f"{directory}: no known CSV files; expected any of "
                    f"{', '.join(k + '.csv' for k in KINDS)}"
                )
            known = {f"{k}.csv" for k in KINDS}
            for entry in sorted(os.listdir(directory)):
                if entry.lower().endswith(".csv") and entry not in known:
                    self.stderr.write(f"ignored {os.path.join(directory, entry)}: not a known kind")
            return files
        if not kind or not path:
            raise CommandError(
                "give KIND FILE (KIND one of: " + ", ".join(KINDS) + ") or --dir DIR"
            )
        if not os.path.isfile(path):
            raise CommandError(f"{path}: no such file")
        return {kind: path}

    def _summary(self, report: ImportReport) -> None:
        width = max(len(k) for k in [*report.kinds, "total"])
        self.stdout.write(
            f"{'kind':<{width}}  {'rows':>8}  {'created':>8}  {'updated':>8}  {'unchanged':>9}"
        )
        for kind, c in [*report.kinds.items(), ("total", report.total)]:
            self.stdout.write(
                f"{kind:<{width}}  {c.rows:>8,}  {c.created:>8,}  "
                f"{c.updated:>8,}  {c.unchanged:>9,}"
            )
        rows = report.total.rows
        rate = f" ({rows / report.seconds:,.0f} rows/s)" if report.seconds > 0 and rows else ""
        if report.dry_run:
            self.stdout.write(
                self.style.WARNING(
                    f"Dry run: validated in {report.seconds:.2f} s{rate}; nothing was written."
                )
            )
        else:
            self.stdout.write(self.style.SUCCESS(f"Imported in {report.seconds:.2f} s{rate}."))
