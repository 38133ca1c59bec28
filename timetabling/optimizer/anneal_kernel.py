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

import math
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
def _conflict(x, y, static):
    """Sessions ``x`` and ``y`` share a batch (or pseudo-entity) or a faculty member."""
    ent_ptr, ents, fac, sess_class = static.ent_ptr, static.ents, static.fac, static.sess_class
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
    length, start_ok, sess_class = static.length, static.start_ok, static.sess_class
    st, rm, owner = state.start, state.room, state.owner
    sstamp, stamp = work.sess_stamp, work.stamp[0]
    t1 = st[s1]
    R = owner.shape[0]
    basket, frozen = static.basket, state.frozen
    if length[sess_class[s1]] != 1 or basket[sess_class[s1]] >= 0 or frozen[s1] != FREE:
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
            if basket[cy] >= 0 or frozen[y] != FREE:  # moves only with its basket / never
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


@njit(cache=True, nogil=True, inline="always")
def _chain_cost(n, mem, n_b, aff_b, n_f, aff_f, static, state, cstamp, stamp):
    """(soft, day-load excess) of the affected days and of the members' classes, each
    class once, plus the members' room overflow."""
    overflow, sess_class = static.overflow, static.sess_class
    rm = state.room
    soft, load = _days_cost(n_b, aff_b, n_f, aff_f, static, state)
    for i in range(n):
        c = sess_class[mem[i]]
        soft += overflow[c, rm[mem[i]]]
        if cstamp[c] != stamp:
            cstamp[c] = stamp
            soft += class_cost(c, static, state.class_agg)
    return soft, load


