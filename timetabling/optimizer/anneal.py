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

The shape of a batch's day (isolated periods, idle gaps) and of a faculty member's day
(long runs) depend only on which periods of that day are busy, so they are tables indexed by
the day's occupancy bit mask, computed once per problem (see :func:`shape_tables`).

The kernel is compiled with numba (``nogil``: two chains run on two cores from two
threads) and runs in chunks of iterations, so the caller can report progress, honour a
cancel flag and stop at a deadline between chunks. Randomness comes from a xorshift
generator in the chain's own state: a chain's result depends only on its seed and its
iteration count, never on the clock.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import astuple, dataclass

import numpy as np
from numba import njit

from .clock import Clock
from .domain import Prepared, prepare, room_fits
from .model import CancelToken

MAX_PERIODS_PER_DAY = 16  # the day-shape tables have 2**periods entries per day
MAX_KEMPE = 16  # longest Kempe chain a move exchanges (longer ones are skipped)

# --- day-shape tables -----------------------------------------------------------------


def shape_tables(prep: Prepared) -> tuple[np.ndarray, np.ndarray]:
    """Weighted cost of a batch's day and of a faculty member's day, per day and busy mask.

    Batch: isolated periods (no busy consecutive neighbour) and idle gaps (existing free
    periods between the first and last busy period). Faculty: windows of
    ``long_run_limit + 1`` consecutive busy periods.
    """
    problem = prep.problem
    g = problem.grid
    w = problem.weights
    exists = np.array(
        [[g.exists(d, p) for p in range(g.periods_per_day)] for d in range(g.days)],
        dtype=np.int64,
    )
    consec = np.array(
        [[g.consecutive(d, p) for p in range(g.periods_per_day)] for d in range(g.days)],
        dtype=np.int64,
    )
    return _shape_tables(
        exists, consec, w.isolated, w.idle_gap, w.long_run, problem.long_run_limit + 1
    )


@njit(cache=True)
def _shape_tables(exists, consec, w_iso, w_idle, w_long, k):  # fmt: skip
    days, P = exists.shape
    n = 1 << P
    batch = np.zeros((days, n), dtype=np.int64)
    fac = np.zeros((days, n), dtype=np.int64)
    for d in range(days):
        for mask in range(n):
            iso = 0
            first = -1
            last = -1
            for p in range(P):
                if not (mask >> p) & 1:
                    continue
                if first < 0:
                    first = p
                last = p
                left = p > 0 and consec[d, p - 1] and (mask >> (p - 1)) & 1
                right = consec[d, p] and p + 1 < P and (mask >> (p + 1)) & 1
                if not left and not right:
                    iso += 1
            idle = 0
            for p in range(first + 1, last):
                if first >= 0 and exists[d, p] and not (mask >> p) & 1:
                    idle += 1
            runs = 0
            if w_long:
                for p in range(P):
                    q = p
                    length = 1
                    ok = (mask >> p) & 1
                    while ok and length < k and consec[d, q]:
                        q += 1
                        length += 1
                        ok = (mask >> q) & 1
                    if ok and length == k:
                        runs += 1
            batch[d, mask] = w_iso * iso + w_idle * idle
            fac[d, mask] = w_long * runs
    return batch, fac


# --- the problem as arrays ------------------------------------------------------------


@dataclass
class Arrays:
    """Static data of one problem (shared by every chain) in the kernel's layout."""

    days: int
    periods: int
    length: np.ndarray  # per class
    starts_ptr: np.ndarray  # CSR of allowed start slots (slot = day * periods + period)
    starts: np.ndarray
    start_ok: np.ndarray  # [class, slot] 0/1
    rooms_ptr: np.ndarray  # CSR of fitting rooms
    rooms: np.ndarray
    room_ok: np.ndarray  # [class, room] 0/1
    overflow: np.ndarray  # [class, room] weighted soft capacity cost of one session
    ent_ptr: np.ndarray  # CSR of clash entities (batches, or the class itself)
    ents: np.ndarray
    real: np.ndarray  # per entity: 1 when it is a batch (day shapes count)
    fac: np.ndarray  # per class: faculty index or -1
    max_day: np.ndarray  # per faculty
    bshape: np.ndarray
    fshape: np.ndarray
    min_days: np.ndarray
    prev: np.ndarray  # [class, slot] sessions of the previous timetable starting there
    prev_total: np.ndarray
    constant: int  # weighted previous sessions no start can keep (their class is gone)
    weights: np.ndarray  # min_days, same_day, room_change, previous_distance
    sess_class: np.ndarray
    fixed_b: np.ndarray  # [entity, slot] occupancy by fixed sessions
    fixed_f: np.ndarray
    fixed_r: np.ndarray


def supported(prep: Prepared) -> bool:
    """The annealer handles grids up to MAX_PERIODS_PER_DAY periods a day."""
    return prep.problem.grid.periods_per_day <= MAX_PERIODS_PER_DAY


