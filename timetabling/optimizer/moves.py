"""Manual moves: would moving one session break a hard rule, and what would it cost?

``check_move`` and ``check_swap`` answer for one proposed change, naming every hard rule
it breaks in the institution's words and the change of each named soft penalty;
``move_options`` lists every (day, period, room) one session could move to without
breaking a hard rule, best soft change first.

They agree with :func:`~timetabling.optimizer.evaluate.evaluate` (a property test checks
it) but never rescore the whole timetable: occupancy indexes (batch, faculty, room and
class by cell) are built once per call without the moving sessions, candidates are checked
against them, and soft penalties are recounted only for the classes, batch days and
faculty days the change touches. Moving one option of an elective basket moves the whole
basket (all its options start together), each option keeping its own room.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .model import ClassSpec, Pin, Problem, Session
from .move_rules import (
    Index,
    Violation,
    active_names,
    cell_name,
    class_counts,
    label,
    room_violations,
    shape_counts,
    time_violations,
)

__all__ = [
    "MoveCheck",
    "MoveOption",
    "MoveRefused",
    "Placement",
    "SoftDelta",
    "Violation",
    "cell_name",
    "check_move",
    "check_swap",
    "move_options",
]


@dataclass(frozen=True)
class SoftDelta:
    """How one named soft penalty changes: ``delta`` occurrences of ``weight`` each."""

    name: str
    delta: int
    weight: int

    @property
    def cost(self) -> int:
        return self.delta * self.weight


@dataclass(frozen=True)
class Placement:
    """Session ``index`` of the timetable goes to (day, period) in ``room`` (0-based)."""

    index: int
    day: int
    period: int
    room: int


@dataclass(frozen=True)
class MoveCheck:
    violations: tuple[Violation, ...]
    soft_delta: tuple[SoftDelta, ...]
    soft_total_delta: int
    placements: tuple[Placement, ...]  # every session that moves (a whole basket moves)
    notes: tuple[str, ...] = ()  # pins released and set again

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class MoveOption:
    day: int
    period: int
    room: int
    soft_total_delta: int
    soft_delta: tuple[SoftDelta, ...]


class MoveRefused(ValueError):
    """The proposal itself makes no sense (no such session, a swap with itself)."""


def _deltas(problem: Problem, before: Counter[str], after: Counter[str]) -> tuple[SoftDelta, ...]:
    w = problem.weights
    return tuple(
        SoftDelta(name, after[name] - before[name], getattr(w, name))
        for name in active_names(problem)
    )


# ---------------------------------------------------------------- plans


def _unit(problem: Problem, sessions: Sequence[Session], index: int) -> list[int]:
    """The sessions that move with ``sessions[index]``: itself, and the other options of
    its elective basket that start with it."""
    if not 0 <= index < len(sessions):
        raise MoveRefused(f"There is no session {index} in this timetable.")
    classes = {c.id: c for c in problem.classes}
    s = sessions[index]
    cls = classes.get(s.class_id)
    if cls is None:
        raise MoveRefused(f"Session {index} belongs to no class of this problem.")
    if cls.basket is None:
        return [index]
    out = [index]
    for i, o in enumerate(sessions):
        other = classes.get(o.class_id)
        if (
            i != index
            and other is not None
            and other.basket == cls.basket
            and (o.day, o.period) == (s.day, s.period)
        ):
            out.append(i)
    return out


def _pin_of(cls: ClassSpec, s: Session) -> Pin | None:
    for pin in cls.pins:
        if (pin.day, pin.period) == (s.day, s.period) and pin.room in (None, s.room):
            return pin
    return None


def _pin_words(idx: Index, moves: list[tuple[int, Session]]) -> tuple[list[Violation], list[str]]:
    pr = idx.problem
    violations: list[Violation] = []
    notes: list[str] = []
    for i, new in moves:
        old = idx.sessions[i]
        if (old.day, old.period, old.room) == (new.day, new.period, new.room):
            continue
        cls = idx.classes[old.class_id]
        pin = _pin_of(cls, old)
        if pin is None:
            continue
        cname = label(pr, "classes", cls.id, "class")
        if pin.reason == "fixed":
            violations.append(
                Violation(
                    "pin_moved",
                    f"{cname} on {cell_name(old.day, old.period)} is a fixed session of the "
                    "institution and cannot be moved here",
                )
            )
        else:
            notes.append(
                f"{cname} is pinned on {cell_name(old.day, old.period)}: the move unpins it "
                f"there and pins it on {cell_name(new.day, new.period)} in "
                f"{idx.room_name(new.room)}"
            )
    return violations, notes


def _affected(
    idx: Index, moves: list[tuple[int, Session]]
) -> tuple[set[int], set[int], set[int], set[int]]:
    cids = {new.class_id for _, new in moves}
    batches = {b for c in cids for b in idx.classes[c].batches}
    faculty = {f for c in cids if (f := idx.classes[c].faculty) is not None}
    days = {s.day for _, s in moves} | {idx.sessions[i].day for i, _ in moves}
    return cids, batches, faculty, days


def _soft_state(
    idx: Index, cids: set[int], batches: set[int], faculty: set[int], days: set[int]
) -> Counter[str]:
    counts = shape_counts(idx, batches, faculty, days)
    for cid in cids:
        class_counts(idx, idx.classes[cid], idx.per_class[cid], counts)
    return counts


def _check_plan(
    problem: Problem, sessions: Sequence[Session], moves: list[tuple[int, Session]]
) -> MoveCheck:
    idx = Index(problem, sessions, {i for i, _ in moves})
    violations, notes = _pin_words(idx, moves)
    placed: list[Session] = []
    for _, new in moves:
        violations += time_violations(idx, new, explain=True)
        violations += room_violations(idx, new, explain=True)
        idx.add(new)
        placed.append(new)
    cids, batches, faculty, days = _affected(idx, moves)
    after = _soft_state(idx, cids, batches, faculty, days)
    for s in placed:
        idx.remove(s)
    for i, _ in moves:
        idx.add(sessions[i])
    before = _soft_state(idx, cids, batches, faculty, days)
    deltas = _deltas(problem, before, after)
    return MoveCheck(
        violations=tuple(dict.fromkeys(violations)),
        soft_delta=deltas,
        soft_total_delta=sum(d.cost for d in deltas),
        placements=tuple(Placement(i, s.day, s.period, s.room) for i, s in moves),
        notes=tuple(notes),
    )


def _moved_unit(
    sessions: Sequence[Session], unit: list[int], day: int, period: int, room: int | None
) -> list[tuple[int, Session]]:
    """The unit's sessions at (day, period): the first in ``room``, the others in their own."""
    out = []
    for k, i in enumerate(unit):
        s = sessions[i]
        r = room if k == 0 and room is not None else s.room
        out.append((i, Session(s.class_id, day, period, r)))
    return out


