"""Simulated annealing over complete timetables (times and rooms together).

CP-SAT finds a first timetable within a second or two and gives a bound; improving it is
this local search's work, at about half a million small moves per second: move one session to
another start and/or room (exchanging it with the session already there), exchange two
sessions, or exchange the slots of a Kempe chain (a session and, transitively, every session
at the other slot that shares a batch or faculty member with one moving the other way).
(Large-neighbourhood search with CP-SAT sub-solves, a round per 1.5 s, stalled within a
minute on the larger ITC-2007 instances; see benchmarks/itc2007/README.md.)
Every move is scored by the change of the full objective, kept incrementally: hard
violations (batch, faculty and room clashes, faculty day loads) weigh ``hard_weight`` each,
soft penalties their weights, exactly as :mod:`evaluate` counts them in a feasible
timetable. The best feasible timetable seen is kept. A long run cools in cycles of
``CYCLE_SECONDS``, each heating up again from the best timetable its chain has found.

The problem reaches the compiled moves as named arrays (:mod:`.anneal_arrays`); the moves,
the incremental score and a chain's state are in :mod:`.anneal_kernel`. This module holds a
chain (:class:`Chain`) and the driver (:func:`anneal`). The kernel runs in chunks of
iterations, so the driver can report progress, honour a cancel flag and stop at a deadline
between chunks. Randomness comes from a xorshift generator in the chain's own state: a
chain's result depends only on its seed and its iteration count, never on the clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple
from typing import NamedTuple

import numpy as np

from .anneal_arrays import Arrays, build_arrays, supported
from .anneal_kernel import (
    BEST_HARD,
    BEST_SOFT,
    FREE,
    HARD,
    PIN_ROOM,
    PIN_TIME,
    SOFT,
    State,
    Work,
    class_cost,
    occupy,
)
from .anneal_moves import anneal_chunk
from .clock import Clock
from .domain import Prepared, prepare
from .model import Batch, CancelToken, ClassSpec, Problem, Room, RoomKind, TimeGrid

__all__ = ["Chain", "anneal", "build_arrays", "hard_weight", "supported", "warm_up"]


# --- a chain --------------------------------------------------------------------------


class Score(NamedTuple):
    hard: int
    soft: int


class Chain:
    """One annealing chain: its state arrays, started from a complete timetable."""

    def __init__(
        self, a: Arrays, sessions: list[tuple[int, int, int, int]], seed: int, hard_weight: int
    ) -> None:
        """``sessions``: (class index, day, start period, room index), one per session."""
        self.a = a
        self.static = static = a.static
        self.hard_weight = hard_weight
        P = static.periods
        C = static.length.shape[0]
        T = a.days * P
        R = static.room_ok.shape[1]
        N = static.sess_class.shape[0]
        ent_occ = a.fixed_b.copy()
        fac_occ = a.fixed_f.copy()
        self.state = State(
            start=np.zeros(N, dtype=np.int64),
            room=np.zeros(N, dtype=np.int64),
            ent_occ=ent_occ,
            ent_mask=_masks(ent_occ, a.days, P),
            fac_occ=fac_occ,
            fac_mask=_masks(fac_occ, a.days, P),
            fac_day=fac_occ.reshape(fac_occ.shape[0], a.days, P).sum(axis=2),
            room_occ=a.fixed_r.copy(),
            owner=np.full((R, T), -1, dtype=np.int64),
            class_day=np.zeros((C, a.days), dtype=np.int64),
            class_agg=np.zeros((C, 5), dtype=np.int64),
            class_room=np.zeros((C, R), dtype=np.int64),
            class_start=np.zeros((C, T), dtype=np.int64),
            frozen=np.zeros(N, dtype=np.int64),
        )
        self.st, self.rm = self.state.start, self.state.room
        seed_state = (seed * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) % (1 << 64) or 1
        self.tot = np.zeros(4, dtype=np.int64)
        self.work = Work(
            ent_stamp=np.zeros(self.state.ent_mask.shape, dtype=np.int64),
            fac_stamp=np.zeros(self.state.fac_mask.shape, dtype=np.int64),
            stamp=np.zeros(1, dtype=np.int64),
            rng=np.array([seed_state], dtype=np.uint64),
            tot=self.tot,
            best_start=np.zeros(N, dtype=np.int64),
            best_room=np.zeros(N, dtype=np.int64),
            sess_stamp=np.zeros(N, dtype=np.int64),
        )
        by_class: dict[int, list[tuple[int, int, int]]] = {}
        for ci, d, p, ri in sessions:
            by_class.setdefault(ci, []).append((d, p, ri))
        clashes = 0
        for s in range(N):
            d, p, ri = by_class[int(static.sess_class[s])].pop()
            clashes += int(occupy(s, d * P + p, ri, 1, self.static, self.state))
        freeze_pins(a, self.state)
        soft, load = self.full_cost()
        self.tot[HARD] = self.tot[BEST_HARD] = clashes + load
        self.tot[SOFT] = self.tot[BEST_SOFT] = soft
        self.best_st, self.best_rm = self.work.best_start, self.work.best_room
        self.best_st[:] = self.st
        self.best_rm[:] = self.rm

    def full_cost(self) -> tuple[int, int]:
        """(soft, day-load excess) of the current state, recounted from its aggregates."""
        static = self.static
        state = self.state
        soft = self.a.constant
        for c in range(static.length.shape[0]):
            soft += int(class_cost(c, static, state.class_agg))
        soft += int(static.overflow[static.sess_class, self.rm].sum())
        days = np.arange(self.a.days)
        soft += int((static.bshape[days[None, :], state.ent_mask] * static.real[:, None]).sum())
        rows = static.t_row[:, None]
        soft += int(static.tshape[rows, days[None, :], state.fac_mask].sum())
        load = int(np.maximum(0, state.fac_day - static.max_day[:, None]).sum())
        load += int(static.thard[rows, days[None, :], state.fac_mask].sum())
        return soft, load

    def run(
        self, iters: int, t_hi: float, t_lo: float, p_swap: float, p_room: float,
        p_kempe: float = 0.0,
    ) -> int:  # fmt: skip
        return int(
            anneal_chunk(
                iters, t_hi, t_lo, self.hard_weight, p_swap, p_room, p_kempe, self.static,
                self.state, self.work,
            )
        )  # fmt: skip

    def restart(self) -> None:
        """Go back to the best state (fewest hard violations, then lowest soft cost)."""
        sessions = range(self.st.shape[0])  # occupy writes start and room, never the best
        for s in sessions:
            occupy(s, int(self.st[s]), int(self.rm[s]), -1, self.static, self.state)
        for s in sessions:
            occupy(s, int(self.best_st[s]), int(self.best_rm[s]), 1, self.static, self.state)
        self.tot[HARD], self.tot[SOFT] = self.tot[BEST_HARD], self.tot[BEST_SOFT]

    @property
    def score(self) -> Score:
        """Hard violations and soft cost of the current state."""
        return Score(int(self.tot[HARD]), int(self.tot[SOFT]))

    @property
    def best(self) -> Score:
        """Hard violations and soft cost of the best state."""
        return Score(int(self.tot[BEST_HARD]), int(self.tot[BEST_SOFT]))

    def best_sessions(self) -> list[tuple[int, int, int, int]]:
        P = self.static.periods
        return [
            (int(self.static.sess_class[s]), int(t) // P, int(t) % P, int(r))
            for s, (t, r) in enumerate(zip(self.best_st, self.best_rm, strict=True))
        ]


def freeze_pins(a: Arrays, state: State) -> None:
    """Mark, per pin, one session of its class placed at the pin (in its room, if pinned)
    as never to move; room-pinned ones first, so a pin without a room never takes the
    session a room pin needs. A pin the start does not hold stays unmarked (the start
    breaks a hard rule then, which the evaluator reports)."""
    sess_ptr = a.static.sess_ptr
    for ci, t, r in sorted(a.pins.tolist(), key=lambda pin: pin[2] < 0):
        for s in range(int(sess_ptr[ci]), int(sess_ptr[ci + 1])):
            if state.frozen[s] != FREE or state.start[s] != t:
                continue
            if r >= 0 and state.room[s] != r:
                continue
            state.frozen[s] = PIN_ROOM if r >= 0 else PIN_TIME
            break


def _masks(occ: np.ndarray, days: int, periods: int) -> np.ndarray:
    busy = (occ.reshape(occ.shape[0], days, periods) > 0).astype(np.int64)
    masks: np.ndarray = (busy << np.arange(periods, dtype=np.int64)).sum(axis=2)
    return masks


# --- the driver -----------------------------------------------------------------------

# The history and the measurements behind each value: benchmarks/itc2007/README.md,
# "The annealer's constants".
T_START = 8.0  # temperature at the start of a cooling cycle, in units of the objective
T_END = 0.05  # temperature at its end: only improvements pass
P_SWAP = 0.2  # share of moves that exchange two random sessions
P_ROOM = 0.1  # share of moves that only change the room
P_KEMPE = 0.3  # share of moves that exchange a Kempe chain between two slots
#: Iterations per second of budget with one worker (deterministic mode), so the result does
#: not depend on the machine's speed.
ITERS_PER_SECOND = 250_000
CHUNK_SECONDS = 0.2  # between two looks at the clock, the cancel flag and the progress


def hard_weight(prep: Prepared) -> int:
    """A clash costs more than any soft gain a single move can make in practice."""
    heaviest: int = max(astuple(prep.problem.weights))
    return max(20, 4 * heaviest)


#: Length of one cooling cycle in seconds of budget (0: one cycle over the whole run); each
#: cycle heats up again from T_START on the best timetable its chain has found.
CYCLE_SECONDS = 60.0


def temperature(frac: float) -> float:
    """Geometric cooling from T_START to T_END over a cycle (``frac`` in [0, 1])."""
    return float(T_START * (T_END / T_START) ** min(1.0, max(0.0, frac)))


def cycles(span: float) -> int:
    """How many cooling cycles a run of ``span`` seconds of budget makes."""
    if CYCLE_SECONDS <= 0:
        return 1
    return max(1, round(span / CYCLE_SECONDS))


def anneal(
    prep: Prepared,
    sessions: list[tuple[int, int, int, int]],
    *,
    chains: int,
    seed: int,
    clock: Clock,
    deadline: float,
    stop_at: float | None = None,
    on_improve: Callable[[int], object] | None = None,
    cancel: CancelToken | None = None,
) -> tuple[list[tuple[int, int, int, int]], int, bool]:
    """Anneal a complete, clash-free timetable until ``clock`` reaches ``deadline``.

    ``sessions`` and the result are (class index, day, start, room index) per session;
    a start with hard violations raises ValueError.
    ``chains`` independent chains run side by side (one per thread); the best feasible
    timetable of any chain is returned with its objective and whether the search was
    cancelled. With a deterministic clock one chain runs ``ITERS_PER_SECOND`` iterations
    per second of budget, so its result does not depend on the machine's speed. The search
    stops early once the objective reaches ``stop_at`` (a proven bound).
    """
    arrays = build_arrays(prep)
    weight = hard_weight(prep)
    pool = [Chain(arrays, sessions, seed * 7919 + i, weight) for i in range(max(1, chains))]
    if pool[0].best.hard:
        raise ValueError(
            f"the annealer needs a timetable without hard violations to start from; this one "
            f"has {pool[0].best.hard} (clashes, faculty day loads or periods in a row)"
        )
    best_soft = pool[0].best.soft
    begin = clock.now()
    span = max(1e-9, deadline - begin)
    budget = int(span * ITERS_PER_SECOND)  # iterations of the one deterministic chain
    done = 0
    step = 20_000  # the first chunk; then sized to about CHUNK_SECONDS on the wall clock
    n_cycles = cycles(span)
    current = 0
    executor = ThreadPoolExecutor(max_workers=len(pool)) if len(pool) > 1 else None
    try:
        while not clock.expired():
            if cancel is not None and cancel.is_set():
                return pool[0].best_sessions(), pool[0].best.soft, True
            if clock.deterministic:
                step = min(step, budget - done)
                frac, nxt = done / max(1, budget), (done + step) / max(1, budget)
            else:
                frac = (clock.now() - begin) / span
                nxt = frac + CHUNK_SECONDS / span
            if frac >= 1.0 or step <= 0:
                break
            cycle = min(n_cycles - 1, int(frac * n_cycles))
            if cycle > current:
                current = cycle
                for ch in pool:
                    ch.restart()
            phase = frac * n_cycles - cycle
            t_hi, t_lo, n = temperature(phase), temperature(min(1.0, nxt * n_cycles - cycle)), step
            began = time.monotonic()
            if executor is None:
                pool[0].run(n, t_hi, t_lo, P_SWAP, P_ROOM, P_KEMPE)
            else:
                moves = (n, t_hi, t_lo, P_SWAP, P_ROOM, P_KEMPE)
                list(executor.map(lambda ch: ch.run(*moves), pool))  # noqa: B023
            done += step
            if clock.deterministic:
                clock.work += step / ITERS_PER_SECOND
            else:
                took = max(1e-3, time.monotonic() - began)
                step = max(1000, int(step * CHUNK_SECONDS / took))
            soft = min(ch.best.soft for ch in pool if ch.best.hard == 0)
            if soft < best_soft:
                best_soft = soft
                if on_improve is not None:
                    on_improve(soft)
            if stop_at is not None and best_soft <= stop_at:
                break
    finally:
        if executor is not None:
            executor.shutdown()
    winner = min((ch for ch in pool if ch.best.hard == 0), key=lambda ch: ch.best.soft)
    return winner.best_sessions(), winner.best.soft, False


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel on a two-session problem, so a
    process's first solve does not wait for the compiler. Call it once per worker process
    (SIH28 does so in Celery's ``worker_init``, before the pool forks)."""
    problem = Problem(
        grid=TimeGrid(1, 2),
        rooms=(Room(1, RoomKind.LECTURE, 10),),
        faculty=(),
        batches=(Batch(1, 5),),
        classes=(ClassSpec(1, RoomKind.LECTURE, None, (1,), 2),),
    )
    chain = Chain(build_arrays(prepare(problem)), [(0, 0, 0, 0), (0, 0, 1, 0)], 1, 20)
    chain.run(10, 1.0, 0.5, P_SWAP, P_ROOM, P_KEMPE)
