"""Editing by hand on a realistic institution: how fast a move is checked, and pins.

Generates and imports the seeded institution of ``benchmarks.institution`` (about 48
batches) into a scratch SQLite database (or ``--database-url``), generates and publishes a
timetable in-process, then prints:

- the time to answer a dry-run move and the "where can this go" list for random sessions
  (median and 95th percentile), through the service the API calls (which builds the problem
  from the database each time) and for the optimizer's pure check alone;
- pins: a draft with manual moves and pinned sessions (``--pins`` in all) is regenerated
  with stay-close: do all pinned sessions stay, and how many other sessions moved against
  the published timetable, beside a from-scratch regeneration.

    python -m benchmarks.moves [--time-limit 40] [--samples 50] [--pins 100] [--greedy]
        [--no-pins]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.generation import _run, _setup_django


def _timed(samples: list[Any], fn: Callable[[Any], Any]) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds per sample (CPU time is what a busy machine's other
    processes do not inflate)."""
    wall, cpu = [], []
    for sample in samples:
        started, used = time.perf_counter(), time.process_time()
        fn(sample)
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - used) * 1000)
    return wall, cpu


def _p95(ms: list[float]) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _row(label: str, timed: tuple[list[float], list[float]]) -> None:
    wall, cpu = timed
    print(
        f"{label:<48}{statistics.median(wall):>9.1f}{_p95(wall):>9.1f}"
        f"{statistics.median(cpu):>11.1f}{_p95(cpu):>9.1f}"
    )