# ---------------------------------------------------------------- public


def check_move(
    problem: Problem, sessions: Sequence[Session], index: int, day: int, period: int, room: int
) -> MoveCheck:
    """Move ``sessions[index]`` to (day, period) in ``room`` (0-based day and period).

    The answer names every hard rule the move would break and the change of each named
    soft penalty. A basket option moves with its whole basket; a pinned session may be
    moved (a note says it is unpinned and pinned again), a fixed one may not.
    """
    unit = _unit(problem, sessions, index)
    return _check_plan(problem, sessions, _moved_unit(sessions, unit, day, period, room))


def check_swap(problem: Problem, sessions: Sequence[Session], i: int, j: int) -> MoveCheck:
    """Swap two sessions: each takes the other's day, period and room."""
    unit_i = _unit(problem, sessions, i)
    unit_j = _unit(problem, sessions, j)
    if set(unit_i) & set(unit_j):
        raise MoveRefused("A session cannot be swapped with itself or its own basket.")
    a, b = sessions[i], sessions[j]
    moves = _moved_unit(sessions, unit_i, b.day, b.period, b.room) + _moved_unit(
        sessions, unit_j, a.day, a.period, a.room
    )
    return _check_plan(problem, sessions, moves)


def _room_part(idx: Index, cls: ClassSpec, others: list[Session], room: int) -> Counter[str]:
    """room_change and (soft) room_capacity of ``cls`` with one more session in ``room``."""
    counts: Counter[str] = Counter()
    counts["room_change"] = len({s.room for s in others} | {room}) - 1
    if not idx.problem.capacity_is_hard:
        size = idx.size(cls)
        for r in [*(s.room for s in others), room]:
            found = idx.rooms.get(r)
            if found is not None:
                counts["room_capacity"] += max(0, size - found.capacity)
    return counts


def _previous_missed(
    idx: Index, cls: ClassSpec, others: list[Session], day: int, period: int, room: int
) -> int:
    """Previous sessions of ``cls`` not kept (same day, period and room) when its sessions
    are ``others`` plus one at (day, period, room)."""
    kept = Counter((s.day, s.period, s.room) for s in others)
    kept[(day, period, room)] += 1
    missed = 0
    for s in idx.previous.get(cls.id, ()):
        if kept[(s.day, s.period, s.room)] > 0:
            kept[(s.day, s.period, s.room)] -= 1
        else:
            missed += 1
    return missed


