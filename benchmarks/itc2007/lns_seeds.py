"""Compare LNS neighbourhoods over several seeds from one shared starting timetable.

    python -m benchmarks.itc2007.lns_seeds FILE [--start S] [--lns S] [--seeds N]
                                           [--without NAME ...] [--workers N]

Single runs of the whole pipeline spread widely (comp12 gave 344-375 at 300 s with the
same code), so a change to the large-neighbourhood search is judged here on several seeds
from the *same* start: plain CP-SAT on the time model for ``--start`` seconds (once), then
``timetabling.optimizer.lns.improve`` for ``--lns`` seconds per seed, once with every
neighbourhood and, for each ``--without`` given, once without those: an A/B from the same
start (plain CP-SAT with two workers does not repeat itself).

Prints one row per seed: the time model's objective at the start and the end (times only,
with the room-capacity bound; the rooms are not assigned, so this is the solver's objective
of a relaxation, not an evaluated timetable), the rounds run, and the objective points each
neighbourhood gained.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from ortools.sat.python import cp_model

from timetabling.optimizer import SolveOptions, lns
from timetabling.optimizer.clock import Clock
from timetabling.optimizer.domain import prepare
from timetabling.optimizer.itc2007 import read_ctt
from timetabling.optimizer.solver import (
    SearchWatch,
    build_time_model,
    capture,
    make_solver,
    objective_of,
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.itc2007.lns_seeds",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("file", type=Path, help="an ITC-2007 .ctt file")
    ap.add_argument("--start", type=float, default=40.0, help="seconds of plain CP-SAT")
    ap.add_argument("--lns", type=float, default=60.0, help="seconds of LNS per seed")
    ap.add_argument("--seeds", type=int, default=4, help="seeds 0..N-1 (default 4)")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument(
        "--without",
        action="append",
        default=[],
        choices=sorted(lns.NEIGHBOURHOODS),
        help="leave this neighbourhood out (repeatable)",
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    problem = read_ctt(args.file).problem
    tm = build_time_model(prepare(problem))
    tm.model.minimize(objective_of(tm.terms))

    opts = SolveOptions(time_limit_s=args.start, workers=args.workers, seed=0)
    clock = Clock(args.start, deterministic=False)
    solver = make_solver(opts, args.start, clock=clock)
    status = SearchWatch(time.monotonic(), None, None, clock=clock).run(solver, tm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        print(f"no timetable after {args.start:.0f} s of plain CP-SAT")
        return 1
    start = capture(solver, tm)

    everything = list(lns.NEIGHBOURHOODS)
    variants = [("all", everything)]
    if args.without:
        variants.append(
            ("-" + ",".join(args.without), [n for n in everything if n not in args.without])
        )
    print(
        f"{args.file.stem}: start {start.objective} after {args.start:g} s; "
        f"{args.lns:g} s of LNS per seed and variant"
    )
    header = f"{'seed':>4} {'variant':<16} {'start':>6} {'end':>6} {'rounds':>6}  gained by"
    print(header)
    print("-" * (len(header) + 30))
    ends: dict[str, list[int]] = {label: [] for label, _ in variants}
    try:
        for seed in range(args.seeds):
            for label, names in variants:
                lns.TRACE = []
                run_opts = SolveOptions(time_limit_s=args.lns, workers=args.workers, seed=seed)
                best, _ = lns.improve(
                    tm,
                    start,
                    run_opts,
                    clock=Clock(args.lns, deterministic=False),
                    deadline=args.lns,
                    rng=random.Random(seed),
                    neighbourhoods=names,
                )
                gained: Counter[str] = Counter()
                current = start.objective
                for name, _size, _status, objective, _secs in lns.TRACE:
                    if 0 <= objective < current:
                        gained[name] += current - objective
                        current = objective
                ends[label].append(best.objective)
                shares = ", ".join(f"{n} {g}" for n, g in gained.most_common())
                print(
                    f"{seed:>4} {label:<16} {start.objective:>6} {best.objective:>6} "
                    f"{len(lns.TRACE):>6}  {shares or '-'}",
                    flush=True,
                )
    finally:
        lns.TRACE = None
    print("-" * (len(header) + 30))
    for label, values in ends.items():
        print(
            f"{label:<16} mean end {statistics.fmean(values):.1f}, "
            f"spread {min(values)}-{max(values)}, seeds {len(values)}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
