"""Timetable generation on a realistic institution: quality, overhead and minimal change.

Generates the seeded institution of ``benchmarks.institution`` as CSV files, imports it with
``import_csv --dir`` into a scratch SQLite database (or ``--database-url``), runs a
generation job in-process through the same services as the API and prints:

- hard violations (by the optimizer's independent evaluator) and every soft penalty;
- the batches' idle periods and isolated periods beside a simple greedy schedule's;
- the time spent outside the solver (building the problem + saving the slots) as a
  percentage of the solve time;
- minimal-change regeneration: after one faculty member loses a day, the sessions moved
  with ``stay_close`` versus regenerating from scratch.

    python -m benchmarks.generation [--time-limit 120] [--workers 2] [--regen-time-limit 60]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789")
    os.environ["SENTRY_DSN"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sih28.settings")
    import django

    django.setup()


def greedy_schedule(problem: Any) -> list[Any]:
    """A simple first-fit schedule: the hardest classes first, each session at the earliest
    free period of a day the class does not meet on yet, in the smallest free room that
    fits. Respects every hard rule it can; sessions it cannot place are left out."""
    from timetabling import optimizer as opt
    from timetabling.optimizer.domain import class_size, covered

    g = problem.grid
    busy: set[tuple[str, int, int, int]] = set()
    day_load: Counter[tuple[int, int]] = Counter()
    week_load: Counter[int] = Counter()
    for fs in problem.fixed:
        for d, p in covered(fs.day, fs.period, fs.length):
            busy.update(("b", b, d, p) for b in fs.batches)
            if fs.faculty is not None:
                busy.add(("f", fs.faculty, d, p))
                day_load[(fs.faculty, d)] += 1
                week_load[fs.faculty] += 1
            if fs.room is not None:
                busy.add(("r", fs.room, d, p))
    faculty = {f.id: f for f in problem.faculty}
    rooms = sorted(problem.rooms, key=lambda r: r.capacity)
    sessions: list[opt.Session] = []
    order = sorted(
        problem.classes,
        key=lambda c: (-c.periods_per_session, -len(c.batches), -c.sessions_per_week, c.id),
    )
    for cls in order:
        n = cls.periods_per_session
        size = class_size(problem, cls)
        fac = faculty.get(cls.faculty) if cls.faculty is not None else None
        used_days: set[int] = set()
        for _ in range(cls.sessions_per_week):
            starts = sorted(
                (
                    (d, p)
                    for d in range(g.days)
                    for p in range(g.periods_per_day)
                    if g.can_start(d, p, n)
                ),
                key=lambda s: (s[0] in used_days, s[1], s[0]),
            )
            for d, p in starts:
                cells = covered(d, p, n)
                if fac is not None:
                    if any(c in fac.unavailable for c in cells):
                        continue
                    if (
                        fac.max_periods_per_day
                        and day_load[(fac.id, d)] + n > fac.max_periods_per_day
                    ):
                        continue
                    if (
                        fac.max_periods_per_week
                        and week_load[fac.id] + n > fac.max_periods_per_week
                    ):
                        continue
                    if any(("f", fac.id, *c) in busy for c in cells):
                        continue
                if any(("b", b, *c) in busy for b in cls.batches for c in cells):
                    continue
                room = next(
                    (
                        r
                        for r in rooms
                        if r.kind == cls.kind
                        and r.capacity >= size
                        and not any(("r", r.id, *c) in busy for c in cells)
                    ),
                    None,
                )
                if room is None:
                    continue
                for c in cells:
                    busy.update(("b", b, *c) for b in cls.batches)
                    busy.add(("r", room.id, *c))
                    if fac is not None:
                        busy.add(("f", fac.id, *c))
                if fac is not None:
                    day_load[(fac.id, d)] += n
                    week_load[fac.id] += n
                used_days.add(d)
                sessions.append(opt.Session(cls.id, d, p, room.id))
                break
    return sessions


def _progress(progress: dict[str, Any]) -> None:
    line = f"  {progress.get('elapsed_s', 0):6.1f}s"
    if progress.get("objective") is not None:
        line += f"  objective {progress['objective']:g}  bound {progress.get('bound', 0):g}"
    print(line, flush=True)


def _run(label: str, time_limit: int, **kwargs: Any) -> Any:
    from timetabling.generation import generation_job_create, generation_job_run

    job = generation_job_create(user=None, time_limit_s=time_limit, enqueue=False, **kwargs)
    print(f"\n== {label}: job {job.pk}, time limit {time_limit} s", flush=True)
    started = time.monotonic()
    job = generation_job_run(job_id=job.pk, on_progress=_progress)
    print(f"   {job.status} in {time.monotonic() - started:.1f} s {job.error}", flush=True)
    if job.status != "COMPLETED":
        raise SystemExit(f"{label} did not complete: {job.error}")
    return job


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=int, default=120)
    parser.add_argument(
        "--regen-time-limit",
        type=int,
        default=60,
        help="time limit of each regeneration after the change",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default="", help="default: a scratch SQLite file in a temporary directory"
    )
    parser.add_argument("--keep", type=Path, help="write the CSV files here (else temporary)")
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="sih28-bench-"))
    _setup_django(args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}")
    from django.conf import settings
    from django.core.management import call_command

    from academics.models import FacultyUnavailability, TimeSlot
    from benchmarks.institution import generate
    from timetabling import optimizer as opt
    from timetabling.generation import (
        JobMetrics,
        generation_problem_build,
        timetable_publish_direct,
    )

    settings.GENERATION_WORKERS = args.workers
    csv_dir = args.keep or scratch / "csv"
    counts = generate(args.seed).write(csv_dir)
    print("institution: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"solver workers: {args.workers}, python {sys.version.split()[0]}"
    )
    call_command("migrate", verbosity=0)
    call_command("import_csv", "--dir", str(csv_dir))

    job = _run("Generation", args.time_limit)
    m = JobMetrics.of(job)
    if m is None:
        raise SystemExit(f"job {job.pk} ended {job.status}: {job.error}")
    gen = generation_problem_build(job=job)
    problem = gen.problem
    solved = opt.evaluate(
        problem,
        [
            opt.Session(s.offering_id, s.day, s.period - 1, s.room_id)
            for s in job.slots.filter(primary=True)
            if s.offering_id in gen.offerings_of
        ],
    )
    t0 = time.monotonic()
    greedy_sessions = greedy_schedule(problem)
    greedy_time = time.monotonic() - t0
    greedy = opt.evaluate(problem, greedy_sessions)
    wanted = sum(c.sessions_per_week for c in problem.classes)

    print("\n## Result")
    print(
        f"classes {m.classes}, sessions {m.sessions} (slots {m.slots}), "
        f"variables {m.variables}, constraints {m.constraints}, status {m.status}"
    )
    print(
        f"hard violations (independent evaluator): {m.hard_violations} "
        f"(re-evaluated from the saved slots: {solved.hard_total})"
    )
    print(f"soft penalty: {m.soft_penalty} (solver objective {m.objective}, bound {m.bound})")
    print(f"{'penalty':<20}{'count':>7}{'weight':>8}{'cost':>7}")
    for name, p in m.penalties.items():
        print(f"{name:<20}{p.count:>7}{p.weight:>8}{p.cost:>7}")

    print("\n## Batches' day shape: solver vs a simple greedy schedule")
    print(
        f"{'schedule':<10}{'placed':>12}{'hard':>6}{'idle periods':>14}{'isolated':>10}"
        f"{'soft total':>12}{'time s':>8}"
    )
    print(
        f"{'solver':<10}{m.sessions:>7}/{wanted:<4}{solved.hard_total:>6}"
        f"{solved.penalty('idle_gap'):>14}{solved.penalty('isolated'):>10}"
        f"{solved.soft_total:>12}{m.solve_time_s:>8.1f}"
    )
    print(
        f"{'greedy':<10}{len(greedy_sessions):>7}/{wanted:<4}{greedy.hard_total:>6}"
        f"{greedy.penalty('idle_gap'):>14}{greedy.penalty('isolated'):>10}"
        f"{greedy.soft_total:>12}{greedy_time:>8.2f}"
    )
    if greedy.hard_total:
        print(
            "   greedy hard violations: "
            + ", ".join(f"{k} {v}" for k, v in greedy.hard.items() if v)
        )

    outside = m.build_time_s + m.save_time_s
    print("\n## Time outside the solver")
    print(
        f"build {m.build_time_s:.3f} s + save {m.save_time_s:.3f} s = {outside:.3f} s "
        f"= {100 * outside / m.solve_time_s:.2f} % of the solve time "
        f"({m.solve_time_s:.1f} s; first feasible after "
        f"{m.time_to_first_feasible_s} s)"
    )

    # --- minimal change ----------------------------------------------------------------
    timetable_publish_direct(job_id=job.pk, user=None)
    busiest = Counter(
        job.slots.filter(primary=True).values_list("faculty__employee_id", "faculty_id", "day")
    )
    (employee_id, faculty_id, day), lost = busiest.most_common(1)[0]
    periods = TimeSlot.objects.filter(day=day).values_list("period", flat=True)
    FacultyUnavailability.objects.bulk_create(
        [FacultyUnavailability(faculty_id=faculty_id, day=day, period=p) for p in periods],
        ignore_conflicts=True,
    )
    day_name = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")[day]
    print(
        f"\n## Minimal change: {employee_id} loses {day_name} "
        f"({lost} of their sessions were on that day)"
    )
    close = _run("Regeneration, stay close", args.regen_time_limit, stay_close=True)
    scratch_job = _run("Regeneration, from scratch", args.regen_time_limit)
    print(f"\n{'regeneration':<14}{'moved':>7}{'of':>6}{'hard':>6}{'soft':>7}{'time s':>8}")
    for label, j in (("stay close", close), ("from scratch", scratch_job)):
        jm = JobMetrics.of(j)
        if jm is None:
            print(f"{label:<14} job {j.pk} ended {j.status}: {j.error}")
            continue
        moving = jm.penalties.get("previous_distance")
        soft = jm.soft_penalty - (moving.cost if moving else 0)
        print(
            f"{label:<14}{jm.moved:>7}{jm.previous_sessions:>6}"
            f"{jm.hard_violations:>6}{soft:>7}{jm.solve_time_s:>8.1f}"
        )
    print(
        "(soft = the penalty without the cost of moving; moved = published sessions not at "
        "their previous day and period)"
    )


if __name__ == "__main__":
    main()
