"""The office console on a realistic institution: queries per page, and time per page.

Generates and imports the seeded institution of ``benchmarks.institution`` (about 48
batches) into a scratch SQLite database (or ``--database-url``), saves a first-fit timetable
as a published job plus a draft copy, records a week's leave for one teacher, then opens
every console page as a staff member through Django's test client and prints, per page, the
queries it ran and the time it took (median of ``--repeat`` loads).

    python -m benchmarks.console [--repeat 5] [--database-url URL]
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generation import _setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="loads of each page timed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default="", help="default: a scratch SQLite file in a temporary directory"
    )
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="sih28-console-"))
    _setup_django(args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}")
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from academics.models import User
    from benchmarks.institution import generate
    from benchmarks.moves import _greedy_job
    from timetabling.generation import timetable_publish_direct
    from timetabling.models import FacultyLeave, TimetableSlot

    settings.ALLOWED_HOSTS = ["testserver"]
    counts = generate(args.seed).write(scratch / "csv")
    print("institution: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"python {sys.version.split()[0]}"
    )
    call_command("migrate", verbosity=0)
    call_command("import_csv", "--dir", str(scratch / "csv"))
    published = _greedy_job()
    timetable_publish_direct(job_id=published.pk, user=None)
    draft = _greedy_job()
    slot = TimetableSlot.objects.filter(job=draft).order_by("pk").first()
    busiest = (
        TimetableSlot.objects.filter(job=published, primary=True)
        .values_list("faculty_id", flat=True)
        .first()
    )
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    leave = FacultyLeave.objects.create(
        faculty_id=busiest, start=monday, end=monday + dt.timedelta(days=4)
    )
    staff = User.objects.create_user("bench-office", password="x", role="staff")
    client = Client()
    client.force_login(staff)
    batch = slot.batch.code
    pages = [
        ("dashboard", "/office/"),
        ("import", "/office/import/"),
        ("generate", "/office/generate/"),
        ("job", f"/office/jobs/{draft.pk}/"),
        ("job progress", f"/office/jobs/{draft.pk}/progress/"),
        ("review", f"/timetable/job/{draft.pk}/review/"),
        ("draft grid (batch)", f"/timetable/batch/{batch}/?job={draft.pk}"),
        ("move (where can this go)", f"/office/slots/{slot.pk}/move/"),
        ("what changed", f"/timetable/changes/{draft.pk}/"),
        ("leave", "/office/leave/"),
        ("leave proposals", f"/office/leave/{leave.pk}/"),
    ]
    print(f"\n{'page':<28}{'status':>7}{'queries':>9}{'median ms':>11}{'max ms':>9}")
    for label, url in pages:
        queries = []

        def count(execute, sql, params, many, context, seen=queries):
            seen.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            first = client.get(url)
        times = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"{label:<28}{first.status_code:>7}{len(queries):>9}"
            f"{statistics.median(times):>11.1f}{max(times):>9.1f}"
        )


if __name__ == "__main__":
    main()
