"""The CP-SAT model of *where* sessions happen.

A candidate is a possible session (class, day, start) together with its presence: the
constant 1 once times are fixed (second phase), or the time variable ``x`` in the joint
model. ``w[candidate, room]`` exists only for rooms of the right kind, with enough seats when
capacity is hard, and free of fixed sessions over the whole session.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from ortools.graph.python import linear_sum_assignment
from ortools.sat.python import cp_model

from .domain import Prepared, covered, room_fits
from .evaluate import moved_counts
from .model import RoomKind, Session
from .timemodel import Term


@dataclass(frozen=True)
class Candidate:
    ci: int
    day: int
    start: int
    presence: cp_model.LinearExprT  # 1 or an x variable


@dataclass
class RoomModel:
    prep: Prepared
    model: cp_model.CpModel
    candidates: list[Candidate]
    w: dict[int, list[tuple[int, cp_model.IntVar]]] = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)
    uses: dict[tuple[int, int], cp_model.IntVar] = field(default_factory=dict)


def add_room_choices(rm: RoomModel) -> None:
    """Every present candidate gets exactly one fitting room (kind, hard capacity, free)."""
    problem = rm.prep.problem
    for k, cand in enumerate(rm.candidates):
        cls = problem.classes[cand.ci]
        size = rm.prep.sizes[cand.ci]
        cells = covered(cand.day, cand.start, cls.periods_per_session)
        choices = []
        for ri, room in enumerate(problem.rooms):
            if not room_fits(problem, cls, room, size):
                continue
            if any(rm.prep.fixed.room[(room.id, d, p)] for d, p in cells):
                continue
            choices.append((ri, rm.model.new_bool_var(f"w_{k}_{ri}")))
        rm.w[k] = choices
        rm.model.add(sum(v for _, v in choices) == cand.presence)


def pinned_rooms(prep: Prepared) -> dict[tuple[int, int, int], int]:
    """(class index, day, start) -> room id, for every pin that names a room."""
    return {
        (ci, pin.day, pin.period): pin.room
        for ci, cls in enumerate(prep.problem.classes)
        for pin in cls.pins
        if pin.room is not None
    }


def add_pinned_rooms(rm: RoomModel) -> None:
    """A session pinned to a room gets that room (or none at all, if it does not fit)."""
    pins = pinned_rooms(rm.prep)
    if not pins:
        return
    rooms = rm.prep.problem.rooms
    for k, cand in enumerate(rm.candidates):
        want = pins.get((cand.ci, cand.day, cand.start))
        if want is None:
            continue
        keep = [(ri, v) for ri, v in rm.w[k] if rooms[ri].id == want]
        for ri, v in rm.w[k]:
            if rooms[ri].id != want:
                rm.model.add(v == 0)
        rm.w[k] = keep


def add_no_room_clash(rm: RoomModel) -> None:
    """A room hosts at most one session per period."""
    per_cell: dict[tuple[int, int, int], list[cp_model.IntVar]] = {}
    for k, cand in enumerate(rm.candidates):
        length = rm.prep.problem.classes[cand.ci].periods_per_session
        for ri, v in rm.w[k]:
            for d, p in covered(cand.day, cand.start, length):
                per_cell.setdefault((ri, d, p), []).append(v)
    for vs in per_cell.values():
        if len(vs) > 1:
            rm.model.add_at_most_one(vs)


def penalty_room_change(rm: RoomModel) -> None:
    """Distinct rooms used by a class, minus one."""
    w = rm.prep.problem.weights.room_change
    if not w:
        return
    uses = rm.uses
    for k, cand in enumerate(rm.candidates):
        for ri, v in rm.w[k]:
            key = (cand.ci, ri)
            if key not in uses:
                uses[key] = rm.model.new_bool_var(f"use_{cand.ci}_{ri}")
            rm.model.add_implication(v, uses[key])
    per_class: dict[int, list[cp_model.IntVar]] = {}
    for (ci, _), u in uses.items():
        per_class.setdefault(ci, []).append(u)
    counts: list[cp_model.LinearExprT] = []
    for ci, us in per_class.items():
        if rm.prep.problem.classes[ci].sessions_per_week > 0:
            rm.model.add(sum(us) >= 1)  # valid, and it tightens the relaxation
            counts.append(sum(us) - 1)
    rm.terms.append(Term("room_change", w, sum(counts)))


def penalty_room_capacity(rm: RoomModel) -> None:
    """Students over the room's capacity, summed over sessions (soft capacity only)."""
    problem = rm.prep.problem
    w = problem.weights.room_capacity
    if not w or problem.capacity_is_hard:
        return
    counts: list[cp_model.LinearExprT] = []
    for k, cand in enumerate(rm.candidates):
        size = rm.prep.sizes[cand.ci]
        for ri, v in rm.w[k]:
            over = size - problem.rooms[ri].capacity
            if over > 0:
                counts.append(over * v)
    rm.terms.append(Term("room_capacity", w, sum(counts)))