def _room_fits(idx: Index, cls: ClassSpec, room_id: int) -> bool:
    """Kind, capacity (when hard) and features: what a room is, whatever the time."""
    room = idx.rooms[room_id]
    return (
        room.kind == cls.kind
        and not (idx.problem.capacity_is_hard and room.capacity < idx.size(cls))
        and cls.room_features <= room.features
    )


def move_options(
    problem: Problem, sessions: Sequence[Session], index: int, limit: int | None = None
) -> list[MoveOption]:
    """Every (day, period, room) ``sessions[index]`` could move to without breaking a hard
    rule, smallest soft change first (then by day, period, room). Its own place is left out.

    The rules and penalties that depend on the time are checked once per (day, period),
    those that depend on the room once per room, and only the room's occupancy and
    closures per (day, period, room).
    """
    unit = _unit(problem, sessions, index)
    idx = Index(problem, sessions, set(unit))
    pr = problem
    g = pr.grid
    main = sessions[index]
    cls = idx.classes[main.class_id]
    fixed_pin = _pin_of(cls, main)
    if fixed_pin is not None and fixed_pin.reason == "fixed":
        return []
    unit_cids = {sessions[i].class_id for i in unit}
    batches = {b for c in unit_cids for b in idx.classes[c].batches}
    faculty = {f for c in unit_cids if (f := idx.classes[c].faculty) is not None}
    old_days = {sessions[i].day for i in unit}
    names = active_names(pr)
    w = pr.weights

    # the state before, per day and per class
    for i in unit:
        idx.add(sessions[i])
    shape_before = {d: shape_counts(idx, batches, faculty, [d]) for d in range(g.days)}
    class_before: Counter[str] = Counter()
    for cid in unit_cids:
        class_counts(idx, idx.classes[cid], idx.per_class[cid], class_before)
    for i in unit:
        idx.remove(sessions[i])

    others = {i: list(idx.per_class[sessions[i].class_id]) for i in unit}
    sibling_rooms = {sessions[i].room for i in unit[1:]}
    rooms = [
        idx.rooms[r.id]
        for r in pr.rooms
        if r.id not in sibling_rooms and _room_fits(idx, cls, r.id)
    ]
    # how the main session's room changes its class's room penalties, per room
    at_home = _room_part(idx, cls, others[index], main.room)
    room_adjust = {}
    for room in rooms:
        part = _room_part(idx, cls, others[index], room.id)
        part.subtract(at_home)
        room_adjust[room.id] = part
    length = cls.periods_per_session
    out: list[MoveOption] = []
    for d in range(g.days):
        for p in range(g.periods_per_day):
            if not g.can_start(d, p, length):
                continue
            moves = _moved_unit(sessions, unit, d, p, main.room)
            clean = True
            placed: list[Session] = []
            for k, (_, new) in enumerate(moves):
                if time_violations(idx, new, explain=False) or (
                    k > 0 and room_violations(idx, new, explain=False)
                ):
                    clean = False
                    break
                idx.add(new)
                placed.append(new)
            if clean:
                base = shape_counts(idx, batches, faculty, old_days | {d})
                for day in old_days | {d}:
                    base.subtract(shape_before[day])
                for k, i in enumerate(unit):
                    new = moves[k][1]
                    class_counts(idx, idx.classes[new.class_id], [*others[i], new], base)
                base.subtract(class_before)
            for s in placed:
                idx.remove(s)
            if not clean:
                continue
            cells = [(d, p + k) for k in range(length)]
            for room in rooms:
                if (d, p, room.id) == (main.day, main.period, main.room):
                    continue
                if any(c in room.unavailable or idx.room_occ[(room.id, *c)] for c in cells):
                    continue
                adjust = room_adjust[room.id]
                if pr.previous and room.id != main.room:  # a previous session is kept only
                    adjust = adjust.copy()  # at its time and in its room
                    adjust["previous_distance"] += _previous_missed(
                        idx, cls, others[index], d, p, room.id
                    ) - _previous_missed(idx, cls, others[index], d, p, main.room)
                deltas = tuple(
                    SoftDelta(name, base[name] + adjust[name], getattr(w, name)) for name in names
                )
                out.append(MoveOption(d, p, room.id, sum(x.cost for x in deltas), deltas))
    out.sort(key=lambda o: (o.soft_total_delta, o.day, o.period, o.room))
    return out if limit is None else out[:limit]
