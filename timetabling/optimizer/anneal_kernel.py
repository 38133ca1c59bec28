"""The compiled moves of the annealer (see :mod:`.anneal` for the search they serve).

Every function here is compiled by numba (``nogil``: two chains run on two cores from two
threads) and reads three named tuples of arrays:

- ``static`` (:class:`.anneal_arrays.Static`): the problem, shared by every chain;
- ``state`` (:class:`State`): one chain's timetable and the aggregates its score is kept from;
- ``work`` (:class:`Work`): one chain's scratch, random generator and score.

numba compiles an attribute of a named tuple to the same load as an index, so the names cost
nothing. The kernel functions are left unannotated: numba types them from their arguments.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit

MAX_KEMPE = 16  # longest Kempe chain a move exchanges (longer ones are skipped)

# Columns of ``State.class_agg`` (per class):
DAYS_USED = 0  # days with at least one session
SAME_DAY = 1  # sessions beyond the first on their day, summed over days
ROOMS_USED = 2  # distinct rooms
PREV_KEPT = 3  # sessions starting where the previous timetable had one
ROOM_KEPT = 4  # sessions starting where the previous timetable had one, in its room

# Values of ``State.frozen`` (per session):
FREE = 0  # the annealer may move it
PIN_TIME = 1  # pinned to its start: only its room may change
PIN_ROOM = 2  # pinned to its start and room: never changed

# Columns of ``Work.tot``, the chain's score:
HARD = 0  # hard violations now
SOFT = 1  # soft cost now
BEST_HARD = 2  # hard violations of the best state
BEST_SOFT = 3  # soft cost of the best state

# Columns of the affected-pairs lists (``aff_b``: entity and day; ``aff_f``: faculty and day):
WHO = 0
DAY = 1


class State(NamedTuple):
    """One chain's timetable and its aggregates (all int64)."""

    start: np.ndarray  # per session: start slot
    room: np.ndarray  # per session: room
    ent_occ: np.ndarray  # [entity, slot] sessions there
    ent_mask: np.ndarray  # [entity, day] busy periods as a bit mask
    fac_occ: np.ndarray  # [faculty, slot] sessions there
    fac_mask: np.ndarray  # [faculty, day] busy periods as a bit mask
    fac_day: np.ndarray  # [faculty, day] periods taught
    room_occ: np.ndarray  # [room, slot] sessions there
    owner: np.ndarray  # [room, slot] the session starting there, or -1
    class_day: np.ndarray  # [class, day] sessions
    class_agg: np.ndarray  # [class, DAYS_USED | SAME_DAY | ROOMS_USED | PREV_KEPT | ROOM_KEPT]
    class_room: np.ndarray  # [class, room] sessions
    class_start: np.ndarray  # [class, slot] sessions starting there
    frozen: np.ndarray  # per session: FREE, or pinned (PIN_TIME, PIN_ROOM: time and room)


class Work(NamedTuple):
    """One chain's scratch, random generator and score."""

    ent_stamp: np.ndarray  # [entity, day] last move that listed the pair (each listed once)
    fac_stamp: np.ndarray  # [faculty, day] likewise
    stamp: np.ndarray  # [1] the current move's number
    rng: np.ndarray  # [1] xorshift state (uint64)
    tot: np.ndarray  # [HARD | SOFT | BEST_HARD | BEST_SOFT]
    best_start: np.ndarray  # per session: start slot in the best state
    best_room: np.ndarray  # per session: room in the best state
    sess_stamp: np.ndarray  # per session: last Kempe chain it joined


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
def occupy(s, t, r, sign, static, state):
    """Add (sign 1) or remove (sign -1) session ``s`` at start ``t`` in room ``r``.
    Returns the change in the number of clashes."""
    P, length, ent_ptr, ents = static.periods, static.length, static.ent_ptr, static.ents
    fac, prev, sess_class = static.fac, static.prev, static.sess_class
    st, rm, owner = state.start, state.room, state.owner
    bocc, bmask = state.ent_occ, state.ent_mask
    focc, fmask, fday = state.fac_occ, state.fac_mask, state.fac_day
    rocc = state.room_occ
    cday, cagg = state.class_day, state.class_agg
    croom, cstart = state.class_room, state.class_start
    w_prev, prev_room = static.w_previous, static.prev_room
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
        cagg[c, DAYS_USED if n == 0 else SAME_DAY] += 1
    else:
        cagg[c, DAYS_USED if n == 1 else SAME_DAY] -= 1
    n = croom[c, r]
    croom[c, r] = n + sign
    if sign > 0 and n == 0:
        cagg[c, ROOMS_USED] += 1
    elif sign < 0 and n == 1:
        cagg[c, ROOMS_USED] -= 1
    if w_prev > 0:
        if prev_room[c, t] == r:
            cagg[c, ROOM_KEPT] += sign
    n = cstart[c, t]
    cstart[c, t] = n + sign
    if sign > 0 and n < prev[c, t]:
        cagg[c, PREV_KEPT] += 1
    elif sign < 0 and n <= prev[c, t]:
        cagg[c, PREV_KEPT] -= 1
    if sign > 0:
        st[s] = t
        rm[s] = r
        owner[r, t] = s
    elif owner[r, t] == s:
        owner[r, t] = -1
    return h


