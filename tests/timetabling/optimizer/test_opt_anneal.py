"""Simulated annealing (anneal.py): its incremental score against the evaluator, its
day-shape tables, determinism, and the deadline and cancel flag of its driver."""

from __future__ import annotations

import random
import threading
import time

import numpy as np
import pytest

from timetabling.optimizer import (
    Batch,
    ClassSpec,
    Faculty,
    FixedSession,
    Problem,
    Room,
    RoomKind,
    Session,
    TimeGrid,
    Weights,
    anneal,
    anneal_arrays,
    anneal_kernel,
    anneal_moves,
    evaluate,
)
from timetabling.optimizer.clock import Clock
from timetabling.optimizer.domain import prepare


def everything(seed: int = 3, capacity_is_hard: bool = True) -> Problem:
    """Every rule and penalty at once: labs of two periods, a lunch break, a missing cell,
    fixed sessions, faculty day limits and a previous timetable to stay close to."""
    rng = random.Random(seed)
    classes = []
    for i in range(24):
        lab = i % 5 == 0
        classes.append(
            ClassSpec(
                id=i,
                kind=RoomKind.LAB if lab else RoomKind.LECTURE,
                faculty=rng.randrange(8) if i != 7 else None,
                batches=() if i == 7 else tuple(sorted(rng.sample(range(6), rng.choice((1, 2))))),
                sessions_per_week=1 if lab else rng.choice((2, 3)),
                periods_per_session=2 if lab else 1,
                min_days=2,
            )
        )
    grid = TimeGrid(
        4, 6, missing=frozenset({(3, 5)}), breaks_after=frozenset((d, 2) for d in range(4))
    )
    fixed = (
        FixedSession(0, 0, 1, faculty=1, room=1, batches=(2,)),
        FixedSession(1, 3, 2, faculty=None, room=11, batches=(0,)),
    )
    previous = tuple(Session(c.id, rng.randrange(4), rng.randrange(3), 1) for c in classes[:8])
    return Problem(
        grid=grid,
        rooms=tuple(
            [Room(i, RoomKind.LECTURE, 120 if i < 3 else 60) for i in range(1, 6)]
            + [Room(11, RoomKind.LAB, 120), Room(12, RoomKind.LAB, 60)]
        ),
        faculty=tuple(Faculty(f, max_periods_per_day=4) for f in range(8)),
        batches=tuple(Batch(b, rng.choice((30, 50))) for b in range(6)),
        classes=tuple(classes),
        fixed=fixed,
        previous=previous + (Session(99, 0, 0, 1),),  # a class that no longer exists
        weights=Weights(
            min_days=5,
            same_day=3,
            isolated=2,
            idle_gap=1,
            room_change=1,
            long_run=2,
            room_capacity=1,
            previous_distance=1,
        ),
        capacity_is_hard=capacity_is_hard,
        long_run_limit=2,
    )


def random_timetable(problem: Problem, rng: random.Random) -> list[tuple[int, int, int, int]]:
    """Any allowed start and fitting room per session: clashes and all."""
    prep = prepare(problem)
    a = anneal.build_arrays(prep).static
    out = []
    for ci, cls in enumerate(problem.classes):
        rooms = a.rooms[a.rooms_ptr[ci] : a.rooms_ptr[ci + 1]]
        for _ in range(cls.sessions_per_week):
            d, p = rng.choice(prep.starts[ci])
            out.append((ci, d, p, int(rng.choice(list(rooms)))))
    return out


def as_sessions(problem: Problem, placed) -> list[Session]:
    return [Session(problem.classes[c].id, d, p, problem.rooms[r].id) for c, d, p, r in placed]


