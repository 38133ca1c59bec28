"""``export_timetable``: write the published timetable (or one job's) as CSV, iCalendar or JSON."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sih28.errors import ApplicationError
from timetabling import exports, selectors
from timetabling.models import GenerationJob


class Command(BaseCommand):
    help = (
        "Export the published timetable, or one generation job's timetable with --job, "
        "as CSV (batch, subject, faculty, room, day, period, length, basket), iCalendar or JSON."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--job",
            type=int,
            metavar="JOB_ID",
            help="export this generation job's slots (default: the published timetable)",
        )
        parser.add_argument(
            "--format", choices=exports.FORMATS, default="csv", help="output format (default: csv)"
        )
        parser.add_argument(
            "--out", metavar="FILE", help="write to FILE (default: standard output)"
        )

    def handle(
        self,
        *args,
        job: int | None,
        format: str,
        out: str | None,  # noqa: A002
        **options,
    ) -> None:
        if job is not None:
            found = GenerationJob.objects.filter(pk=job).first()
            if found is None:
                raise CommandError(f"Generation job {job} does not exist.")
            name = f"Timetable (job {job})"
        else:
            name = "Timetable"
        slots = list(selectors.export_slots(job_id=job))
        if job is None and not slots:
            raise CommandError(
                "There is no published timetable yet; publish a job or pass "
                "--job JOB_ID to export a draft."
            )
        try:
            result = exports.render(
                format, slots, selectors.time_grid(), name=name, timezone_name=settings.TIME_ZONE
            )
        except ApplicationError as exc:
            raise CommandError(exc.message) from exc

        if out:
            path = Path(out)
            try:
                # newline="" keeps the CRLF line ends that CSV and iCalendar require.
                with path.open("w", encoding="utf-8", newline="") as fh:
                    fh.write(result.content)
            except OSError as exc:
                raise CommandError(f"Cannot write {out}: {exc.strerror or exc}") from exc
            where = str(path)
        else:
            self.stdout.write(result.content, ending="")
            self.stdout.flush()
            where = "standard output"
        unit = "events" if format == "ics" else "rows"
        source = f"job {job}" if job is not None else "the published timetable"
        self.stderr.write(
            f"Wrote {result.count} {unit} ({format}) from {source} to {where}.",
            style_func=lambda text: text,
        )
