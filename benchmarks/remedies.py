"""Remedies on five infeasible variants of the sample institution.

Each variant is the sample data (``imports/sample``) with one thing an office gets wrong,
imported through ``import_csv`` into a scratch SQLite database and generated through the
same services as ``generate_timetable``. The table says whether the job was infeasible,
what it proposed (each remedy verified by the pre-checks and a short solve), and how long
the job took; the last line is the share of variants with a verified remedy.

    python -m benchmarks.remedies [--time-limit 20] [--budget 60] [--only NAME]
"""

from __future__ import annotations

import argparse
import csv
import io
import logging
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.generation import _setup_django

SAMPLE = Path(__file__).resolve().parents[1] / "imports" / "sample"


def _edit(folder: Path, name: str, change: Callable[[list[dict[str, str]]], list[dict[str, str]]]):
    path = folder / f"{name}.csv"
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        fields = list(reader.fieldnames or [])
        rows = change(list(reader))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue())


def _set(rows: list[dict[str, str]], key: str, value: str, **changes: str):
    for row in rows:
        if row[key] == value:
            row.update(changes)
    return rows


def too_few_labs(folder: Path) -> None:
    """LAB-2 and LAB-3 are gone: one lab room for every practical."""
    _edit(folder, "rooms", lambda rows: [r for r in rows if r["code"] not in ("LAB-2", "LAB-3")])


def teacher_over_maximum(folder: Path) -> None:
    """F001 teaches 10 periods a week but may teach at most 6."""
    _edit(folder, "faculty", lambda rows: _set(rows, "employee_id", "F001", max_hours_per_week="6"))


def clashing_fixed_sessions(folder: Path) -> None:
    """A second fixed session in LH-201 on MON P2, for ECE-3A, beside CSE-3A's MA201."""
    _edit(
        folder,
        "fixed_sessions",
        lambda rows: [
            *rows,
            {"batch": "ECE-3A", "subject": "EC201", "day": "MON", "period": "2", "room": "LH-201"},
        ],
    )


def shift_too_short(folder: Path) -> None:
    """The MORNING shift (ECE-5A) is cut to periods 1-2: 10 periods a week for 16."""
    _edit(folder, "shifts", lambda rows: _set(rows, "code", "MORNING", periods="1-2"))


def over_subscribed_elective(folder: Path) -> None:
    """58 of 60 CSE-5 students chose CS353 (needs a projector). LH-202 has lost its
    projector, so LH-201 is the one room for it, and after the import the office records
    that LH-201 now seats 48 (``import_csv`` itself refuses an option bigger than every
    room that suits it, so this one arrives by an edit). MA201's fixed session no longer
    names a room."""

    def enrol(rows: list[dict[str, str]]) -> list[dict[str, str]]:
        for n, row in enumerate(rows):
            row["subject"] = ("CS351", "CS352")[n] if n < 2 else "CS353"
        return rows

    _edit(folder, "enrollments", enrol)
    _edit(folder, "rooms", lambda rows: _set(rows, "code", "LH-202", features=""))
    _edit(folder, "fixed_sessions", lambda rows: _set(rows, "subject", "MA201", room=""))


def _reseat_lh201() -> None:
    from academics.models import Room

    Room.objects.filter(code="LH-201").update(capacity=48)


VARIANTS: dict[str, Callable[[Path], None]] = {
    "too few labs": too_few_labs,
    "teacher over max": teacher_over_maximum,
    "clashing fixed": clashing_fixed_sessions,
    "shift too short": shift_too_short,
    "elective oversubscribed": over_subscribed_elective,
}


AFTER_IMPORT: dict[str, Callable[[], None]] = {"elective oversubscribed": _reseat_lh201}


@dataclass(frozen=True)
class Outcome:
    name: str
    status: str
    reason: str
    remedies: list[str]
    seconds: float


def _run(name: str, scratch: Path, time_limit: int) -> Outcome:
    from django.core.management import CommandError, call_command

    from timetabling.generation import generation_job_create, generation_job_run

    folder = scratch / name.replace(" ", "-")
    shutil.copytree(SAMPLE, folder)
    VARIANTS[name](folder)
    call_command("flush", interactive=False, verbosity=0)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_csv", "--dir", str(folder), verbosity=0, stdout=out, stderr=err)
    except CommandError as exc:
        raise SystemExit(f"{name}: the variant does not import: {exc}\n{err.getvalue()}") from exc
    if name in AFTER_IMPORT:
        AFTER_IMPORT[name]()
    started = time.monotonic()
    job = generation_job_create(user=None, time_limit_s=time_limit, enqueue=False)
    job = generation_job_run(job_id=job.pk)
    seconds = time.monotonic() - started
    # the first reason: the line after "Reasons:", else the first line
    text = job.error.split("\nRemedies")[0]
    lines = text.splitlines()
    reason = lines[1][2:] if len(lines) > 1 else (lines[0] if lines else "")
    return Outcome(name, job.status, reason, [r["text"] for r in job.remedies], seconds)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=int, default=20, help="the job's solver limit (s)")
    parser.add_argument("--budget", type=float, default=60.0, help="GENERATION_REMEDY_BUDGET_S")
    parser.add_argument("--only", choices=sorted(VARIANTS), action="append")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="sih28-remedies-"))
    _setup_django(f"sqlite:///{scratch / 'bench.sqlite3'}")
    from django.conf import settings
    from django.core.management import call_command

    settings.GENERATION_REMEDY_BUDGET_S = args.budget
    logging.getLogger("timetabling").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    print(f"time limit {args.time_limit} s, remedy budget {args.budget:g} s, "
          f"python {sys.version.split()[0]}")  # fmt: skip
    outcomes = [_run(name, scratch, args.time_limit) for name in args.only or VARIANTS]
    print()
    print("| variant | status | first reason | verified remedies | job s |")
    print("|---|---|---|---|---:|")
    for o in outcomes:
        remedies = "<br>".join(o.remedies) or "none"
        print(f"| {o.name} | {o.status} | {o.reason} | {remedies} | {o.seconds:.1f} |")
    infeasible = [o for o in outcomes if o.status == "FAILED"]
    helped = [o for o in infeasible if o.remedies]
    print()
    print(f"verified remedy proposed: {len(helped)} of {len(infeasible)} infeasible variants")
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