def build_arrays(prep: Prepared) -> Arrays:
    problem = prep.problem
    g = problem.grid
    P = g.periods_per_day
    T = g.days * P
    C = len(problem.classes)
    R = len(problem.rooms)
    w = problem.weights
    batch_index = {b.id: i for i, b in enumerate(problem.batches)}
    for c in problem.classes:
        for b in c.batches:
            batch_index.setdefault(b, len(batch_index))
    n_real = len(batch_index)
    length = np.array([c.periods_per_session for c in problem.classes], dtype=np.int64)
    start_ok = np.zeros((C, T), dtype=np.int8)
    starts_ptr = np.zeros(C + 1, dtype=np.int64)
    starts: list[int] = []
    for ci in range(C):
        for d, p in prep.starts[ci]:
            start_ok[ci, d * P + p] = 1
            starts.append(d * P + p)
        starts_ptr[ci + 1] = len(starts)
    room_ok = np.zeros((C, R), dtype=np.int8)
    overflow = np.zeros((C, R), dtype=np.int64)
    rooms_ptr = np.zeros(C + 1, dtype=np.int64)
    rooms: list[int] = []
    soft_cap = not problem.capacity_is_hard and w.room_capacity
    for ci, cls in enumerate(problem.classes):
        for ri, room in enumerate(problem.rooms):
            if room_fits(problem, cls, room, prep.sizes[ci]):
                room_ok[ci, ri] = 1
                rooms.append(ri)
                if soft_cap:
                    overflow[ci, ri] = w.room_capacity * max(0, prep.sizes[ci] - room.capacity)
        rooms_ptr[ci + 1] = len(rooms)
    ent_ptr = np.zeros(C + 1, dtype=np.int64)
    ents: list[int] = []
    pseudo = n_real
    for ci, cls in enumerate(problem.classes):
        own = list(dict.fromkeys(batch_index[b] for b in cls.batches))
        if not own:  # a class without batches still must not overlap itself
            own = [pseudo]
            pseudo += 1
        ents.extend(own)
        ent_ptr[ci + 1] = len(ents)
    real = np.zeros(pseudo, dtype=np.int64)
    real[:n_real] = 1
    fidx = prep.faculty_index
    fac = np.array(
        [fidx.get(c.faculty, -1) if c.faculty is not None else -1 for c in problem.classes],
        dtype=np.int64,
    )
    F = max(1, len(problem.faculty))
    max_day = np.full(F, 1 << 30, dtype=np.int64)
    for member in problem.faculty:
        if member.max_periods_per_day is not None:
            max_day[fidx[member.id]] = member.max_periods_per_day
    bshape, fshape = shape_tables(prep)
    class_index = {c.id: i for i, c in enumerate(problem.classes)}
    prev = np.zeros((C, T), dtype=np.int64)
    lost = 0
    for old in problem.previous:
        known = class_index.get(old.class_id)
        if known is not None and g.exists(old.day, old.period):
            prev[known, old.day * P + old.period] += 1
        else:
            lost += 1
    sess_class = np.array(
        [ci for ci, c in enumerate(problem.classes) for _ in range(max(0, c.sessions_per_week))],
        dtype=np.int64,
    )
    room_index = {r.id: i for i, r in enumerate(problem.rooms)}

    def occupancy(counts: Counter[tuple[int, int, int]], index: dict[int, int], n: int):
        """Fixed-session occupancy per (index, slot) from counts keyed (id, day, period)."""
        out = np.zeros((n, T), dtype=np.int64)
        for (key, d, p), k in counts.items():
            if key in index and g.exists(d, p):
                out[index[key], d * P + p] += k
        return out

    fixed_b = occupancy(prep.fixed.batch, batch_index, pseudo)
    fixed_f = occupancy(prep.fixed.faculty, fidx, F)
    fixed_r = occupancy(prep.fixed.room, room_index, R)
    return Arrays(
        days=g.days,
        periods=P,
        length=length,
        starts_ptr=starts_ptr,
        starts=np.array(starts, dtype=np.int64),
        start_ok=start_ok,
        rooms_ptr=rooms_ptr,
        rooms=np.array(rooms, dtype=np.int64),
        room_ok=room_ok,
        overflow=overflow,
        ent_ptr=ent_ptr,
        ents=np.array(ents, dtype=np.int64),
        real=real,
        fac=fac,
        max_day=max_day,
        bshape=bshape,
        fshape=fshape,
        min_days=np.array([max(0, c.min_days) for c in problem.classes], dtype=np.int64),
        prev=prev,
        prev_total=prev.sum(axis=1),
        constant=lost * w.previous_distance,
        weights=np.array(
            [w.min_days, w.same_day, w.room_change, w.previous_distance if problem.previous else 0],
            dtype=np.int64,
        ),
        sess_class=sess_class,
        fixed_b=fixed_b,
        fixed_f=fixed_f,
        fixed_r=fixed_r,
    )


