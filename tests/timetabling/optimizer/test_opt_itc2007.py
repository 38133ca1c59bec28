"""ITC-2007 reader, writer and the official UD2 scoring on the published toy example."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.itc2007.ctt import (
    format_solution,
    itc_score,
    parse_solution,
    read_ctt,
    read_solution,
)
from timetabling.optimizer import SolveOptions, Status, evaluate, solve

PROJECT = Path(__file__).resolve().parents[3]


def test_toy_parses(itc_dir):
    inst = read_ctt(itc_dir / "toy.ctt")
    p = inst.problem
    assert (p.grid.days, p.grid.periods_per_day) == (5, 4)
    assert len(p.classes) == 4 and len(p.rooms) == 2 and len(p.batches) == 2
    tec = p.classes[inst.course_index()["TecCos"]]
    assert tec.sessions_per_week == 5 and tec.min_days == 4 and tec.size == 40
    assert tec.batches == (0, 1)  # in both curricula
    assert tec.unavailable == {(2, 0), (2, 1), (3, 2), (3, 3)}
    assert not p.capacity_is_hard


def test_toy_sample_solution_scores_exactly_as_published(itc_dir):
    inst = read_ctt(itc_dir / "toy.ctt")
    sol = read_solution(inst, itc_dir / "toy.sample.sol")
    sc = itc_score(inst, sol)
    assert (sc.lectures, sc.conflicts, sc.availability, sc.room_occupancy) == (0, 3, 0, 2)
    assert sc.hard == 5
    assert (
        sc.room_capacity,
        sc.min_working_days,
        sc.curriculum_compactness,
        sc.room_stability,
    ) == (8, 15, 4, 3)
    assert sc.soft == 30
    # the generic evaluator gives the same soft cost
    assert evaluate(inst.problem, sol).soft_total == 30


def test_solution_round_trip(itc_dir):
    inst = read_ctt(itc_dir / "toy.ctt")
    sol = read_solution(inst, itc_dir / "toy.sample.sol")
    again = parse_solution(inst, format_solution(inst, sol))
    assert sorted(again, key=repr) == sorted(sol, key=repr)
    assert format_solution(inst, sol).splitlines()[0].split()[1] in {"A", "B"}


def test_solver_objective_equals_evaluator_and_official_cost(itc_dir):
    inst = read_ctt(itc_dir / "toy.ctt")
    res = solve(inst.problem, SolveOptions(time_limit_s=10, workers=1))
    assert res.status == Status.OPTIMAL
    ev = evaluate(inst.problem, res.sessions)
    sc = itc_score(inst, res.sessions)
    assert ev.hard_total == 0 and sc.hard == 0
    assert res.objective == ev.soft_total == sc.soft


def test_missing_lecture_is_counted(itc_dir):
    inst = read_ctt(itc_dir / "toy.ctt")
    sol = read_solution(inst, itc_dir / "toy.sample.sol")[1:]
    assert itc_score(inst, sol).lectures == 1
    assert evaluate(inst.problem, sol).hard["missing_sessions"] == 1


def run_module(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` from the project folder; fails the test on a non-zero exit."""
    out = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    return out


def test_benchmark_cli_on_toy(itc_dir, tmp_path):
    out = run_module(
        "benchmarks.itc2007",
        str(itc_dir / "toy.ctt"),
        "--time-limit",
        "5",
        "--workers",
        "1",
        "--out",
        str(tmp_path),
        "--quiet",
    )
    assert (tmp_path / "toy.sol").read_text().strip()
    assert "total" in out.stdout and "peak RSS" in out.stdout


def test_chains_cli_runs_every_seed_from_one_start(itc_dir):
    out = run_module(
        "benchmarks.itc2007.chains",
        str(itc_dir / "comp01.ctt"),
        str(itc_dir / "toy.ctt"),
        "--time-limit",
        "0.5",
        "--seeds",
        "3",
        "--start-limit",
        "5",
        "--set",
        "T_START=2",
    )
    assert "annealer: T_START=2" in out.stdout
    rows = {line.split()[0]: line.split()[1:] for line in out.stdout.splitlines()[3:]}
    mean, best, *costs = rows["comp01"]
    assert len(costs) == 3 and int(best) == min(map(int, costs)) >= 5  # 5 is optimal
    assert rows["toy"][2:4] == ["no", "annealing:"]  # CP-SAT proves the toy optimal


def test_chains_cli_takes_only_constants_the_driver_reads():
    from benchmarks.itc2007.chains import TUNABLE, overrides
    from timetabling.optimizer import anneal

    assert all(isinstance(getattr(anneal, name), float) for name in TUNABLE)
    assert overrides(["T_START=2", "P_KEMPE=0.5"]) == {"T_START": 2.0, "P_KEMPE": 0.5}
    # MAX_KEMPE is frozen into the compiled kernel: setting it would change nothing
    for bad in ("T_START", "T_START=hot", "MAX_KEMPE=8", "NOPE=1", "hard_weight=3"):
        with pytest.raises(ValueError):
            overrides([bad])