def _greedy_job() -> Any:
    """A completed job holding a first-fit timetable, saved as a run saves its slots."""
    from benchmarks.generation import greedy_schedule
    from timetabling import optimizer as opt
    from timetabling.generation import generation_problem_build
    from timetabling.models import GenerationJob, JobStatus, TimetableSlot

    job = GenerationJob.objects.create(status=JobStatus.COMPLETED)
    gen = generation_problem_build(job=job)
    sessions = greedy_schedule(gen.problem)
    length = {c.id: c.periods_per_session for c in gen.problem.classes}
    TimetableSlot.objects.bulk_create(
        TimetableSlot(
            job=job,
            offering_id=o.pk,
            batch_id=o.batch_id,
            faculty_id=o.faculty_id,
            room_id=s.room,
            day=s.day,
            period=s.period + 1,
            length=length[s.class_id],
            primary=i == 0,
        )
        for s in sessions
        for i, o in enumerate(gen.offerings_of[s.class_id])
    )
    hard = opt.evaluate(gen.problem, sessions).hard
    print(
        f"first-fit timetable: {len(sessions)} sessions; hard violations "
        + (", ".join(f"{k} {v}" for k, v in hard.items() if v) or "none")
    )
    return job


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--time-limit", type=int, default=40, help="each generation's limit")
    parser.add_argument("--samples", type=int, default=50, help="random sessions timed")
    parser.add_argument("--pins", type=int, default=100, help="pinned sessions (manual moves too)")
    parser.add_argument("--manual-moves", type=int, default=10)
    parser.add_argument(
        "--greedy",
        action="store_true",
        help="start from a first-fit timetable instead of a solve",
    )
    parser.add_argument("--no-pins", action="store_true", help="skip the pins part (two solves)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--database-url", default="", help="default: a scratch SQLite file in a temporary directory"
    )
    args = parser.parse_args(argv)

    scratch = Path(tempfile.mkdtemp(prefix="sih28-moves-"))
    _setup_django(args.database_url or f"sqlite:///{scratch / 'bench.sqlite3'}")
    from django.conf import settings
    from django.core.management import call_command

    from benchmarks.institution import generate
    from timetabling import editing
    from timetabling.generation import timetable_publish_direct
    from timetabling.models import GenerationJob, TimetableSlot
    from timetabling.optimizer import moves

    settings.GENERATION_WORKERS = args.workers
    rng = random.Random(args.seed)
    counts = generate(args.seed).write(scratch / "csv")
    print("institution: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    print(
        f"database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
        f"python {sys.version.split()[0]}"
    )
    call_command("migrate", verbosity=0)
    call_command("import_csv", "--dir", str(scratch / "csv"))
    job = _greedy_job() if args.greedy else _run("Generation", args.time_limit)
    timetable_publish_direct(job_id=job.pk, user=None)

    # --- speed ---------------------------------------------------------------------------
    draft = editing.draft_load(job=job)
    problem, sessions = draft.problem, draft.sessions
    print(
        f"\ntimetable: {len(sessions)} sessions of {len(problem.classes)} classes, "
        f"{len(problem.batches)} batches, {len(problem.rooms)} rooms"
    )
    g = problem.grid
    picks = rng.sample(range(len(sessions)), min(args.samples, len(sessions)))
    targets = []
    for i in picks:
        kind = next(c.kind for c in problem.classes if c.id == sessions[i].class_id)
        room = rng.choice([r for r in problem.rooms if r.kind == kind])
        targets.append((i, rng.randrange(g.days), rng.randrange(g.periods_per_day), room.id))
    day_names = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")

    print(f"\n## Time to answer ({len(picks)} random sessions), ms")
    print(f"{'':<48}{'wall':>9}{'':>9}{'cpu':>11}")
    print(f"{'':<48}{'median':>9}{'p95':>9}{'median':>11}{'p95':>9}")
    clean = [0]

    def pure_move(t: tuple[int, int, int, int]) -> None:
        clean[0] += moves.check_move(problem, sessions, *t).ok

    _row("dry-run move, check only", _timed(targets, pure_move))
    _row(
        "dry-run move, service (builds from the db)",
        _timed(
            targets,
            lambda t: editing.timetable_move(
                user=None,
                job_id=job.pk,
                slot_id=draft.slots[t[0]][0],
                day=day_names[t[1]],
                period=t[2] + 1,
                room=draft.room_codes[t[3]],
                dry_run=True,
            ),
        ),
    )
    option_counts: list[int] = []
    _row(
        "where can this go, list only",
        _timed(
            picks, lambda i: option_counts.append(len(moves.move_options(problem, sessions, i)))
        ),
    )
    _row(
        "where can this go, service (builds from the db)",
        _timed(picks, lambda i: editing.slot_move_options(user=None, slot_id=draft.slots[i][0])),
    )
    _row("problem build from the db alone", _timed(picks, lambda i: editing.draft_load(job=job)))
    print(
        f"random moves without a hard violation: {clean[0]}/{len(targets)}; places listed per "
        f"session: median {statistics.median(option_counts):.0f}, max {max(option_counts)}"
    )

    if args.no_pins:
        return

    # --- pins ----------------------------------------------------------------------------
    print(f"\n## Pins: {args.manual_moves} manual moves, {args.pins} pinned sessions in all")
    first = rng.choice(range(len(sessions)))
    options = moves.move_options(problem, sessions, first, limit=1)
    if not options:
        raise SystemExit("no clean place for the first manual move")
    o = options[0]
    outcome = editing.timetable_move(
        user=None,
        job_id=job.pk,
        slot_id=draft.slots[first][0],
        day=day_names[o.day],
        period=o.period + 1,
        room=draft.room_codes[o.room],
    )
    edited = GenerationJob.objects.get(pk=outcome.job_id)  # a draft copied from the published
    made = 1
    for _ in range(args.manual_moves * 5):
        if made >= args.manual_moves:
            break
        d = editing.draft_load(job=edited)
        i = rng.randrange(len(d.sessions))
        found = moves.move_options(d.problem, d.sessions, i, limit=3)
        if not found:
            continue
        o = rng.choice(found)
        editing.timetable_move(
            user=None,
            job_id=edited.pk,
            slot_id=d.slots[i][0],
            day=day_names[o.day],
            period=o.period + 1,
            room=d.room_codes[o.room],
        )
        made += 1
    d = editing.draft_load(job=edited)
    unpinned = [
        i for i, ids in enumerate(d.slots) if not TimetableSlot.objects.get(pk=ids[0]).pinned
    ]
    for i in rng.sample(unpinned, max(0, min(len(unpinned), args.pins - made))):
        editing.timetable_slot_pin(user=None, slot_id=d.slots[i][0])
    pinned = set(
        edited.slots.filter(pinned=True).values_list("offering_id", "day", "period", "room_id")
    )
    pinned_sessions = edited.slots.filter(pinned=True, primary=True).count()
    print(f"manual moves made: {made}; pinned sessions: {pinned_sessions} ({len(pinned)} slots)")

    pinned_words = set(
        edited.slots.filter(pinned=True).values_list(
            "batch__code", "offering__subject__code", "day", "period", "room__code"
        )
    )

    def report(label: str, regen: GenerationJob) -> None:
        kept = set(
            regen.slots.filter(offering_id__in={p[0] for p in pinned}).values_list(
                "offering_id", "day", "period", "room_id"
            )
        )
        changes = editing.job_changes(job_id=regen.pk)[1]

        def others(found: tuple[Any, ...]) -> int:
            return sum(
                (c.batch, c.subject, c.after.day, c.after.period, c.after.room) not in pinned_words
                for c in found
            )

        print(
            f"{label:<20} pins held {len(pinned & kept)}/{len(pinned)} slots; other slots moved "
            f"against the published timetable: {others(changes.time_moves)} in time, "
            f"{others(changes.room_moves)} in room only (all moves: "
            f"{100 * changes.share(changes.time_moves):.1f} % in time, "
            f"{100 * changes.share(changes.room_moves):.1f} % in room, of {changes.sessions})"
        )

    stay = _run("Regenerate with stay-close and the pins", args.time_limit, stay_close=True)
    scratch_job = _run("Regenerate from scratch", args.time_limit, stay_close=False)
    print()
    report("stay-close + pins", stay)
    report("from scratch", scratch_job)


if __name__ == "__main__":
    main()
