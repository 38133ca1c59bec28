"""Several annealing chains per ITC-2007 instance from one start: the spread of the result.

    python -m benchmarks.itc2007.chains FILES... --time-limit S [--seeds N] [--parallel P]
                                        [--start-limit S] [--set NAME=VALUE ...]

A single 300 s run says little about a change to the annealer: on comp19, 60 s chains from
the same start end anywhere between 59 and 69. This tool takes, once per instance, the
timetable that ``solve`` hands to the annealer (CP-SAT and rooms, with the phase shares of a
``--start-limit`` solve, by default ``--time-limit``), then runs ``--seeds`` single
annealing chains of ``--time-limit`` seconds from that timetable,
``--parallel`` at a time (one per core), each scored by the evaluator. ``--set`` overrides one
of the annealer's schedule and move-mix constants (``TUNABLE``) in the chains,
so two runs of this command with and without it compare a change on equal terms. Prints one
row per instance: every seed's cost, then the mean and the best.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from unittest import mock

from benchmarks.itc2007.ctt import read_ctt
from timetabling.optimizer import SolveOptions, evaluate, solve
from timetabling.optimizer.clock import Clock
from timetabling.optimizer.domain import prepare

Placed = tuple[int, int, int, int]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.itc2007.chains",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("files", nargs="+", type=Path, help=".ctt files")
    ap.add_argument("--time-limit", type=float, required=True, help="seconds per chain")
    ap.add_argument("--seeds", type=int, default=4, help="chains per instance (default 4)")
    ap.add_argument("--parallel", type=int, default=2, help="chains at a time (default 2)")
    ap.add_argument(
        "--start-limit", type=float, help="time limit of the solve whose start is taken"
    )
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help=f"override one of {', '.join(TUNABLE)} in the chains",
    )
    args = ap.parse_args(argv)
    try:
        args.overrides = overrides(args.set)
    except ValueError as exc:
        ap.error(str(exc))
    return args


#: The annealer's constants that its Python driver reads on every call, so setting them in
#: a chain takes effect. (Constants read inside the compiled kernel, such as MAX_KEMPE, are
#: frozen when numba compiles it: setting them would silently change nothing.)
TUNABLE = ("T_START", "T_END", "P_SWAP", "P_ROOM", "P_KEMPE", "CYCLE_SECONDS")


def overrides(pairs: list[str]) -> dict[str, float]:
    """``NAME=VALUE`` pairs for the annealer's tunable constants."""
    out: dict[str, float] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        try:
            if not sep or name not in TUNABLE:
                raise ValueError
            out[name] = float(value)
        except ValueError:
            raise ValueError(
                f"--set {pair}: expected NAME=NUMBER with NAME one of {', '.join(TUNABLE)}"
            ) from None
    return out


class _Started(Exception):
    """Raised by the stand-in annealer to end ``solve`` with the start it was given."""

    def __init__(self, placed: list[Placed]) -> None:
        self.placed = placed


def _capture(prep: object, placed: list[Placed], **_: object) -> None:
    raise _Started(list(placed))


def start_of(path: Path, seconds: float) -> list[Placed] | str:
    """The timetable a ``seconds`` solve hands to the annealer, as (class index, day,
    period, room index) per session, so the chains start exactly where the solver's do; or,
    when the solve never anneals (times proven optimal, or no time left), what it ended with.
    """
    from timetabling.optimizer import anneal

    problem = read_ctt(path).problem
    with mock.patch.object(anneal, "anneal", _capture):
        try:
            res = solve(problem, SolveOptions(time_limit_s=seconds, workers=2, seed=0))
        except _Started as started:
            return started.placed
    cost = evaluate(problem, res.sessions).soft_total if res.sessions else "-"
    return f"no annealing: the solve ended {res.status.value} at cost {cost}"


def chain(path: Path, start: list[Placed], seed: int, seconds: float, sets: dict) -> int:
    """One annealing chain from ``start``; its best timetable's cost by the evaluator."""
    from timetabling.optimizer import anneal
    from timetabling.optimizer.model import Session

    for name, value in sets.items():
        setattr(anneal, name, value)
    problem = read_ctt(path).problem
    clock = Clock(seconds, deterministic=False)
    placed, _, _ = anneal.anneal(
        prepare(problem), start, chains=1, seed=seed, clock=clock, deadline=seconds
    )
    sessions = [Session(problem.classes[c].id, d, p, problem.rooms[r].id) for c, d, p, r in placed]
    ev = evaluate(problem, sessions)
    assert ev.hard_total == 0, "the annealer returned a timetable with clashes"
    return ev.soft_total


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from timetabling.optimizer import anneal

    anneal.warm_up()  # compile once here, not in every chain's time
    ctx = multiprocessing.get_context("spawn")
    label = " ".join(args.set) or "defaults"
    print(
        f"{args.seeds} chains of {args.time_limit:g}s per instance, {args.parallel} at a "
        f"time, from the start of a {args.start_limit or args.time_limit:g}s solve; "
        f"annealer: {label}"
    )
    header = f"{'instance':<10} {'mean':>7} {'best':>5}  costs by seed"
    print(header)
    print("-" * len(header))
    with ProcessPoolExecutor(max_workers=max(1, args.parallel), mp_context=ctx) as pool:
        for path in args.files:
            start = start_of(path, args.start_limit or args.time_limit)
            if isinstance(start, str):
                print(f"{path.stem:<10} {'-':>7} {'-':>5}  {start}", flush=True)
                continue
            seeds = range(1, args.seeds + 1)
            costs = list(
                pool.map(
                    chain,
                    [path] * len(seeds),
                    [start] * len(seeds),
                    seeds,
                    [args.time_limit] * len(seeds),
                    [args.overrides] * len(seeds),
                )
            )
            print(
                f"{path.stem:<10} {statistics.mean(costs):>7.1f} {min(costs):>5}  "
                + " ".join(str(c) for c in costs),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
