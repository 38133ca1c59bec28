"""The annealer's view of a problem: flat arrays in the layout its compiled kernel reads.

The shape of a batch's day (isolated periods, idle gaps) and of a faculty member's day
(long runs) depend only on which periods of that day are busy, so they are tables indexed by
the day's occupancy bit mask, computed once per problem (see :func:`shape_tables`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numba import njit

from .anneal_kernel import fill_teacher_tables
from .domain import Prepared, baskets, room_fits
from .teacher_rules import scoped_teachers

MAX_PERIODS_PER_DAY = 16  # the day-shape tables have 2**periods entries per day
MAX_TEACHER_TABLE = 1 << 21  # entries of the per-teacher day tables (16 MiB each)

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
    tables: tuple[np.ndarray, np.ndarray] = _shape_tables(
        exists, consec, w.isolated, w.idle_gap, w.long_run, problem.long_run_limit + 1
    )
    return tables


@njit(cache=True)
def _shape_tables(
    exists: np.ndarray, consec: np.ndarray, w_iso: int, w_idle: int, w_long: int, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Compiled by numba, which ignores the annotations and types it from its arguments."""
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


class Static(NamedTuple):
    """What the compiled kernel reads of one problem (shared by every chain). A slot is
    ``day * periods + period``; an entity is a batch, or a class of no batch (so it still
    cannot overlap itself). numba compiles attribute access on this tuple to a field load."""

    periods: int
    length: np.ndarray  # per class: periods per session
    starts_ptr: np.ndarray  # per class: CSR offsets into ``starts``
    starts: np.ndarray  # allowed start slots of each class
    start_ok: np.ndarray  # [class, slot] 0/1
    rooms_ptr: np.ndarray  # per class: CSR offsets into ``rooms``
    rooms: np.ndarray  # fitting rooms of each class
    room_ok: np.ndarray  # [class, room] 0/1
    overflow: np.ndarray  # [class, room] weighted soft capacity cost of one session
    ent_ptr: np.ndarray  # per class: CSR offsets into ``ents``
    ents: np.ndarray  # the clash entities each class occupies
    real: np.ndarray  # per entity: 1 when it is a batch (day shapes count)
    fac: np.ndarray  # per class: faculty index or -1
    max_day: np.ndarray  # per faculty: periods a day at most
    bshape: np.ndarray  # [day, busy mask] weighted cost of a batch's day
    fshape: np.ndarray  # [day, busy mask] weighted cost of a faculty member's day
    min_days: np.ndarray  # per class
    prev: np.ndarray  # [class, slot] sessions of the previous timetable starting there
    prev_total: np.ndarray  # per class: sessions of the previous timetable
    w_min_days: int  # weight of a day short of a class's min_days
    w_same_day: int  # weight of a second session of a class on one day
    w_room_change: int  # weight of a class's room beyond its first
    w_previous: int  # weight of a previous session not kept (0 without a previous timetable)
    sess_class: np.ndarray  # per session: its class
    sess_ptr: np.ndarray  # per class: CSR offsets of its sessions (sessions are by class)
    basket: np.ndarray  # per class: its basket's index, or -1 (options move together)
    bk_ptr: np.ndarray  # per basket: CSR offsets into ``bk_classes``
    bk_classes: np.ndarray  # the option classes of each basket
    # previous_distance counts rooms too: the previous session's room per [class, slot]
    prev_room: np.ndarray  # [class, slot] room index of the previous session there, or -1
    # the teacher rules (see teacher_rules.py); per faculty index, off for other teachers
    consec: np.ndarray  # [day, period] 1 when period+1 directly follows period
    day_exists: np.ndarray  # per day: existing periods as a bit mask
    t_run: np.ndarray  # per faculty: max_consecutive, or -1 (no limit)
    t_gaps: np.ndarray  # per faculty: max_gaps_per_day, or -1 (not counted)
    t_avoid: np.ndarray  # [faculty, day] avoided periods as a bit mask
    t_outside: np.ndarray  # [faculty, day] periods outside a non-empty prefer set, bit mask
    t_fixed: np.ndarray  # [faculty, day] periods taught in fixed sessions, bit mask
    # A teacher's day cost under their own rules depends only on the day's busy mask too:
    # ``tshape[t_row[f], day, mask]`` is fshape plus that (row 0: no rules of their own,
    # fshape itself), ``thard`` the hard count; teachers with the same rules share a row.
    t_row: np.ndarray  # per faculty: their row of tshape / thard
    tshape: np.ndarray  # [row, day, busy mask] weighted soft cost of a faculty member's day
    thard: np.ndarray  # [row, day, busy mask] faculty_consecutive count of that day
    w_fgap: int  # weight of an idle period of a teacher beyond max_gaps_per_day
    w_favoid: int  # weight of a period taught in an avoided period
    w_fprefer: int  # weight of a period taught outside the preferred ones


