"""Run the optimizer on ITC-2007 Track 3 instances and print a table.

    python -m benchmarks.itc2007 [FILES...] [--dir DIR] --time-limit S [--workers N]
                                 [--out DIR] [--seed N]

Writes ``OUT/<instance>.sol`` in the official format and scores every solution with the
project's own evaluator (never the solver's objective), cross-checked against the official
ITC-2007 categories.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.itc2007.ctt import format_solution, itc_score, read_ctt
from timetabling.optimizer import Progress, SolveOptions, evaluate, solve

PROJECT = Path(__file__).resolve().parents[2]
DEFAULT_DIR = PROJECT.parent / "shared" / "benchmarks" / "itc2007"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m benchmarks.itc2007",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("files", nargs="*", type=Path, help=".ctt files (default: all in --dir)")
    ap.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="folder of .ctt files")
    ap.add_argument("--time-limit", type=float, required=True, help="seconds per instance")
    ap.add_argument("--workers", type=int, default=2, help="CP-SAT workers (default 2)")
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(tempfile.gettempdir()) / "itc2007-solutions",
        help="folder for <instance>.sol files (default: %(default)s)",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--quiet", action="store_true", help="no per-improvement progress lines")
    return ap.parse_args(argv)


def best_known(folder: Path) -> dict[str, dict[str, int]]:
    path = folder / "best_known.json"
    if not path.exists():
        return {}
    return json.loads(path.read_text()).get("instances", {})


def fmt(v: float | None, spec: str = ".1f") -> str:
    return "-" if v is None else format(v, spec)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    files = list(args.files)
    if not files:
        if not args.dir.is_dir():
            print(f"no instance folder {args.dir}; pass FILES or --dir", file=sys.stderr)
            return 2
        files = sorted(p for p in args.dir.glob("*.ctt") if p.stem != "toy")
    known = best_known(files[0].parent if files else args.dir)
    args.out.mkdir(parents=True, exist_ok=True)

    header = (
        f"{'instance':<10} {'hard':>4} {'cost':>6} {'best':>5} {'ratio':>6} "
        f"{'first_s':>8} {'wall_s':>7}"
    )
    rows: list[str] = []
    tot = {"hard": 0, "cost": 0, "best": 0, "first": 0.0, "wall": 0.0}
    all_best = True
    for path in files:
        inst = read_ctt(path)
        name = path.stem
        start = time.monotonic()

        def progress(p: Progress, name: str = name, start: float = start) -> None:
            if not args.quiet:
                print(
                    f"  {name}: objective {p.objective:.0f} bound {p.bound:.0f} "
                    f"at {p.elapsed_s:.1f}s",
                    file=sys.stderr,
                    flush=True,
                )

        res = solve(
            inst.problem,
            SolveOptions(time_limit_s=args.time_limit, workers=args.workers, seed=args.seed),
            on_progress=progress,
        )
        wall = time.monotonic() - start
        (args.out / f"{name}.sol").write_text(format_solution(inst, res.sessions))
        ev = evaluate(inst.problem, res.sessions)
        official = itc_score(inst, res.sessions)
        hard = ev.hard_total
        cost = ev.soft_total
        if official.soft != cost or (official.hard == 0) != (hard == 0):
            print(
                f"  warning {name}: official score {official} disagrees with evaluator",
                file=sys.stderr,
            )
        bk = known.get(name, {}).get("best_known")
        ratio = None if bk is None else (cost / bk if bk else (1.0 if cost == 0 else None))
        first = res.stats.time_to_first_feasible_s
        rows.append(
            f"{name:<10} {hard:>4} {cost:>6} {fmt(bk, 'd') if bk is not None else '-':>5} "
            f"{fmt(ratio, '.2f'):>6} {fmt(first, '.2f'):>8} {wall:>7.1f}"
        )
        print(
            rows[-1]
            + f"   [{res.status.value}; "
            + ", ".join(f"{p.name}={p.count}" for p in ev.penalties)
            + "]",
            flush=True,
        )
        tot["hard"] += hard
        tot["cost"] += cost
        if bk is None:
            all_best = False
        else:
            tot["best"] += bk
        tot["first"] += first or 0.0
        tot["wall"] += wall

    print()
    print(header)
    print("-" * len(header))
    for r in rows:
        print(r)
    print("-" * len(header))
    best_total = tot["best"] if all_best else None
    ratio = tot["cost"] / best_total if best_total else None
    print(
        f"{'total':<10} {tot['hard']:>4} {tot['cost']:>6} "
        f"{fmt(best_total, 'd') if best_total is not None else '-':>5} {fmt(ratio, '.2f'):>6} "
        f"{tot['first']:>8.2f} {tot['wall']:>7.1f}"
    )
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"\n{len(rows)} instances, time limit {args.time_limit:g}s, {args.workers} workers, "
        f"seed {args.seed}; solutions in {args.out}; peak RSS {peak_kb / 1024:.0f} MiB"
    )
    return 0 if tot["hard"] == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