# --- the kernel -----------------------------------------------------------------------
# The kernel takes three tuples of arrays:
#   static  the problem (see ``Chain.static``), shared by every chain
#   state   one chain's timetable and its aggregates (all int64):
#           st, rm         per session: start slot and room
#           bocc, bmask    per entity: occupancy per slot, busy mask per day
#           focc, fmask, fday   per faculty: occupancy per slot, busy mask, periods per day
#           rocc, owner    per room and slot: occupancy, the session starting there
#           cday           per class and day: sessions
#           cagg           per class: days used, same-day excess, rooms used, previous
#                          starts kept
#           croom, cstart  per class: sessions per room, per start slot
#   work    scratch and results: bstamp, fstamp, stamp (to list each affected day once),
#           rng (xorshift state), tot ([hard, soft, best hard, best soft]), best_st, best_rm


@njit(cache=True, nogil=True)
def _rand(rng):
    x = rng[0]
    x ^= x << np.uint64(13)
    x ^= x >> np.uint64(7)
    x ^= x << np.uint64(17)
    rng[0] = x
    return x


@njit(cache=True, nogil=True)
def _randint(rng, n):
    return np.int64(_rand(rng) % np.uint64(n))


@njit(cache=True, nogil=True)
def _random(rng):
    return float(_rand(rng) >> np.uint64(11)) / 9007199254740992.0


@njit(cache=True, nogil=True, inline="always")
def _count(occ, mask, i, q, d, bit, sign):
    """Occupancy of (i, q) by one more or one fewer session; the change in clashes."""
    before = occ[i, q]
    occ[i, q] = before + sign
    if sign > 0:
        if before >= 1:
            return 1
        mask[i, d] |= bit
    else:
        if before >= 2:
            return -1
        if before == 1:
            mask[i, d] &= ~bit
    return 0


@njit(cache=True, nogil=True, inline="always")
def _occupy(s, t, r, sign, static, state):
    """Add (sign 1) or remove (sign -1) session ``s`` at start ``t`` in room ``r``.
    Returns the change in the number of clashes."""
    P, length, ent_ptr, ents = static[0], static[1], static[9], static[10]
    fac, prev, sess_class = static[12], static[17], static[20]
    st, rm, bocc, bmask, focc, fmask, fday, rocc, owner, cday, cagg, croom, cstart = state
    c = sess_class[s]
    d = t // P
    f = fac[c]
    h = 0
    for q in range(t, t + length[c]):
        bit = 1 << (q - d * P)
        for k in range(ent_ptr[c], ent_ptr[c + 1]):
            h += _count(bocc, bmask, ents[k], q, d, bit, sign)
        if f >= 0:
            h += _count(focc, fmask, f, q, d, bit, sign)
            fday[f, d] += sign
        before = rocc[r, q]
        rocc[r, q] = before + sign
        if sign > 0 and before >= 1:
            h += 1
        elif sign < 0 and before >= 2:
            h -= 1
    # the class's own aggregates
    n = cday[c, d]
    cday[c, d] = n + sign
    if sign > 0:
        cagg[c, 0 if n == 0 else 1] += 1
    else:
        cagg[c, 0 if n == 1 else 1] -= 1
    n = croom[c, r]
    croom[c, r] = n + sign
    if sign > 0 and n == 0:
        cagg[c, 2] += 1
    elif sign < 0 and n == 1:
        cagg[c, 2] -= 1
    n = cstart[c, t]
    cstart[c, t] = n + sign
    if sign > 0 and n < prev[c, t]:
        cagg[c, 3] += 1
    elif sign < 0 and n <= prev[c, t]:
        cagg[c, 3] -= 1
    if sign > 0:
        st[s] = t
        rm[s] = r
        owner[r, t] = s
    elif owner[r, t] == s:
        owner[r, t] = -1
    return h


@njit(cache=True, nogil=True, inline="always")
def _class_cost(c, static, cagg):
    min_days, prev_total, weights = static[16], static[18], static[19]
    short = max(0, min_days[c] - cagg[c, 0])
    rooms = max(0, cagg[c, 2] - 1)
    return (
        weights[0] * short
        + weights[1] * cagg[c, 1]
        + weights[2] * rooms
        + weights[3] * (prev_total[c] - cagg[c, 3])
    )


@njit(cache=True, nogil=True, inline="always")
def _days_cost(n_b, aff_b, n_f, aff_f, static, state):
    """(soft, day-load excess) of the affected (entity, day) and (faculty, day) pairs."""
    real, max_day, bshape, fshape = static[11], static[13], static[14], static[15]
    bmask, fmask, fday = state[3], state[5], state[6]
    soft = 0
    load = 0
    for i in range(n_b):
        e = aff_b[i, 0]
        if real[e]:
            soft += bshape[aff_b[i, 1], bmask[e, aff_b[i, 1]]]
    for i in range(n_f):
        f = aff_f[i, 0]
        d = aff_f[i, 1]
        soft += fshape[d, fmask[f, d]]
        load += max(0, fday[f, d] - max_day[f])
    return soft, load