def greedy_rooms(rm: RoomModel, present: list[int], keep_previous: bool = True) -> dict[int, int]:
    """A quick room assignment for the present candidates (a hint and a fallback).

    Sessions in time order, and within one start those of ``Problem.previous`` first, then
    by decreasing size. A session that starts where the previous timetable had it takes
    its previous room if that is free; else each takes the room its class already uses
    most if that room is free and seats everyone, else the smallest free room that seats
    everyone, else the largest free room. With ``keep_previous`` False (previous rooms
    taken first can leave a larger session of their period without a room) or without a
    previous timetable, for single-period sessions this reaches the minimum overflow of
    every period: any room that seats the current session also seats every later
    (smaller) one of that period.
    """
    problem = rm.prep.problem
    taken: set[tuple[int, int, int]] = set()
    out: dict[int, int] = {}
    used: dict[int, Counter[int]] = {}
    prev = previous_rooms(rm.prep, rm.candidates) if keep_previous else {}

    def cells(k: int) -> list[tuple[int, int]]:
        c = rm.candidates[k]
        return covered(c.day, c.start, problem.classes[c.ci].periods_per_session)

    order = sorted(
        present,
        key=lambda k: (
            rm.candidates[k].day,
            rm.candidates[k].start,
            len(rm.w[k]) > 1,  # a session with one possible room (pinned) takes it first
            k not in prev,  # a session staying where it was takes its old room first
            -rm.prep.sizes[rm.candidates[k].ci],
        ),
    )
    for k in order:
        ci = rm.candidates[k].ci
        size = rm.prep.sizes[ci]
        free = [r for r, _ in rm.w[k] if all((r, d, p) not in taken for d, p in cells(k))]
        if not free:
            continue
        fit = [r for r in free if problem.rooms[r].capacity >= size]
        home = used.get(ci)
        pick = prev[k] if prev.get(k) in free else None
        if pick is None and home:
            pick = next((r for r, _ in home.most_common() if r in fit), None)
        if pick is None and fit:
            pick = min(fit, key=lambda r: problem.rooms[r].capacity)
        if pick is None:
            pick = max(free, key=lambda r: problem.rooms[r].capacity)
        out[k] = pick
        used.setdefault(ci, Counter())[pick] += 1
        for d, p in cells(k):
            taken.add((pick, d, p))
    return out


def room_counts(
    prep: Prepared, cands: list[Candidate], assignment: dict[int, int]
) -> dict[str, int]:
    """``room_change`` and ``room_capacity`` counts of an assignment (enabled ones only)."""
    problem = prep.problem
    out: dict[str, int] = {}
    if problem.weights.room_change:
        rooms: dict[int, set[int]] = {}
        for k, ri in assignment.items():
            rooms.setdefault(cands[k].ci, set()).add(ri)
        out["room_change"] = sum(len(v) - 1 for v in rooms.values())
    if problem.weights.room_capacity and not problem.capacity_is_hard:
        out["room_capacity"] = sum(
            max(0, prep.sizes[cands[k].ci] - problem.rooms[ri].capacity)
            for k, ri in assignment.items()
        )
    if problem.weights.previous_distance and problem.previous:
        sessions = [
            Session(
                problem.classes[cands[k].ci].id,
                cands[k].day,
                cands[k].start,
                problem.rooms[ri].id,
            )
            for k, ri in assignment.items()
        ]
        out["previous_distance"] = moved_counts(problem.previous, sessions).moved
    return out


def hint_rooms(rm: RoomModel, assignment: dict[int, int]) -> None:
    """Hint a (possibly partial) assignment, room-use indicators included."""
    used = {(rm.candidates[k].ci, ri) for k, ri in assignment.items()}
    for k, choices in rm.w.items():
        for ri, v in choices:
            rm.model.add_hint(v, int(assignment.get(k) == ri))
    for key, u in rm.uses.items():
        rm.model.add_hint(u, int(key in used))


def build_room_model(
    prep: Prepared, candidates: list[Candidate], model: cp_model.CpModel | None = None
) -> RoomModel:
    rm = RoomModel(prep, model or cp_model.CpModel(), candidates)
    add_room_choices(rm)
    add_pinned_rooms(rm)
    add_no_room_clash(rm)
    penalty_room_change(rm)
    penalty_room_capacity(rm)
    penalty_previous_room(rm)
    return rm


