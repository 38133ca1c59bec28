"""Minimal change, counting rooms: how much of a published timetable a regeneration keeps.

Generates and publishes the seeded institution of ``benchmarks.institution`` (through the
same services as the API, in a scratch SQLite database unless ``--database-url``), takes a
whole day away from the teacher who teaches most on it, and regenerates twice: staying
close to the published timetable, and from scratch. For each it prints the published
sessions moved to another day or period, those kept at their time but moved to another
room, and their share of all published sessions (counted from the saved slots: one
session per class, so the rows of a combined class's partner batches count once).

    python -m benchmarks.minimal_change [--time-limit 60] [--regen-time-limit 30] [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from benchmarks.generation import _run, _setup_django

TARGET = 0.03  # the share of published sessions a stay-close regeneration may move


def _sessions(job: Any) -> list[Any]:
    """A job's sessions, one per class (its primary slot rows), as optimizer sessions."""
    from timetabling import optimizer as opt

    return [
        opt.Session(offering, day, period, room)
        for offering, day, period, room in job.slots.filter(primary=True).values_list(
            "offering_id", "day", "period", "room_id"
        )
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=int, default=60)
    parser.add_argument("--regen-time-limit", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default="", help="default: a scratch SQLite file in a temporary directory"
    )
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="sih28-bench-"))
    _setup_django(args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}")
    from django.conf import settings
    from django.core.management import call_command

    from academics.models import FacultyUnavailability, TimeSlot
    from benchmarks.institution import generate
    from timetabling import optimizer as opt
    from timetabling.generation import timetable_publish_direct

    settings.GENERATION_WORKERS = args.workers
    counts = generate(args.seed).write(scratch / "csv")
    print("institution: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    print(f"solver workers: {args.workers}, python {sys.version.split()[0]}")
    call_command("migrate", verbosity=0)
    call_command("import_csv", "--dir", str(scratch / "csv"), verbosity=0)

    first = _run("Generation", args.time_limit)
    timetable_publish_direct(job_id=first.pk, user=None)
    published = _sessions(first)
    busiest = Counter(
        first.slots.filter(primary=True).values_list("faculty__employee_id", "faculty_id", "day")
    )
    (employee_id, faculty_id, day), lost = busiest.most_common(1)[0]
    periods = TimeSlot.objects.filter(day=day).values_list("period", flat=True)
    FacultyUnavailability.objects.bulk_create(
        [FacultyUnavailability(faculty_id=faculty_id, day=day, period=p) for p in periods],
        ignore_conflicts=True,
    )
    day_name = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[day]

    rows = []
    for label, stay_close in (("stay close", True), ("from scratch", False)):
        started = time.monotonic()
        job = _run(f"Regeneration, {label}", args.regen_time_limit, stay_close=stay_close)
        moved = opt.moved_counts(published, _sessions(job))
        rows.append((label, moved, job.metrics["hard_violations"], time.monotonic() - started))

    print(
        f"\n## Minimal change: {employee_id} loses {day_name} "
        f"({lost} of their sessions were on that day; {len(published)} published sessions)"
    )
    print(
        f"{'regeneration':<14}{'in time':>9}{'room only':>11}{'moved':>7}{'of':>6}"
        f"{'share':>8}{'hard':>6}{'time s':>8}"
    )
    for label, moved, hard, took in rows:
        print(
            f"{label:<14}{moved.time_moved:>9}{moved.room_moved:>11}{moved.moved:>7}"
            f"{moved.total:>6}{100 * moved.share:>7.1f}%{hard:>6}{took:>8.1f}"
        )
    close = rows[0][1]
    verdict = "meets" if close.share < TARGET else "misses"
    print(
        f"(in time: moved to another day or period; room only: same time, another room; "
        f"stay close {verdict} the {100 * TARGET:.0f} % target)"
    )


if __name__ == "__main__":
    main()
