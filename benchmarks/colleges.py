"""Colleges as they are: build the generated college in a fresh database, solve, compare.

Each college runs in its own child process with its own scratch SQLite database (or the
``--database-url`` given): the rows of ``benchmarks.institution`` (``--college`` = issue
21's college: lab groups, elective baskets, students; ``--placement`` = issue 22's: shifts,
lab features, closures, teacher wishes, fixed sessions) are written with the ORM, the
problem is built by the same builder a generation job uses, solved with a time limit and
scored by the independent evaluator. The table:

- batches, students, classes of the problem;
- first feasible (s) and the solver's status at the limit;
- hard violations by kind (0 expected) and the soft penalty by name at the limit;
- a greedy baseline's soft penalty and the sessions it could not place;
- teacher preferences met: the share of the teaching periods of teachers with wishes that
  fall in a ``prefer`` period (teachers who prefer) or outside an ``avoid`` period (teachers
  who avoid);
- the peak memory (maximum resident set) of the child process before and after the solve.

    python -m benchmarks.colleges [--which 21 22] [--scale 1] [--time-limit 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _setup_django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789")
    os.environ["SENTRY_DSN"] = ""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sih28.settings")
    import django

    django.setup()


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def preferences_met(problem: Any, sessions: list[Any]) -> tuple[int, int]:
    """(met, counted) teaching periods of the teachers who have prefer or avoid periods."""
    from timetabling.optimizer.domain import covered

    classes = {c.id: c for c in problem.classes}
    faculty = {f.id: f for f in problem.faculty}
    met = counted = 0
    for s in sessions:
        cls = classes.get(s.class_id)
        fac = faculty.get(cls.faculty) if cls is not None and cls.faculty is not None else None
        if fac is None:
            continue
        for cell in covered(s.day, s.period, cls.periods_per_session):
            if fac.prefer:
                counted += 1
                met += cell in fac.prefer
            if fac.avoid:
                counted += 1
                met += cell not in fac.avoid
    return met, counted


def run_one(
    which: str, scale: int, time_limit: float, workers: int, seed: int, url: str, weighting: str
) -> dict:
    """Build, solve and score one college (in this process); the row of the table."""
    scratch = Path(tempfile.mkdtemp(prefix="sih28-college-"))
    _setup_django(url or f"sqlite:///{scratch / 'college.sqlite3'}")
    from django.core.management import call_command

    from benchmarks.college_load import college_load
    from benchmarks.greedy import greedy_college
    from benchmarks.institution import College, generate
    from timetabling import optimizer as opt
    from timetabling.generation import generation_job_create, generation_problem_build
    from timetabling.generation.variants import variant_weights

    call_command("migrate", verbosity=0)
    if url:
        call_command("flush", interactive=False, verbosity=0)  # a fresh database each time
    college = College.of(college=True, placement=which == "22", scale=scale)
    started = time.monotonic()
    college_load(generate(seed, college))
    load_s = time.monotonic() - started
    job = generation_job_create(user=None, time_limit_s=int(time_limit), enqueue=False)
    started = time.monotonic()
    gen = generation_problem_build(job=job)
    build_s = time.monotonic() - started
    problem = gen.problem
    if weighting:
        problem = dataclasses.replace(problem, weights=variant_weights(weighting, problem.weights))
    row: dict[str, Any] = {
        "college": f"{which} x{scale}" + (f" {weighting}" if weighting else ""),
        "batches": len(problem.batches),
        "students": len(problem.students),
        "classes": len(problem.classes),
        "sessions": sum(c.sessions_per_week for c in problem.classes),
        "pins": sum(len(c.pins) for c in problem.classes),
        "issues": gen.issues,
        "scope_notes": gen.scope_notes,
        "load_s": round(load_s, 1),
        "build_s": round(build_s, 2),
        "peak_before_mb": round(_peak_mb()),
    }
    greedy = greedy_college(problem)
    greedy_eval = opt.evaluate(problem, greedy.sessions)
    g_met, g_counted = preferences_met(problem, greedy.sessions)
    row.update(
        greedy_soft=greedy_eval.soft_total,
        greedy_unplaced=greedy.unplaced,
        greedy_hard={k: v for k, v in greedy_eval.hard.items() if v and k != "missing_sessions"},
        greedy_prefs=round(g_met / g_counted, 3) if g_counted else None,
    )
    options = opt.SolveOptions(time_limit_s=time_limit, workers=workers, seed=seed)
    result = opt.solve(problem, options)
    row["peak_after_mb"] = round(_peak_mb())
    row["status"] = result.status.value
    row["first_feasible_s"] = result.stats.time_to_first_feasible_s
    row["wall_s"] = round(result.stats.wall_time_s, 1)
    row["explanation"] = list(result.explanation[:5])
    if result.has_solution:
        ev = opt.evaluate(problem, result.sessions)
        met, counted = preferences_met(problem, list(result.sessions))
        row.update(
            hard={k: v for k, v in ev.hard.items() if v},
            soft=ev.soft_total,
            penalties={p.name: p.cost for p in ev.penalties if p.cost},
            prefs=round(met / counted, 3) if counted else None,
        )
    return row


def _print_table(rows: list[dict]) -> None:
    print()
    head = (
        f"{'college':<16}{'batches':>8}{'students':>9}{'classes':>8}{'sessions':>9}"
        f"{'first s':>8}{'status':>11}{'hard':>6}{'soft':>7}{'greedy':>8}{'unplaced':>9}"
        f"{'prefs':>7}{'greedy prefs':>13}{'peak MB':>13}"
    )
    print(head)
    print("-" * len(head))
    for r in rows:
        first = r.get("first_feasible_s")
        hard = sum(r["hard"].values()) if "hard" in r else "-"
        print(
            f"{r['college']:<16}{r['batches']:>8}{r['students']:>9}{r['classes']:>8}"
            f"{r['sessions']:>9}{'-' if first is None else f'{first:.1f}':>8}{r['status']:>11}"
            f"{hard:>6}{r.get('soft', '-'):>7}{r['greedy_soft']:>8}{r['greedy_unplaced']:>9}"
            f"{r.get('prefs') if r.get('prefs') is not None else '-':>7}"
            f"{r['greedy_prefs'] if r['greedy_prefs'] is not None else '-':>13}"
            f"{r['peak_before_mb']:>6}->{r['peak_after_mb']:<6}"
        )
    for r in rows:
        print(
            f"\n{r['college']}: {r['pins']} pinned sessions; load {r['load_s']} s, "
            f"build {r['build_s']} s, solve {r['wall_s']} s"
        )
        if r["issues"]:
            print("  issues: " + " ".join(r["issues"][:5]))
        if "hard" in r:
            print("  hard violations by kind: " + (json.dumps(r["hard"]) if r["hard"] else "none"))
            print("  soft penalty by name: " + json.dumps(r["penalties"]))
        if r["greedy_hard"]:
            print("  greedy hard violations besides unplaced: " + json.dumps(r["greedy_hard"]))
        for line in r["explanation"]:
            print(f"  why: {line}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--which", nargs="+", choices=("21", "22"), default=["21", "22"])
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database-url", default="", help="default: a scratch SQLite file")
    parser.add_argument(
        "--weighting",
        default="",
        help="solve with a variant's weighting (e.g. teachers: preferences first)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        row = run_one(
            args.which[0],
            args.scale,
            args.time_limit,
            args.workers,
            args.seed,
            args.database_url,
            args.weighting,
        )
        print("ROW " + json.dumps(row), flush=True)
        return
    rows = []
    for which in args.which:
        print(
            f"== college of issue {which}, scale {args.scale}, time limit {args.time_limit} s",
            flush=True,
        )
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.colleges",
                "--child",
                "--which",
                which,
                "--scale",
                str(args.scale),
                "--time-limit",
                str(args.time_limit),
                "--workers",
                str(args.workers),
                "--seed",
                str(args.seed),
                "--database-url",
                args.database_url,
                "--weighting",
                args.weighting,
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        line = next((ln for ln in done.stdout.splitlines() if ln.startswith("ROW ")), None)
        if line is None:
            print(done.stdout[-2000:], done.stderr[-4000:])
            raise SystemExit(f"college {which} failed (exit {done.returncode})")
        rows.append(json.loads(line[4:]))
    _print_table(rows)


if __name__ == "__main__":
    main()