def improve_rooms(
    rm: RoomModel, assignment: dict[int, int], passes: int = 6, deadline: float | None = None
) -> dict[int, int]:
    """Fewer room changes by exact re-assignment of one period at a time.

    For one period (and room kind) every single-period session is re-matched to the free
    rooms by a minimum-cost assignment, where a room costs its overflow plus one room change
    unless the class already uses that room in another period, plus one moved session
    unless it is the session's room in ``Problem.previous``. Each step is optimal given
    the other periods, so the cost never rises; a few sweeps over all periods.
    Multi-period sessions keep their rooms.
    """
    problem = rm.prep.problem
    w_change = problem.weights.room_change
    prev = previous_rooms(rm.prep, rm.candidates)
    w_prev = problem.weights.previous_distance if prev else 0
    if not w_change and not w_prev:
        return assignment
    w_cap = 0 if problem.capacity_is_hard else problem.weights.room_capacity
    out = dict(assignment)
    blocked: set[tuple[int, int, int]] = set()
    by_cell: dict[tuple[RoomKind, int, int], list[int]] = {}
    for k, ri in out.items():
        cand = rm.candidates[k]
        cls = problem.classes[cand.ci]
        if cls.periods_per_session == 1:
            by_cell.setdefault((cls.kind, cand.day, cand.start), []).append(k)
        else:
            for d, p in covered(cand.day, cand.start, cls.periods_per_session):
                blocked.add((ri, d, p))
    used: dict[int, Counter[int]] = {}
    for k, ri in out.items():
        used.setdefault(rm.candidates[k].ci, Counter())[ri] += 1
    kind_rooms: dict[RoomKind, list[int]] = {}
    for ri, room in enumerate(problem.rooms):
        kind_rooms.setdefault(room.kind, []).append(ri)
    big = 10**9

    def cost(k: int, ri: int, allowed: set[int]) -> int:
        if ri not in allowed:
            return big
        ci = rm.candidates[k].ci
        over = max(0, rm.prep.sizes[ci] - problem.rooms[ri].capacity)
        moved = w_prev if k in prev and prev[k] != ri else 0
        return w_cap * over + (0 if used[ci][ri] > 0 else w_change) + moved

    for _ in range(passes):
        changed = False
        for (kind, d, p), ks in by_cell.items():
            if deadline is not None and time.monotonic() > deadline:
                return out
            rooms = [
                ri
                for ri in kind_rooms.get(kind, [])
                if (ri, d, p) not in blocked
                and not rm.prep.fixed.room[(problem.rooms[ri].id, d, p)]
            ]
            if len(ks) > len(rooms) or len(ks) < 1:
                continue
            for k in ks:
                used[rm.candidates[k].ci][out[k]] -= 1
            allowed = {k: {ri for ri, _ in rm.w[k]} for k in ks}
            current = sum(cost(k, out[k], allowed[k]) for k in ks)
            lsa = linear_sum_assignment.SimpleLinearSumAssignment()
            for i in range(len(rooms)):
                for j, ri in enumerate(rooms):
                    lsa.add_arc_with_cost(
                        i, j, cost(ks[i], ri, allowed[ks[i]]) if i < len(ks) else 0
                    )
            if lsa.solve() == lsa.OPTIMAL and lsa.optimal_cost() < min(current, big):
                for i, k in enumerate(ks):
                    out[k] = rooms[lsa.right_mate(i)]
                changed = True
            for k in ks:
                used[rm.candidates[k].ci][out[k]] += 1
        if not changed:
            break
    return out


def previous_rooms(prep: Prepared, candidates: list[Candidate]) -> dict[int, int]:
    """Candidate index -> room index of the ``Problem.previous`` session of that class that
    started at the candidate's (day, start); each previous session serves one candidate."""
    problem = prep.problem
    if not problem.previous:
        return {}
    class_ids = [c.id for c in problem.classes]
    room_index = {r.id: ri for ri, r in enumerate(problem.rooms)}
    waiting: dict[tuple[int, int, int], list[int]] = {}
    for s in problem.previous:
        if s.room in room_index:
            waiting.setdefault((s.class_id, s.day, s.period), []).append(room_index[s.room])
    out: dict[int, int] = {}
    for k, cand in enumerate(candidates):
        rooms = waiting.get((class_ids[cand.ci], cand.day, cand.start))
        if rooms:
            out[k] = rooms.pop(0)
    return out


def penalty_previous_room(rm: RoomModel) -> None:
    """The room part of ``previous_distance``: a session of ``Problem.previous`` whose class
    still starts there (the time model counts the others) but in another room.

    Registered under the same name as the time model's term; the two add up to the
    evaluator's count (sessions not kept at the same day, period and room).
    """
    w = rm.prep.problem.weights.previous_distance
    prev = previous_rooms(rm.prep, rm.candidates)
    if not w or not prev:
        return
    counts: list[cp_model.LinearExprT] = []
    for k, ri in prev.items():
        cand = rm.candidates[k]
        stay = [v for r, v in rm.w[k] if r == ri]
        counts.append(cand.presence)
        counts.append(-cp_model.LinearExpr.sum(stay))
    rm.terms.append(Term("previous_distance", w, sum(counts)))