@njit(cache=True, nogil=True, inline="always")
def class_cost(c, static, cagg):
    """Weighted soft cost of class ``c`` alone: days short of min_days, sessions sharing a
    day, rooms beyond the first, previous sessions not kept at their start and room."""
    short = max(0, static.min_days[c] - cagg[c, DAYS_USED])
    rooms = max(0, cagg[c, ROOMS_USED] - 1)
    return (
        static.w_min_days * short
        + static.w_same_day * cagg[c, SAME_DAY]
        + static.w_room_change * rooms
        + static.w_previous * (static.prev_total[c] - cagg[c, ROOM_KEPT])
    )


@njit(cache=True, nogil=True, inline="always")
def _bits(x):
    n = 0
    while x:
        x &= x - 1
        n += 1
    return n


@njit(cache=True, nogil=True)
def teacher_day(f, d, mask, static):
    """(weighted soft cost, hard violations) of faculty index ``f``'s day ``d`` with busy
    periods ``mask``, under the teacher rules of :mod:`.teacher_rules`. Used to fill the
    per-teacher day tables ``tshape`` / ``thard`` once per problem (see
    :func:`.anneal_arrays.teacher_tables`), never per move."""
    if mask == 0:
        return 0, 0
    P = static.periods
    hard = 0
    m = static.t_run[f]
    if m >= 0:
        fixed = static.t_fixed[f, d]
        run = 0
        fixed_run = 0  # a window of fixed sessions alone is not counted
        for p in range(P):
            if (mask >> p) & 1:
                follows = run > 0 and static.consec[d, p - 1]
                run = run + 1 if follows else 1
                if (fixed >> p) & 1:
                    fixed_run = fixed_run + 1 if follows and fixed_run > 0 else 1
                else:
                    fixed_run = 0
                if run > m and fixed_run <= m:
                    hard += 1
            else:
                run = 0
                fixed_run = 0
    soft = static.w_favoid * _bits(mask & static.t_avoid[f, d])
    soft += static.w_fprefer * _bits(mask & static.t_outside[f, d])
    limit = static.t_gaps[f]
    if limit >= 0 and static.w_fgap:
        first = -1
        last = -1
        for p in range(P):
            if (mask >> p) & 1:
                if first < 0:
                    first = p
                last = p
        between = ((1 << last) - 1) & ~((1 << (first + 1)) - 1)
        idle = _bits(between & static.day_exists[d] & ~mask)
        soft += static.w_fgap * max(0, idle - limit)
    return soft, hard


@njit(cache=True, nogil=True)
def fill_teacher_tables(static, reps, tshape, thard):
    """Add to row ``i + 1`` of the day tables the cost of faculty index ``reps[i]``'s day."""
    days = tshape.shape[1]
    for i in range(reps.shape[0]):
        f = reps[i]
        for d in range(days):
            for mask in range(tshape.shape[2]):
                soft, hard = teacher_day(f, d, mask, static)
                tshape[i + 1, d, mask] += soft
                thard[i + 1, d, mask] = hard