@njit(cache=True, nogil=True, inline="always")
def _mark(c, d, static, work, aff_b, n_b, aff_f, n_f):
    """List the entities and the faculty member of class ``c`` on day ``d``, once each."""
    ent_ptr, ents, fac = static[9], static[10], static[12]
    bstamp, fstamp, stamp = work[0], work[1], work[2][0]
    for k in range(ent_ptr[c], ent_ptr[c + 1]):
        e = ents[k]
        if bstamp[e, d] != stamp:
            bstamp[e, d] = stamp
            aff_b[n_b, 0] = e
            aff_b[n_b, 1] = d
            n_b += 1
    f = fac[c]
    if f >= 0 and fstamp[f, d] != stamp:
        fstamp[f, d] = stamp
        aff_f[n_f, 0] = f
        aff_f[n_f, 1] = d
        n_f += 1
    return n_b, n_f


@njit(cache=True, nogil=True, inline="always")
def _local_cost(c1, c2, n_b, aff_b, n_f, aff_f, static, state):
    soft, load = _days_cost(n_b, aff_b, n_f, aff_f, static, state)
    soft += _class_cost(c1, static, state[10])
    if c2 >= 0:
        soft += _class_cost(c2, static, state[10])
    return soft, load


@njit(cache=True, nogil=True, inline="always")
def _keep_best(tot, st, rm, best_st, best_rm):
    """After an accepted move: copy the state when it is the best so far (fewest hard
    violations, then lowest soft cost)."""
    if tot[0] < tot[2] or (tot[0] == tot[2] and tot[1] < tot[3]):
        tot[2] = tot[0]
        tot[3] = tot[1]
        best_st[:] = st
        best_rm[:] = rm


@njit(cache=True, nogil=True, inline="always")
def _conflict(x, y, static):
    """Sessions ``x`` and ``y`` share a batch (or pseudo-entity) or a faculty member."""
    ent_ptr, ents, fac, sess_class = static[9], static[10], static[12], static[20]
    cx = sess_class[x]
    cy = sess_class[y]
    if fac[cx] >= 0 and fac[cx] == fac[cy]:
        return True
    for i in range(ent_ptr[cx], ent_ptr[cx + 1]):
        for j in range(ent_ptr[cy], ent_ptr[cy + 1]):
            if ents[i] == ents[j]:
                return True
    return False


@njit(cache=True, nogil=True)
def _kempe_chain(s1, t2, static, state, work, mem):
    """The Kempe chain of session ``s1`` between its start and ``t2``: ``s1`` and, closed
    under batch and faculty conflicts, every one-period session starting at either slot
    that conflicts with a member starting at the other. Members go to ``mem``; returns
    their number, or 0 when the chain is too long or a member cannot start at the other
    slot (the move is then skipped)."""
    length, start_ok, sess_class = static[1], static[4], static[20]
    st, rm, owner = state[0], state[1], state[8]
    sstamp, stamp = work[7], work[2][0]
    t1 = st[s1]
    R = owner.shape[0]
    if length[sess_class[s1]] != 1:
        return 0
    mem[0] = s1
    sstamp[s1] = stamp
    n = 1
    i = 0
    while i < n:
        x = mem[i]
        other = t2 if st[x] == t1 else t1
        for r in range(R):
            y = owner[r, other]
            if y < 0 or sstamp[y] == stamp or st[y] != other or rm[y] != r:
                continue
            if not _conflict(x, y, static):
                continue
            cy = sess_class[y]
            if n == mem.shape[0] or length[cy] != 1 or not start_ok[cy, st[x]]:
                return 0
            sstamp[y] = stamp
            mem[n] = y
            n += 1
        i += 1
    return n


@njit(cache=True, nogil=True, inline="always")
def _pick_room(c, t, r_old, static, state):
    """A room for class ``c`` at slot ``t``: its old one when free, else the free fitting
    room that adds least (room change, overflow); the old one when none is free."""
    rooms_ptr, rooms, overflow, weights = static[5], static[6], static[8], static[19]
    rocc, croom = state[7], state[11]
    if rocc[r_old, t] == 0:
        return r_old
    best = r_old
    best_cost = 1 << 60
    for k in range(rooms_ptr[c], rooms_ptr[c + 1]):
        r = rooms[k]
        if rocc[r, t] != 0:
            continue
        cost = overflow[c, r] + (weights[2] if croom[c, r] == 0 else 0)
        if cost < best_cost:
            best_cost = cost
            best = r
    return best


@njit(cache=True, nogil=True, inline="always")
def _chain_cost(n, mem, n_b, aff_b, n_f, aff_f, static, state, cstamp, stamp):
    """(soft, day-load excess) of the affected days and of the members' classes, each
    class once, plus the members' room overflow."""
    overflow, sess_class = static[8], static[20]
    rm = state[1]
    soft, load = _days_cost(n_b, aff_b, n_f, aff_f, static, state)
    for i in range(n):
        c = sess_class[mem[i]]
        soft += overflow[c, rm[mem[i]]]
        if cstamp[c] != stamp:
            cstamp[c] = stamp
            soft += _class_cost(c, static, state[10])
    return soft, load