def current(chain: anneal.Chain) -> list[tuple[int, int, int, int]]:
    P = chain.static.periods
    return [
        (int(chain.static.sess_class[s]), int(t) // P, int(t) % P, int(r))
        for s, (t, r) in enumerate(zip(chain.st, chain.rm, strict=True))
    ]


@pytest.mark.parametrize(
    "p_swap, p_room, p_kempe",
    [
        (0.2, 0.1, 0.0),
        (0.0, 0.0, 1.0),
        (anneal.P_SWAP, anneal.P_ROOM, anneal.P_KEMPE),
    ],
    ids=["plain moves", "Kempe moves only", "the driver's mix"],
)
def test_incremental_score_matches_a_recount_and_the_evaluator(p_swap, p_room, p_kempe):
    for capacity_is_hard in (True, False):
        problem = everything(capacity_is_hard=capacity_is_hard)
        prep = prepare(problem)
        chain = anneal.Chain(
            anneal.build_arrays(prep), random_timetable(problem, random.Random(1)), 4, 20
        )
        labs = [s for s, c in enumerate(chain.static.sess_class) if chain.static.length[c] == 2]
        for temp in (50.0, 5.0, 0.5):  # hot: many moves accepted, clashes made and undone
            before = chain.st.copy()
            assert chain.run(20_000, temp, temp, p_swap, p_room, p_kempe) > 0
            assert not np.array_equal(before, chain.st)
            if p_kempe == 1.0:  # labs (two periods) never join a Kempe chain
                assert np.array_equal(before[labs], chain.st[labs])
            soft, load = chain.full_cost()
            ev = evaluate(problem, as_sessions(problem, current(chain)))
            assert chain.score.soft == soft
            assert chain.score.hard == ev.hard_total  # clashes and day loads, counted afresh
            assert load == ev.hard["faculty_day_load"]
        # the best state is clash-free and scored exactly as the evaluator scores it
        hard, soft = chain.best
        ev = evaluate(problem, as_sessions(problem, chain.best_sessions()))
        if hard == 0:
            assert ev.hard_total == 0 and ev.soft_total == soft
        else:
            assert ev.hard_total == hard


def test_annealing_a_clash_ridden_timetable_finds_a_clean_one():
    problem = everything()
    prep = prepare(problem)
    chain = anneal.Chain(
        anneal.build_arrays(prep), random_timetable(problem, random.Random(2)), 5, 20
    )
    assert chain.best.hard > 0
    chain.run(300_000, 5.0, 0.05, 0.2, 0.1)
    ev = evaluate(problem, as_sessions(problem, chain.best_sessions()))
    assert chain.best.hard == 0 and ev.hard_total == 0
    assert ev.soft_total == chain.best.soft


def test_day_shape_tables_count_isolated_idle_and_long_runs_across_a_break():
    # one day of five periods, a break after period 1: 0 1 | 2 3 4
    problem = Problem(
        grid=TimeGrid(1, 5, breaks_after=frozenset({(0, 1)})),
        rooms=(),
        faculty=(),
        batches=(),
        classes=(),
        weights=Weights(0, 0, isolated=10, idle_gap=1, room_change=0, long_run=100),
        long_run_limit=2,
    )
    batch, fac = anneal_arrays.shape_tables(prepare(problem))

    def mask(*ps: int) -> int:
        return sum(1 << p for p in ps)

    assert batch[0, mask(1, 2)] == 2 * 10  # the break separates them: both isolated
    assert batch[0, mask(0, 1)] == 0
    assert batch[0, mask(0, 3)] == 2 * 10 + 2  # two isolated, periods 1 and 2 idle
    assert batch[0, 0] == 0
    assert fac[0, mask(2, 3, 4)] == 100  # three in a row, past the limit of two
    assert fac[0, mask(1, 2, 3)] == 0  # broken by the break
    assert fac[0, mask(0, 1)] == 0


def test_same_seed_same_iterations_same_timetable():
    problem = everything()
    prep = prepare(problem)
    start = random_timetable(problem, random.Random(3))

    def walk(seed: int) -> tuple[list[tuple[int, int, int, int]], anneal.Score, np.ndarray]:
        chain = anneal.Chain(anneal.build_arrays(prep), start, seed, 20)
        chain.run(50_000, 5.0, 0.1, 0.2, 0.1)
        return chain.best_sessions(), chain.best, chain.st.copy()

    sessions_a, best_a, now_a = walk(7)
    sessions_b, best_b, now_b = walk(7)
    _, _, now_other = walk(8)
    assert sessions_a == sessions_b and best_a == best_b
    assert np.array_equal(now_a, now_b)
    assert not np.array_equal(now_a, now_other)  # another seed walks elsewhere


def clean_start(problem: Problem) -> list[tuple[int, int, int, int]]:
    prep = prepare(problem)
    chain = anneal.Chain(
        anneal.build_arrays(prep), random_timetable(problem, random.Random(4)), 1, 20
    )
    chain.run(300_000, 5.0, 0.05, 0.2, 0.1)
    assert chain.best.hard == 0
    return chain.best_sessions()


def test_driver_stops_at_the_deadline_and_reports_improvements():
    problem = everything()
    prep = prepare(problem)
    start = clean_start(problem)
    seen: list[int] = []
    clock = Clock(1.0, deterministic=False)
    t0 = time.monotonic()
    placed, objective, cancelled = anneal.anneal(
        prep, start, chains=2, seed=1, clock=clock, deadline=1.0, on_improve=seen.append
    )
    assert not cancelled
    assert time.monotonic() - t0 < 1.0 + 1.0
    assert seen == sorted(seen, reverse=True)
    ev = evaluate(problem, as_sessions(problem, placed))
    assert ev.hard_total == 0 and ev.soft_total == objective


@pytest.mark.parametrize("cycle_seconds", [0.0, 0.1], ids=["one cooling", "five cycles"])
def test_driver_one_chain_on_a_deterministic_clock_repeats_itself(monkeypatch, cycle_seconds):
    monkeypatch.setattr(anneal, "CYCLE_SECONDS", cycle_seconds)
    problem = everything()
    prep = prepare(problem)
    start = clean_start(problem)
    outs = []
    for _ in range(2):
        clock = Clock(0.5, deterministic=True)
        outs.append(anneal.anneal(prep, start, chains=1, seed=3, clock=clock, deadline=0.5))
        assert clock.now() == pytest.approx(0.5)  # the iterations are charged to the budget
    assert outs[0] == outs[1]


def test_driver_refuses_a_start_with_clashes_by_name():
    problem = everything()
    start = random_timetable(problem, random.Random(5))
    prep = prepare(problem)
    assert anneal.Chain(anneal.build_arrays(prep), start, 1, 20).best.hard > 0
    clock = Clock(0.5, deterministic=True)
    with pytest.raises(ValueError, match="without hard violations to start from"):
        anneal.anneal(prep, start, chains=1, seed=1, clock=clock, deadline=0.5)


def test_driver_honours_the_cancel_flag_within_a_chunk():
    problem = everything()
    prep = prepare(problem)
    start = clean_start(problem)
    flag = threading.Event()
    threading.Timer(0.3, flag.set).start()
    t0 = time.monotonic()
    _, _, cancelled = anneal.anneal(
        prep, start, chains=2, seed=1, clock=Clock(30.0, deterministic=False), deadline=30.0,
        cancel=flag,
    )  # fmt: skip
    assert cancelled
    assert time.monotonic() - t0 < 1.5


def test_a_kempe_move_exchanges_the_whole_chain_and_rehouses_clashing_rooms():
    # slot 0: A (batch 1) in room 0, C (batches 2, 3) in room 1
    # slot 1: B (batches 1, 2) in room 0, D (batch 4) in room 1; room 2 is free
    # A's chain to slot 1: A - B (batch 1) - C (batch 2); D shares nothing and stays.
    problem = Problem(
        grid=TimeGrid(1, 2),
        rooms=tuple(Room(i, RoomKind.LECTURE, 50) for i in range(3)),
        faculty=(),
        batches=tuple(Batch(b, 10) for b in range(1, 5)),
        classes=(
            ClassSpec(0, RoomKind.LECTURE, None, (1,), 1),
            ClassSpec(1, RoomKind.LECTURE, None, (1, 2), 1),
            ClassSpec(2, RoomKind.LECTURE, None, (2, 3), 1),
            ClassSpec(3, RoomKind.LECTURE, None, (4,), 1),
        ),
    )
    start = [(0, 0, 0, 0), (1, 0, 1, 0), (2, 0, 0, 1), (3, 0, 1, 1)]
    chain = anneal.Chain(anneal.build_arrays(prepare(problem)), start, 1, 20)
    members = np.zeros(anneal_kernel.MAX_KEMPE, dtype=np.int64)
    n_cls = len(problem.classes)
    accepted = anneal_moves.kempe_move(
        0, 1, 1e12, 20, chain.static, chain.state, chain.work, members,
        np.zeros(anneal_kernel.MAX_KEMPE, dtype=np.int64), np.zeros((64, 2), dtype=np.int64),
        np.zeros((64, 2), dtype=np.int64), np.zeros(n_cls + 1, dtype=np.int64),
    )  # fmt: skip
    assert accepted == 1
    assert sorted(members[:3]) == [0, 1, 2]
    assert sorted(current(chain)) == [(0, 0, 1, 0), (1, 0, 0, 0), (2, 0, 1, 2), (3, 0, 1, 1)]
    ev = evaluate(problem, as_sessions(problem, current(chain)))
    assert ev.hard_total == 0 == chain.score.hard
    assert chain.score.soft == chain.full_cost()[0] == ev.soft_total


def test_a_restart_puts_the_chain_back_on_its_best_timetable():
    problem = everything()
    prep = prepare(problem)
    chain = anneal.Chain(anneal.build_arrays(prep), clean_start(problem), 6, 20)
    chain.run(200_000, 3.0, 0.5, anneal.P_SWAP, anneal.P_ROOM, anneal.P_KEMPE)
    chain.run(2_000, 50.0, 50.0, 0.2, 0.1)  # hot: the state ends far from the best
    assert not np.array_equal(chain.st, chain.best_st)
    best = chain.best_sessions()
    chain.restart()
    assert sorted(current(chain)) == sorted(best)
    soft, load = chain.full_cost()
    ev = evaluate(problem, as_sessions(problem, current(chain)))
    assert chain.score == chain.best == (ev.hard_total, ev.soft_total)
    assert soft == ev.soft_total and load == 0
    # the aggregates are whole again: further moves still score exactly
    chain.run(20_000, 2.0, 2.0, 0.2, 0.1, 0.3)
    ev = evaluate(problem, as_sessions(problem, current(chain)))
    assert chain.score == (ev.hard_total, chain.full_cost()[0])


def test_cycles_split_the_run_by_cycle_length(monkeypatch):
    monkeypatch.setattr(anneal, "CYCLE_SECONDS", 60.0)
    assert [anneal.cycles(s) for s in (10, 60, 89, 91, 285, 600)] == [1, 1, 1, 2, 5, 10]
    monkeypatch.setattr(anneal, "CYCLE_SECONDS", 0.0)
    assert anneal.cycles(600) == 1


def test_driver_heats_up_again_and_restarts_from_the_best_at_each_cycle(monkeypatch):
    problem = everything()
    prep = prepare(problem)
    start = clean_start(problem)
    monkeypatch.setattr(anneal, "CYCLE_SECONDS", 0.25)  # a 1 s budget: four cycles
    temps: list[float] = []
    restarts: list[tuple[int, int]] = []
    run, restart = anneal.Chain.run, anneal.Chain.restart

    def record_run(self, iters, t_hi, *args):
        temps.append(t_hi)
        return run(self, iters, t_hi, *args)

    def record_restart(self):
        restart(self)
        restarts.append((self.score.soft, self.best.soft))

    monkeypatch.setattr(anneal.Chain, "run", record_run)
    monkeypatch.setattr(anneal.Chain, "restart", record_restart)
    clock = Clock(1.0, deterministic=True)
    placed, objective, _ = anneal.anneal(prep, start, chains=1, seed=2, clock=clock, deadline=1.0)
    assert len(restarts) == 3 and all(now == best for now, best in restarts)
    rises = [i for i in range(1, len(temps)) if temps[i] > temps[i - 1]]
    assert len(rises) == 3  # the temperature falls within a cycle and jumps back after it
    assert temps[0] == anneal.T_START and max(temps) == anneal.T_START
    ev = evaluate(problem, as_sessions(problem, placed))
    assert ev.hard_total == 0 and ev.soft_total == objective