@njit(cache=True, nogil=True, inline="always")
def _days_cost(n_b, aff_b, n_f, aff_f, static, state):
    """(soft, day-load excess) of the affected (entity, day) and (faculty, day) pairs."""
    real, max_day, bshape = static.real, static.max_day, static.bshape
    t_row, tshape, thard = static.t_row, static.tshape, static.thard
    bmask, fmask, fday = state.ent_mask, state.fac_mask, state.fac_day
    soft = 0
    load = 0
    for i in range(n_b):
        e = aff_b[i, WHO]
        if real[e]:
            soft += bshape[aff_b[i, DAY], bmask[e, aff_b[i, DAY]]]
    for i in range(n_f):
        f = aff_f[i, WHO]
        d = aff_f[i, DAY]
        row = t_row[f]  # 0: no rules of their own, the shared table fshape
        soft += tshape[row, d, fmask[f, d]]
        load += max(0, fday[f, d] - max_day[f])
        if row > 0:
            load += thard[row, d, fmask[f, d]]
    return soft, load


@njit(cache=True, nogil=True, inline="always")
def _mark(c, d, static, work, aff_b, n_b, aff_f, n_f):
    """List the entities and the faculty member of class ``c`` on day ``d``, once each."""
    ent_ptr, ents, fac = static.ent_ptr, static.ents, static.fac
    bstamp, fstamp, stamp = work.ent_stamp, work.fac_stamp, work.stamp[0]
    for k in range(ent_ptr[c], ent_ptr[c + 1]):
        e = ents[k]
        if bstamp[e, d] != stamp:
            bstamp[e, d] = stamp
            aff_b[n_b, WHO] = e
            aff_b[n_b, DAY] = d
            n_b += 1
    f = fac[c]
    if f >= 0 and fstamp[f, d] != stamp:
        fstamp[f, d] = stamp
        aff_f[n_f, WHO] = f
        aff_f[n_f, DAY] = d
        n_f += 1
    return n_b, n_f


@njit(cache=True, nogil=True, inline="always")
def _local_cost(c1, c2, n_b, aff_b, n_f, aff_f, static, state):
    soft, load = _days_cost(n_b, aff_b, n_f, aff_f, static, state)
    soft += class_cost(c1, static, state.class_agg)
    if c2 >= 0:
        soft += class_cost(c2, static, state.class_agg)
    return soft, load


@njit(cache=True, nogil=True, inline="always")
def _keep_best(tot, st, rm, best_st, best_rm):
    """After an accepted move: copy the state when it is the best so far (fewest hard
    violations, then lowest soft cost)."""
    if tot[HARD] < tot[BEST_HARD] or (tot[HARD] == tot[BEST_HARD] and tot[SOFT] < tot[BEST_SOFT]):
        tot[BEST_HARD] = tot[HARD]
        tot[BEST_SOFT] = tot[SOFT]
        best_st[:] = st
        best_rm[:] = rm


@njit(cache=True, nogil=True, inline="always")
def _pick_room(c, t, r_old, static, state):
    """A room for class ``c`` at slot ``t``: its old one when free, else the free fitting
    room that adds least (room change, overflow); the old one when none is free."""
    rooms_ptr, rooms, overflow = static.rooms_ptr, static.rooms, static.overflow
    rocc, croom = state.room_occ, state.class_room
    if static.w_previous > 0:
        r_prev = static.prev_room[c, t]
        if r_prev >= 0 and r_prev != r_old:
            if rocc[r_prev, t] == 0 and static.room_ok[c, r_prev] != 0:
                return r_prev  # back where the previous timetable had it
    if rocc[r_old, t] == 0:
        return r_old
    best = r_old
    best_cost = 1 << 60
    for k in range(rooms_ptr[c], rooms_ptr[c + 1]):
        r = rooms[k]
        if rocc[r, t] != 0:
            continue
        cost = overflow[c, r] + (static.w_room_change if croom[c, r] == 0 else 0)
        if cost < best_cost:
            best_cost = cost
            best = r
    return best