@njit(cache=True, nogil=True)
def _kempe_move(s1, t2, temp, hard_weight, static, state, work, mem, old_r, aff_b, aff_f,
                cstamp):  # fmt: skip
    """Exchange the slots of the Kempe chain of ``s1`` between its start and ``t2`` (rooms
    kept where free, else re-chosen); accepted by the annealing rule. Returns 1 when
    accepted, 0 when rejected or skipped."""
    P, sess_class = static[0], static[20]
    st, rm = state[0], state[1]
    rng, tot = work[3], work[4]
    t1 = st[s1]
    work[2][0] += 1
    n = _kempe_chain(s1, t2, static, state, work, mem)
    if n == 0:
        return 0
    n_b = 0
    n_f = 0
    for i in range(n):
        c = sess_class[mem[i]]
        n_b, n_f = _mark(c, t1 // P, static, work, aff_b, n_b, aff_f, n_f)
        n_b, n_f = _mark(c, t2 // P, static, work, aff_b, n_b, aff_f, n_f)
    stamp = work[2][0]
    soft0, load0 = _chain_cost(n, mem, n_b, aff_b, n_f, aff_f, static, state, cstamp, stamp)
    h = 0
    for i in range(n):
        s = mem[i]
        old_r[i] = rm[s]
        h += _occupy(s, st[s], rm[s], -1, static, state)
    for i in range(n):
        s = mem[i]
        t = t2 if st[s] == t1 else t1
        r = _pick_room(sess_class[s], t, old_r[i], static, state)
        h += _occupy(s, t, r, 1, static, state)
    soft1, load1 = _chain_cost(n, mem, n_b, aff_b, n_f, aff_f, static, state, cstamp, -stamp)
    dh = h + load1 - load0
    ds = soft1 - soft0
    delta = hard_weight * dh + ds
    if delta <= 0 or _random(rng) < math.exp(-delta / temp):
        tot[0] += dh
        tot[1] += ds
        return 1
    for i in range(n):  # undo: every member back to its slot and room
        s = mem[i]
        _occupy(s, st[s], rm[s], -1, static, state)
    for i in range(n):
        s = mem[i]
        _occupy(s, t1 if st[s] == t2 else t2, old_r[i], 1, static, state)
    return 0


@njit(cache=True, nogil=True, inline="always")
def _near(c, t_old, static, state, rng):
    """A start aimed at a soft penalty of class ``c``: on a day the class does not use when
    it is short of working days and its current day has another of its sessions, else on a
    random day; there, a free period next to a busy one of a random batch of the class (to
    mend an isolated lecture), or any period when that batch has none free. -1 when the
    class cannot start there."""
    P, start_ok, ent_ptr, ents, min_days = static[0], static[4], static[9], static[10], static[16]
    bmask, cday, cagg = state[3], state[9], state[10]
    days = start_ok.shape[1] // P
    d = -1
    if cagg[c, 0] < min(min_days[c], days) and cday[c, t_old // P] >= 2:
        j = _randint(rng, days - cagg[c, 0])
        for x in range(days):
            if cday[c, x] == 0:
                if j == 0:
                    d = x
                    break
                j -= 1
    if d < 0:
        d = _randint(rng, days)
    e = ents[ent_ptr[c] + _randint(rng, ent_ptr[c + 1] - ent_ptr[c])]
    m = bmask[e, d]
    if t_old // P == d:
        m &= ~(1 << (t_old - d * P))
    adj = ((m << 1) | (m >> 1)) & ~m & ((1 << P) - 1)
    if adj == 0:
        t = d * P + _randint(rng, P)
        return t if start_ok[c, t] else -1
    k = 0
    for q in range(P):
        if adj & (1 << q):
            k += 1
    j = _randint(rng, k)
    for q in range(P):
        if adj & (1 << q):
            if j == 0:
                t = d * P + q
                return t if start_ok[c, t] else -1
            j -= 1
    return -1


@njit(cache=True, nogil=True)
def anneal_chunk(iters, t_hi, t_lo, hard_weight, p_swap, p_room, p_kempe, p_near, static,
                 state, work):  # fmt: skip
    """Run ``iters`` moves with the temperature falling geometrically from ``t_hi`` to
    ``t_lo``. A move takes a random session to a random allowed start and/or fitting room,
    exchanging it with the session starting there if there is one (a ``p_near`` share of
    these moves aims at a day the class lacks or a period next to its batches' lectures,
    see :func:`_near`); or it exchanges two random sessions; or (``p_kempe``) it exchanges the
    slots of a Kempe chain (see :func:`_kempe_move`). ``tot`` ([hard, soft, best hard, best
    soft]) follows the state, and the best state (fewest hard violations, then lowest soft
    cost) is copied to best_st/best_rm.
    Returns the number of accepted moves."""
    P, starts_ptr, starts, start_ok = static[0], static[2], static[3], static[4]
    rooms_ptr, rooms, room_ok, overflow = static[5], static[6], static[7], static[8]
    ents, sess_class = static[10], static[20]
    st, rm, owner = state[0], state[1], state[8]
    rng, tot, best_st, best_rm = work[3], work[4], work[5], work[6]
    N = sess_class.shape[0]
    if N == 0:
        return 0
    ent_ptr = static[9]
    widest = 1
    for c in range(ent_ptr.shape[0] - 1):
        widest = max(widest, ent_ptr[c + 1] - ent_ptr[c])
    aff_b = np.zeros((4 * ents.shape[0] + 2 * MAX_KEMPE * widest + 8, 2), dtype=np.int64)
    aff_f = np.zeros((2 * MAX_KEMPE + 8, 2), dtype=np.int64)
    mem = np.zeros(MAX_KEMPE, dtype=np.int64)
    old_r = np.zeros(MAX_KEMPE, dtype=np.int64)
    cstamp = np.zeros(ent_ptr.shape[0], dtype=np.int64)
    accepted = 0
    ratio = t_lo / t_hi
    for it in range(iters):
        temp = t_hi * ratio ** (it / iters)
        s1 = _randint(rng, N)
        c1 = sess_class[s1]
        t1 = st[s1]
        r1 = rm[s1]
        s2 = -1
        u = _random(rng)
        if u >= 1.0 - p_kempe:
            t2 = starts[starts_ptr[c1] + _randint(rng, starts_ptr[c1 + 1] - starts_ptr[c1])]
            if t2 == t1:
                continue
            if _kempe_move(s1, t2, temp, hard_weight, static, state, work, mem, old_r, aff_b,
                           aff_f, cstamp):  # fmt: skip
                accepted += 1
                _keep_best(tot, st, rm, best_st, best_rm)
            continue
        if u < p_swap:
            s2 = _randint(rng, N)
            t1n = st[s2]
            r1n = rm[s2]
        else:
            if u < p_swap + p_room:
                t1n = t1
            elif p_near > 0.0 and _random(rng) < p_near:
                t1n = _near(c1, t1, static, state, rng)
                if t1n < 0:
                    continue
            else:
                t1n = starts[starts_ptr[c1] + _randint(rng, starts_ptr[c1 + 1] - starts_ptr[c1])]
            if u < p_swap + p_room or _random(rng) < 0.5:
                r1n = rooms[rooms_ptr[c1] + _randint(rng, rooms_ptr[c1 + 1] - rooms_ptr[c1])]
            else:
                r1n = r1
            if t1n == t1 and r1n == r1:
                continue
            o = owner[r1n, t1n]
            if o >= 0 and st[o] == t1n and rm[o] == r1n:
                s2 = o
        c2 = -1
        t2 = -1
        r2 = -1
        if s2 >= 0:
            c2 = sess_class[s2]
            t2 = st[s2]
            r2 = rm[s2]
            if c2 == c1 or not (start_ok[c1, t1n] and room_ok[c1, r1n]):
                continue
            if not (start_ok[c2, t1] and room_ok[c2, r1]):
                continue
        # the (entity, day) and (faculty, day) pairs whose cost may change
        work[2][0] += 1
        n_b, n_f = _mark(c1, t1 // P, static, work, aff_b, 0, aff_f, 0)
        n_b, n_f = _mark(c1, t1n // P, static, work, aff_b, n_b, aff_f, n_f)
        if s2 >= 0:
            n_b, n_f = _mark(c2, t2 // P, static, work, aff_b, n_b, aff_f, n_f)
            n_b, n_f = _mark(c2, t1 // P, static, work, aff_b, n_b, aff_f, n_f)
        soft0, load0 = _local_cost(c1, c2, n_b, aff_b, n_f, aff_f, static, state)
        h = _occupy(s1, t1, r1, -1, static, state)
        if s2 >= 0:
            h += _occupy(s2, t2, r2, -1, static, state)
            h += _occupy(s2, t1, r1, 1, static, state)
        h += _occupy(s1, t1n, r1n, 1, static, state)
        soft1, load1 = _local_cost(c1, c2, n_b, aff_b, n_f, aff_f, static, state)
        soft1 += overflow[c1, r1n] - overflow[c1, r1]
        if s2 >= 0:
            soft1 += overflow[c2, r1] - overflow[c2, r2]
        dh = h + load1 - load0
        ds = soft1 - soft0
        delta = hard_weight * dh + ds
        if delta <= 0 or _random(rng) < math.exp(-delta / temp):
            accepted += 1
            tot[0] += dh
            tot[1] += ds
            _keep_best(tot, st, rm, best_st, best_rm)
        else:  # undo, in reverse order
            _occupy(s1, t1n, r1n, -1, static, state)
            if s2 >= 0:
                _occupy(s2, t1, r1, -1, static, state)
                _occupy(s2, t2, r2, 1, static, state)
            _occupy(s1, t1, r1, 1, static, state)
    return accepted


# --- a chain --------------------------------------------------------------------------


class Chain:
    """One annealing chain: its state arrays, started from a complete timetable."""

    def __init__(
        self, a: Arrays, sessions: list[tuple[int, int, int, int]], seed: int, hard_weight: int
    ) -> None:
        """``sessions``: (class index, day, start period, room index), one per session."""
        self.a = a
        self.hard_weight = hard_weight
        P = a.periods
        C = a.length.shape[0]
        T = a.days * P
        R = a.room_ok.shape[1]
        N = a.sess_class.shape[0]
        self.static = (
            P, a.length, a.starts_ptr, a.starts, a.start_ok, a.rooms_ptr, a.rooms, a.room_ok,
            a.overflow, a.ent_ptr, a.ents, a.real, a.fac, a.max_day, a.bshape, a.fshape,
            a.min_days, a.prev, a.prev_total, a.weights, a.sess_class,
        )  # fmt: skip
        bocc = a.fixed_b.copy()
        focc = a.fixed_f.copy()
        self.state = (
            np.zeros(N, dtype=np.int64),  # st
            np.zeros(N, dtype=np.int64),  # rm
            bocc,
            _masks(bocc, a.days, P),
            focc,
            _masks(focc, a.days, P),
            focc.reshape(focc.shape[0], a.days, P).sum(axis=2),  # fday
            a.fixed_r.copy(),  # rocc
            np.full((R, T), -1, dtype=np.int64),  # owner
            np.zeros((C, a.days), dtype=np.int64),  # cday
            np.zeros((C, 4), dtype=np.int64),  # cagg
            np.zeros((C, R), dtype=np.int64),  # croom
            np.zeros((C, T), dtype=np.int64),  # cstart
        )
        self.st, self.rm = self.state[0], self.state[1]
        seed_state = (seed * 0x9E3779B97F4A7C15 + 0x2545F4914F6CDD1D) % (1 << 64) or 1
        self.tot = np.zeros(4, dtype=np.int64)
        self.work = (
            np.zeros(self.state[3].shape, dtype=np.int64),  # bstamp
            np.zeros(self.state[5].shape, dtype=np.int64),  # fstamp
            np.zeros(1, dtype=np.int64),  # stamp
            np.array([seed_state], dtype=np.uint64),  # rng
            self.tot,
            np.zeros(N, dtype=np.int64),  # best_st
            np.zeros(N, dtype=np.int64),  # best_rm
            np.zeros(N, dtype=np.int64),  # sstamp: Kempe chain membership
        )
        by_class: dict[int, list[tuple[int, int, int]]] = {}
        for ci, d, p, ri in sessions:
            by_class.setdefault(ci, []).append((d, p, ri))
        clashes = 0
        for s in range(N):
            d, p, ri = by_class[int(a.sess_class[s])].pop()
            clashes += int(_occupy(s, d * P + p, ri, 1, self.static, self.state))
        soft, load = self.full_cost()
        self.tot[:] = (clashes + load, soft, clashes + load, soft)
        self.best_st, self.best_rm = self.work[5], self.work[6]
        self.best_st[:] = self.st
        self.best_rm[:] = self.rm

    def full_cost(self) -> tuple[int, int]:
        """(soft, day-load excess) of the current state, recounted from its aggregates."""
        a = self.a
        bmask, fmask, fday, cagg = self.state[3], self.state[5], self.state[6], self.state[10]
        soft = a.constant
        for c in range(a.length.shape[0]):
            soft += int(_class_cost(c, self.static, cagg))
        soft += int(a.overflow[a.sess_class, self.rm].sum())
        days = np.arange(a.days)
        soft += int((a.bshape[days[None, :], bmask] * a.real[:, None]).sum())
        soft += int(a.fshape[days[None, :], fmask].sum())
        load = int(np.maximum(0, fday - a.max_day[:, None]).sum())
        return soft, load

    def run(
        self, iters: int, t_hi: float, t_lo: float, p_swap: float, p_room: float,
        p_kempe: float = 0.0, p_near: float = 0.0,
    ) -> int:  # fmt: skip
        return int(
            anneal_chunk(
                iters, t_hi, t_lo, self.hard_weight, p_swap, p_room, p_kempe, p_near, self.static,
                self.state, self.work,
            )
        )  # fmt: skip

    def restart(self) -> None:
        """Go back to the best state (fewest hard violations, then lowest soft cost)."""
        sessions = range(self.st.shape[0])  # _occupy writes st and rm, never the best
        for s in sessions:
            _occupy(s, int(self.st[s]), int(self.rm[s]), -1, self.static, self.state)
        for s in sessions:
            _occupy(s, int(self.best_st[s]), int(self.best_rm[s]), 1, self.static, self.state)
        self.tot[0], self.tot[1] = self.tot[2], self.tot[3]

    @property
    def best(self) -> tuple[int, int]:
        """(hard, soft) of the best state."""
        return int(self.tot[2]), int(self.tot[3])

    def best_sessions(self) -> list[tuple[int, int, int, int]]:
        P = self.a.periods
        return [
            (int(self.a.sess_class[s]), int(t) // P, int(t) % P, int(r))
            for s, (t, r) in enumerate(zip(self.best_st, self.best_rm, strict=True))
        ]


def _masks(occ: np.ndarray, days: int, periods: int) -> np.ndarray:
    busy = (occ.reshape(occ.shape[0], days, periods) > 0).astype(np.int64)
    return (busy << np.arange(periods, dtype=np.int64)).sum(axis=2)


# --- the driver -----------------------------------------------------------------------

#: Temperatures at the start and the end of a run, in units of the objective. A move that
#: costs 8 is taken one time in e at the start; at the end only improvements pass. On
#: comp06, comp07 and comp12 at 60 s a start of 8 summed to 421 against 432 for 4.
T_START = 8.0
T_END = 0.05
P_SWAP = 0.2  # share of moves that exchange two random sessions
P_ROOM = 0.1  # share of moves that only change the room
#: Share of moves that exchange a Kempe chain between two slots. Single 40 s chains from
#: the same start (comp12 / comp21 / comp19 / comp05): 365 / 117 / 73 / 356 without them,
#: 329 / 102 / 63 / 329 with 30 % (see benchmarks/itc2007/README.md).
P_KEMPE = 0.3
#: Share of the one-session moves whose target start is aimed at a soft penalty (see
#: :func:`_near`). Single 60 s chains from the same start, mean over seeds, 0.3 against 0:
#: comp13 67.8 / 69.7 (6 seeds), comp19 62.5 / 62.3 (6), comp06 45.2 / 46.8 (4), comp12
#: 344.8 / 342.2 (4): within the seed spread (see benchmarks/itc2007/README.md).
P_NEAR = 0.3
#: Iterations per second of budget with one worker (deterministic mode): about half of
#: what one core of a 2-core development machine does on the ITC-2007 instances (about
#: 0.5 million with 30 % Kempe moves).
ITERS_PER_SECOND = 250_000
CHUNK_SECONDS = 0.2  # between two looks at the clock, the cancel flag and the progress


def hard_weight(prep: Prepared) -> int:
    """A clash costs more than any soft gain a single move can make in practice."""
    heaviest = max(astuple(prep.problem.weights))
    return max(20, 4 * heaviest)


#: Length of one cooling cycle in seconds of budget (0: one cycle over the whole run): a
#: longer run makes several cycles, each heating up again from T_START on the best timetable
#: its chain has found. A single cooling stops gaining after about a minute on some
#: instances (comp13's 300 s chains ended no lower than its 60 s ones). Single 300 s chains,
#: 60 s cycles against one: comp13 63, 63 against 69, 77, 70, 74; comp19 61, 61 against
#: 63, 61, 65, 60 (see benchmarks/itc2007/README.md).
CYCLE_SECONDS = 60.0


def temperature(frac: float) -> float:
    """Geometric cooling from T_START to T_END over a cycle (``frac`` in [0, 1])."""
    return T_START * (T_END / T_START) ** min(1.0, max(0.0, frac))


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

    ``sessions`` and the result are (class index, day, start, room index) per session.
    ``chains`` independent chains run side by side (one per thread); the best feasible
    timetable of any chain is returned with its objective and whether the search was
    cancelled. With a deterministic clock one chain runs ``ITERS_PER_SECOND`` iterations
    per second of budget, so its result does not depend on the machine's speed. The search
    stops early once the objective reaches ``stop_at`` (a proven bound).
    """
    arrays = build_arrays(prep)
    weight = hard_weight(prep)
    pool = [Chain(arrays, sessions, seed * 7919 + i, weight) for i in range(max(1, chains))]
    best_soft = pool[0].best[1]
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
                return pool[0].best_sessions(), pool[0].best[1], True
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
                pool[0].run(n, t_hi, t_lo, P_SWAP, P_ROOM, P_KEMPE, P_NEAR)
            else:
                moves = (n, t_hi, t_lo, P_SWAP, P_ROOM, P_KEMPE, P_NEAR)
                list(executor.map(lambda ch: ch.run(*moves), pool))  # noqa: B023
            done += step
            if clock.deterministic:
                clock.work += step / ITERS_PER_SECOND
            else:
                took = max(1e-3, time.monotonic() - began)
                step = max(1000, int(step * CHUNK_SECONDS / took))
            soft = min(ch.best[1] for ch in pool if ch.best[0] == 0)
            if soft < best_soft:
                best_soft = soft
                if on_improve is not None:
                    on_improve(soft)
            if stop_at is not None and best_soft <= stop_at:
                break
    finally:
        if executor is not None:
            executor.shutdown()
    winner = min((ch for ch in pool if ch.best[0] == 0), key=lambda ch: ch.best[1])
    return winner.best_sessions(), winner.best[1], False


def warm_up() -> None:
    """Compile (or load from numba's cache) every kernel on a two-session problem, so a
    worker's first generation does not wait for the compiler."""
    from .model import Batch, ClassSpec, Problem, Room, RoomKind, TimeGrid

    problem = Problem(
        grid=TimeGrid(1, 2),
        rooms=(Room(1, RoomKind.LECTURE, 10),),
        faculty=(),
        batches=(Batch(1, 5),),
        classes=(ClassSpec(1, RoomKind.LECTURE, None, (1,), 2),),
    )
    chain = Chain(build_arrays(prepare(problem)), [(0, 0, 0, 0), (0, 0, 1, 0)], 1, 20)
    chain.run(10, 1.0, 0.5, P_SWAP, P_ROOM, P_KEMPE, P_NEAR)