@njit(cache=True, nogil=True)
def kempe_move(s1, t2, temp, hard_weight, static, state, work, mem, old_r, aff_b, aff_f,
               cstamp):  # fmt: skip
    """Exchange the slots of the Kempe chain of ``s1`` between its start and ``t2`` (rooms
    kept where free, else re-chosen); accepted by the annealing rule. Returns 1 when
    accepted, 0 when rejected or skipped."""
    P, sess_class = static.periods, static.sess_class
    st, rm = state.start, state.room
    rng, tot = work.rng, work.tot
    t1 = st[s1]
    work.stamp[0] += 1
    n = _kempe_chain(s1, t2, static, state, work, mem)
    if n == 0:
        return 0
    n_b = 0
    n_f = 0
    for i in range(n):
        c = sess_class[mem[i]]
        n_b, n_f = _mark(c, t1 // P, static, work, aff_b, n_b, aff_f, n_f)
        n_b, n_f = _mark(c, t2 // P, static, work, aff_b, n_b, aff_f, n_f)
    stamp = work.stamp[0]
    soft0, load0 = _chain_cost(n, mem, n_b, aff_b, n_f, aff_f, static, state, cstamp, stamp)
    h = 0
    for i in range(n):
        s = mem[i]
        old_r[i] = rm[s]
        h += occupy(s, st[s], rm[s], -1, static, state)
    for i in range(n):
        s = mem[i]
        t = t2 if st[s] == t1 else t1
        r = _pick_room(sess_class[s], t, old_r[i], static, state)
        h += occupy(s, t, r, 1, static, state)
    soft1, load1 = _chain_cost(n, mem, n_b, aff_b, n_f, aff_f, static, state, cstamp, -stamp)
    dh = h + load1 - load0
    ds = soft1 - soft0
    delta = hard_weight * dh + ds
    if delta <= 0 or _random(rng) < math.exp(-delta / temp):
        tot[HARD] += dh
        tot[SOFT] += ds
        return 1
    for i in range(n):  # undo: every member back to its slot and room
        s = mem[i]
        occupy(s, st[s], rm[s], -1, static, state)
    for i in range(n):
        s = mem[i]
        occupy(s, t1 if st[s] == t2 else t2, old_r[i], 1, static, state)
    return 0


@njit(cache=True, nogil=True, inline="always")
def _may_exchange(s1, s2, times_change, r1_changes, r2_changes, static, state):
    """Whether ``s1`` and ``s2`` may exchange places: a basket option never changes time
    alone, and a pinned session keeps its start (and its pinned room)."""
    frozen, basket, sess_class = state.frozen, static.basket, static.sess_class
    if times_change:
        if frozen[s1] != FREE or frozen[s2] != FREE:
            return False
        if basket[sess_class[s1]] >= 0 or basket[sess_class[s2]] >= 0:
            return False
    if r1_changes and frozen[s1] == PIN_ROOM:
        return False
    if r2_changes and frozen[s2] == PIN_ROOM:
        return False
    return True


@njit(cache=True, nogil=True)
def _basket_members(s1, static, state, mem):
    """One session per option of ``s1``'s basket, each starting where ``s1`` starts, into
    ``mem``; returns their number, or 0 when an option has no free session there."""
    basket, bk_ptr, bk_classes = static.basket, static.bk_ptr, static.bk_classes
    sess_ptr, sess_class = static.sess_ptr, static.sess_class
    st, frozen = state.start, state.frozen
    t1 = st[s1]
    k = basket[sess_class[s1]]
    n = 0
    for i in range(bk_ptr[k], bk_ptr[k + 1]):
        c = bk_classes[i]
        found = -1
        for s in range(sess_ptr[c], sess_ptr[c + 1]):
            if st[s] == t1:
                found = s
                break
        if found < 0 or frozen[found] != FREE:
            return 0
        mem[n] = found
        n += 1
    return n


@njit(cache=True, nogil=True)
def basket_move(s1, t2, temp, hard_weight, static, state, work, mem, old_r, aff_b, aff_f,
                cstamp):  # fmt: skip
    """Move the session of every option of ``s1``'s basket that starts with ``s1`` to
    ``t2`` together (rooms kept where free, else re-chosen per option); accepted by the
    annealing rule. Returns 1 when accepted, 0 when rejected or skipped."""
    P, sess_class, start_ok = static.periods, static.sess_class, static.start_ok
    st, rm = state.start, state.room
    rng, tot = work.rng, work.tot
    t1 = st[s1]
    work.stamp[0] += 1
    n = _basket_members(s1, static, state, mem)
    if n == 0:
        return 0
    n_b = 0
    n_f = 0
    for i in range(n):
        c = sess_class[mem[i]]
        if not start_ok[c, t2]:
            return 0
        n_b, n_f = _mark(c, t1 // P, static, work, aff_b, n_b, aff_f, n_f)
        n_b, n_f = _mark(c, t2 // P, static, work, aff_b, n_b, aff_f, n_f)
    stamp = work.stamp[0]
    soft0, load0 = _chain_cost(n, mem, n_b, aff_b, n_f, aff_f, static, state, cstamp, stamp)
    h = 0
    for i in range(n):
        s = mem[i]
        old_r[i] = rm[s]
        h += occupy(s, t1, rm[s], -1, static, state)
    for i in range(n):
        s = mem[i]
        r = _pick_room(sess_class[s], t2, old_r[i], static, state)
        h += occupy(s, t2, r, 1, static, state)
    soft1, load1 = _chain_cost(n, mem, n_b, aff_b, n_f, aff_f, static, state, cstamp, -stamp)
    dh = h + load1 - load0
    ds = soft1 - soft0
    delta = hard_weight * dh + ds
    if delta <= 0 or _random(rng) < math.exp(-delta / temp):
        tot[HARD] += dh
        tot[SOFT] += ds
        return 1
    for i in range(n):  # undo: every option back to its start and room
        s = mem[i]
        occupy(s, t2, rm[s], -1, static, state)
    for i in range(n):
        occupy(mem[i], t1, old_r[i], 1, static, state)
    return 0


@njit(cache=True, nogil=True)
def anneal_chunk(iters, t_hi, t_lo, hard_weight, p_swap, p_room, p_kempe, static, state,
                 work):  # fmt: skip
    """Run ``iters`` moves with the temperature falling geometrically from ``t_hi`` to
    ``t_lo``. A move takes a random session to a random allowed start and/or fitting room,
    exchanging it with the session starting there if there is one; or it exchanges two
    random sessions; or (``p_kempe``) it exchanges the slots of a Kempe chain (see
    :func:`kempe_move`). ``work.tot`` follows the state, and the
    best state (fewest hard violations, then lowest soft cost) is copied to
    ``work.best_start`` / ``work.best_room``.
    Returns the number of accepted moves."""
    P, start_ok, room_ok = static.periods, static.start_ok, static.room_ok
    starts_ptr, starts = static.starts_ptr, static.starts
    rooms_ptr, rooms, overflow = static.rooms_ptr, static.rooms, static.overflow
    ents, sess_class = static.ents, static.sess_class
    st, rm, owner = state.start, state.room, state.owner
    rng, tot, best_st, best_rm = work.rng, work.tot, work.best_start, work.best_room
    N = sess_class.shape[0]
    if N == 0:
        return 0
    ent_ptr = static.ent_ptr
    widest = 1
    for c in range(ent_ptr.shape[0] - 1):
        widest = max(widest, ent_ptr[c + 1] - ent_ptr[c])
    aff_b = np.zeros((4 * ents.shape[0] + 2 * MAX_KEMPE * widest + 8, 2), dtype=np.int64)
    aff_f = np.zeros((2 * MAX_KEMPE + 8, 2), dtype=np.int64)
    mem = np.zeros(MAX_KEMPE, dtype=np.int64)
    old_r = np.zeros(MAX_KEMPE, dtype=np.int64)
    cstamp = np.zeros(ent_ptr.shape[0], dtype=np.int64)
    bk_ptr = static.bk_ptr
    widest_basket = 1
    for k in range(bk_ptr.shape[0] - 1):
        widest_basket = max(widest_basket, bk_ptr[k + 1] - bk_ptr[k])
    bmem = np.zeros(widest_basket, dtype=np.int64)
    bold_r = np.zeros(widest_basket, dtype=np.int64)
    bk_aff_f = np.zeros((2 * widest_basket + 8, 2), dtype=np.int64)
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
            if kempe_move(s1, t2, temp, hard_weight, static, state, work, mem, old_r, aff_b,
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
            if not _may_exchange(s1, s2, t1 != t2, r1n != r1, r2 != r1, static, state):
                continue
        elif t1n != t1 and static.basket[c1] >= 0:  # a basket's options move together
            if state.frozen[s1] == FREE and basket_move(
                s1, t1n, temp, hard_weight, static, state, work, bmem, bold_r, aff_b, bk_aff_f,
                cstamp,
            ):  # fmt: skip
                accepted += 1
                _keep_best(tot, st, rm, best_st, best_rm)
            continue
        elif state.frozen[s1] != FREE and (t1n != t1 or state.frozen[s1] == PIN_ROOM):
            continue  # a pinned session keeps its start (and its pinned room)
        # the (entity, day) and (faculty, day) pairs whose cost may change
        work.stamp[0] += 1
        n_b, n_f = _mark(c1, t1 // P, static, work, aff_b, 0, aff_f, 0)
        n_b, n_f = _mark(c1, t1n // P, static, work, aff_b, n_b, aff_f, n_f)
        if s2 >= 0:
            n_b, n_f = _mark(c2, t2 // P, static, work, aff_b, n_b, aff_f, n_f)
            n_b, n_f = _mark(c2, t1 // P, static, work, aff_b, n_b, aff_f, n_f)
        soft0, load0 = _local_cost(c1, c2, n_b, aff_b, n_f, aff_f, static, state)
        h = occupy(s1, t1, r1, -1, static, state)
        if s2 >= 0:
            h += occupy(s2, t2, r2, -1, static, state)
            h += occupy(s2, t1, r1, 1, static, state)
        h += occupy(s1, t1n, r1n, 1, static, state)
        soft1, load1 = _local_cost(c1, c2, n_b, aff_b, n_f, aff_f, static, state)
        soft1 += overflow[c1, r1n] - overflow[c1, r1]
        if s2 >= 0:
            soft1 += overflow[c2, r1] - overflow[c2, r2]
        dh = h + load1 - load0
        ds = soft1 - soft0
        delta = hard_weight * dh + ds
        if delta <= 0 or _random(rng) < math.exp(-delta / temp):
            accepted += 1
            tot[HARD] += dh
            tot[SOFT] += ds
            _keep_best(tot, st, rm, best_st, best_rm)
        else:  # undo, in reverse order
            occupy(s1, t1n, r1n, -1, static, state)
            if s2 >= 0:
                occupy(s2, t1, r1, -1, static, state)
                occupy(s2, t2, r2, 1, static, state)
            occupy(s1, t1, r1, 1, static, state)
    return accepted