@dataclass(frozen=True)
class Arrays:
    """One problem as arrays: the kernel's part, and what only a chain's start needs."""

    static: Static
    days: int
    constant: int  # weighted previous sessions no start can keep (their class is gone)
    fixed_b: np.ndarray  # [entity, slot] occupancy by fixed sessions
    fixed_f: np.ndarray  # [faculty, slot]
    fixed_r: np.ndarray  # [room, slot]
    pins: np.ndarray  # [pin, CLASS | SLOT | ROOM]: pinned sessions (room -1: any room)


def supported(prep: Prepared) -> bool:
    """The annealer handles grids up to MAX_PERIODS_PER_DAY periods a day, and its
    per-teacher day tables stay within MAX_TEACHER_TABLE entries."""
    g = prep.problem.grid
    if g.periods_per_day > MAX_PERIODS_PER_DAY:
        return False
    return teacher_rows(prep) * g.days * (1 << g.periods_per_day) <= MAX_TEACHER_TABLE


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
    carried: set[tuple[int, int]] = set()  # (batch, basket): one option carries the batch
    for ci, cls in enumerate(problem.classes):
        own = list(dict.fromkeys(batch_index[b] for b in cls.batches))
        if cls.basket is not None:  # the options always meet together: the batch once
            own = [e for e in own if (e, cls.basket) not in carried]
            carried.update((e, cls.basket) for e in own)
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
    sess_ptr = np.zeros(C + 1, dtype=np.int64)
    sess_ptr[1:] = np.cumsum([max(0, c.sessions_per_week) for c in problem.classes])
    groups = list(baskets(problem).values())
    basket = np.full(C, -1, dtype=np.int64)
    bk_ptr = np.zeros(len(groups) + 1, dtype=np.int64)
    for k, members in enumerate(groups):
        basket[members] = k
        bk_ptr[k + 1] = bk_ptr[k] + len(members)
    bk_classes = np.array([ci for members in groups for ci in members], dtype=np.int64)
    pins = np.array(
        [
            (ci, pin.day * P + pin.period, -1 if pin.room is None else room_index.get(pin.room, -1))
            for ci, cls in enumerate(problem.classes)
            for pin in cls.pins
        ],
        dtype=np.int64,
    ).reshape(-1, 3)

    def occupancy(
        counts: Counter[tuple[int, int, int]], index: dict[int, int], n: int
    ) -> np.ndarray:
        """Fixed-session occupancy per (index, slot) from counts keyed (id, day, period)."""
        out = np.zeros((n, T), dtype=np.int64)
        for (key, d, p), k in counts.items():
            if key in index and g.exists(d, p):
                out[index[key], d * P + p] += k
        return out

    fixed_b = occupancy(prep.fixed.batch, batch_index, pseudo)
    fixed_f = occupancy(prep.fixed.faculty, fidx, F)
    fixed_r = occupancy(prep.fixed.room, room_index, R)
    teacher = _teacher_arrays(prep, F)
    prev_room = np.full((C, T), -1, dtype=np.int64)
    for old in problem.previous:
        at_class = class_index.get(old.class_id)
        at_room = room_index.get(old.room)
        if at_class is not None and at_room is not None and g.exists(old.day, old.period):
            slot = old.day * P + old.period
            if prev_room[at_class, slot] < 0:
                prev_room[at_class, slot] = at_room
    static = Static(
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
        w_min_days=w.min_days,
        w_same_day=w.same_day,
        w_room_change=w.room_change,
        w_previous=w.previous_distance if problem.previous else 0,
        sess_class=sess_class,
        sess_ptr=sess_ptr,
        basket=basket,
        bk_ptr=bk_ptr,
        bk_classes=bk_classes,
        prev_room=prev_room,
        consec=teacher.consec,
        day_exists=teacher.day_exists,
        t_run=teacher.run,
        t_gaps=teacher.gaps,
        t_avoid=teacher.avoid,
        t_outside=teacher.outside,
        t_fixed=_masks_of(fixed_f, g.days, P),
        t_row=np.zeros(F, dtype=np.int64),
        tshape=fshape[None, :, :],
        thard=np.zeros((1, *fshape.shape), dtype=np.int64),
        w_fgap=w.faculty_gap,
        w_favoid=w.faculty_avoid,
        w_fprefer=w.faculty_prefer,
    )
    static = teacher_tables(static)
    return Arrays(
        static=static,
        days=g.days,
        constant=lost * w.previous_distance,
        fixed_b=fixed_b,
        fixed_f=fixed_f,
        fixed_r=fixed_r,
        pins=pins,
    )


