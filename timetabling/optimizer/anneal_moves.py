"""The annealer's compound moves and its main loop, compiled by numba: a Kempe-chain
exchange of two slots, an elective basket's options moved together, and ``anneal_chunk``,
which draws every move. The primitives they share (occupancy, costs, the random generator)
are in :mod:`.anneal_kernel`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .anneal_kernel import (
    FREE,
    HARD,
    MAX_KEMPE,
    PIN_ROOM,
    SOFT,
    _days_cost,
    _keep_best,
    _local_cost,
    _mark,
    _pick_room,
    _randint,
    _random,
    class_cost,
    occupy,
)


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
