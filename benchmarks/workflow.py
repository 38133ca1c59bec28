"""Variants and leave cover on the generated institution (``benchmarks.institution``).

Imports the seeded institution into a scratch SQLite database (or ``--database-url``) and
prints:

(a) K variants (default 3) of the whole institution, made in this process one after
    another through the same services as ``generate_timetable --variants``: each
    variant's soft penalty beside the best, and the pairwise share of sessions that differ;
(b) a week's leave for 5 % of the teachers against the published (first) variant: the
    share of touched sessions that a substitute covers, that move, and that stay open,
    accepting the best proposal of each in turn, and the time taken to propose.

    python -m benchmarks.workflow [--time-limit 30] [--variants 3] [--leave-share 0.05]
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import random
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.generation import _setup_django


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-limit", type=int, default=30, help="seconds per variant")
    parser.add_argument("--variants", type=int, default=3)
    parser.add_argument("--leave-share", type=float, default=0.05)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="sih28-bench-"))
    _setup_django(args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}")
    from django.conf import settings
    from django.core.management import call_command

    from academics.models import Faculty
    from benchmarks.institution import generate
    from timetabling import leave
    from timetabling.generation import (
        generation_job_create,
        generation_job_run,
        timetable_publish_direct,
        variant_choose,
        variant_comparison,
    )
    from timetabling.models import FacultyLeave, GenerationJob

    settings.GENERATION_WORKERS = args.workers
    logging.getLogger("timetabling").setLevel(logging.WARNING)
    counts = generate(args.seed).write(scratch / "csv")
    print("institution: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    print(f"solver workers: {args.workers}, python {sys.version.split()[0]}")
    call_command("migrate", verbosity=0)
    call_command("import_csv", "--dir", str(scratch / "csv"), verbosity=0)

    # --- (a) variants ------------------------------------------------------------------
    first = generation_job_create(
        user=None, time_limit_s=args.time_limit, enqueue=False, variants=args.variants
    )
    jobs = list(GenerationJob.objects.filter(variant_group=first.variant_group).order_by("pk"))
    for job in jobs:
        started = time.monotonic()
        done = generation_job_run(job_id=job.pk)
        print(
            f"  variant {job.variant_label:<11} {done.status} in {time.monotonic() - started:.0f} s"
        )
    comparison = variant_comparison(group=first.variant_group)
    solved = [v for v in comparison.variants if v.soft_penalty is not None]
    if not solved:
        raise SystemExit("no variant completed")
    best = min(v.soft_penalty_balanced or 0 for v in solved)
    print(f"\n## (a) {args.variants} variants, {args.time_limit} s each")
    print(
        f"{'variant':<12}{'hard':>5}{'own soft':>9}{'at today':>9}{'vs best':>9}"
        f"{'idle/batch':>11}{'room use':>9}{'day sd':>7}"
    )
    for v in comparison.variants:
        if v.soft_penalty is None:
            print(f"{v.label:<12} {v.status}")
            continue
        print(
            f"{v.label:<12}{v.hard_violations:>5}{v.soft_penalty:>9}"
            f"{v.soft_penalty_balanced:>9}{(v.soft_penalty_balanced or 0) - best:>+9}"
            f"{v.idle_periods_per_batch:>11}{v.room_utilisation:>9.1%}{v.load_std_dev:>7}"
        )
    labels = {v.job_id: v.label for v in comparison.variants}
    for pair in comparison.pairs:
        print(
            f"  {labels[pair.first]} vs {labels[pair.second]}: "
            f"{pair.share:.0%} of sessions differ ({pair.differ})"
        )

    # --- (b) a week's leave for a share of the teachers ---------------------------------
    published = next(v for v in comparison.variants if v.soft_penalty is not None)
    variant_choose(job_id=published.job_id, user=None)
    timetable_publish_direct(job_id=published.job_id, user=None)
    rng = random.Random(args.seed)
    teachers = list(Faculty.objects.filter(slots__active=True).distinct().order_by("pk"))
    away = rng.sample(teachers, max(1, round(len(teachers) * args.leave_share)))
    today = dt.date.today()
    monday = today + dt.timedelta(days=7 - today.weekday())
    leaves = [
        FacultyLeave.objects.create(faculty=t, start=monday, end=monday + dt.timedelta(days=5))
        for t in away
    ]
    covered = moved = open_ = 0
    propose_s = 0.0
    first_s: list[float] = []
    for item in leaves:
        while True:
            t0 = time.monotonic()
            gaps = [g for g in leave.leave_gaps(leave=item) if g.covered_by is None]
            took = time.monotonic() - t0
            propose_s += took
            if len(first_s) < leaves.index(item) + 1:
                first_s.append(took)
            todo = [g for g in gaps if g.candidates or g.moves]
            if not todo:
                open_ += len(gaps)
                break
            gap = todo[0]
            if gap.candidates:
                substitute, period = gap.candidates[0].faculty_id, None
                covered += 1
            else:
                substitute, period = gap.moves[0].substitute.faculty_id, gap.moves[0].period
                moved += 1
            leave.session_override_accept(
                user=None,
                leave_id=item.pk,
                slot_id=gap.session.slot_id,
                date=gap.date,
                substitute_id=substitute,
                period=period,
            )
    touched = covered + moved + open_
    print(
        f"\n## (b) a week's leave for {len(away)} of {len(teachers)} teachers "
        f"({args.leave_share:.0%})"
    )
    if touched:
        print(
            f"sessions touched {touched}: covered by a substitute {covered / touched:.0%}, "
            f"moved {moved / touched:.0%}, left open {open_ / touched:.0%}"
        )
    print(
        f"time to propose: {max(first_s):.2f} s at most for one leave's week "
        f"(mean {sum(first_s) / len(first_s):.2f} s); {propose_s:.2f} s for all calls, "
        f"proposals recomputed after each acceptance"
    )


if __name__ == "__main__":
    main()