class TeacherArrays(NamedTuple):
    consec: np.ndarray
    day_exists: np.ndarray
    run: np.ndarray
    gaps: np.ndarray
    avoid: np.ndarray
    outside: np.ndarray


def _teacher_arrays(prep: Prepared, n_faculty: int) -> TeacherArrays:
    """The teacher rules as arrays, for the teachers of the problem's classes only."""
    problem = prep.problem
    g = problem.grid
    P = g.periods_per_day
    consec = np.array(
        [[g.consecutive(d, p) for p in range(P)] for d in range(g.days)], dtype=np.int64
    ).reshape(g.days, P)
    day_exists = np.array(
        [sum(1 << p for p in range(P) if g.exists(d, p)) for d in range(g.days)], dtype=np.int64
    )
    run = np.full(n_faculty, -1, dtype=np.int64)
    gaps = np.full(n_faculty, -1, dtype=np.int64)
    avoid = np.zeros((n_faculty, g.days), dtype=np.int64)
    outside = np.zeros((n_faculty, g.days), dtype=np.int64)
    for fac in scoped_teachers(problem):
        fi = prep.faculty_index[fac.id]
        if fac.max_consecutive is not None:
            run[fi] = max(0, fac.max_consecutive)
        if fac.max_gaps_per_day is not None:
            gaps[fi] = fac.max_gaps_per_day
        for d in range(g.days):
            for p in range(P):
                if (d, p) in fac.avoid:
                    avoid[fi, d] |= 1 << p
                if fac.prefer and (d, p) not in fac.prefer:
                    outside[fi, d] |= 1 << p
    return TeacherArrays(consec, day_exists, run, gaps, avoid, outside)


def _masks_of(occ: np.ndarray, days: int, periods: int) -> np.ndarray:
    """[row, day] bit masks of the periods where ``occ`` ([row, slot]) is positive."""
    busy = (occ.reshape(occ.shape[0], days, periods) > 0).astype(np.int64)
    masks: np.ndarray = (busy << np.arange(periods, dtype=np.int64)).sum(axis=2)
    return masks


def teacher_tables(static: Static) -> Static:
    """``static`` with the per-teacher day tables filled (see ``Static.t_row``)."""
    rows: dict[tuple[object, ...], int] = {}
    t_row = np.zeros(static.t_run.shape[0], dtype=np.int64)
    reps: list[int] = []
    for f in range(t_row.shape[0]):
        if not _has_rules(static, f):
            continue
        key = (
            int(static.t_run[f]),
            int(static.t_gaps[f]) if static.w_fgap else -1,
            static.t_avoid[f].tobytes() if static.w_favoid else b"",
            static.t_outside[f].tobytes() if static.w_fprefer else b"",
            static.t_fixed[f].tobytes() if static.t_run[f] >= 0 else b"",
        )
        if key not in rows:
            rows[key] = len(reps) + 1
            reps.append(f)
        t_row[f] = rows[key]
    if not reps:
        return static
    days, masks = static.fshape.shape
    tshape = np.zeros((len(reps) + 1, days, masks), dtype=np.int64)
    thard = np.zeros((len(reps) + 1, days, masks), dtype=np.int64)
    tshape[:] = static.fshape[None, :, :]
    fill_teacher_tables(static, np.array(reps, dtype=np.int64), tshape, thard)
    return static._replace(t_row=t_row, tshape=tshape, thard=thard)


def _has_rules(static: Static, f: int) -> bool:
    return bool(
        static.t_run[f] >= 0
        or (static.w_fgap and static.t_gaps[f] >= 0)
        or (static.w_favoid and static.t_avoid[f].any())
        or (static.w_fprefer and static.t_outside[f].any())
    )


def teacher_rows(prep: Prepared) -> int:
    """Rows the per-teacher day tables need at most (one per teacher with rules, + 1)."""
    w = prep.problem.weights
    return 1 + sum(
        1
        for f in scoped_teachers(prep.problem)
        if f.max_consecutive is not None
        or (w.faculty_gap and f.max_gaps_per_day is not None)
        or (w.faculty_avoid and f.avoid)
        or (w.faculty_prefer and f.prefer)
    )
