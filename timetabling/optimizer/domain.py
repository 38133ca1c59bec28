"""Derived facts about a problem that both the solver and the evaluator need.

Everything here is plain arithmetic over :mod:`model`: class sizes, the periods a session
covers, the occupancy that fixed sessions cause, and the start slots a class may use.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from .model import ClassSpec, Problem, Room, RoomKind, Slot


def class_size(problem: Problem, cls: ClassSpec) -> int:
    """Students attending ``cls``: its own size, else the sum of its batches' sizes."""
    if cls.size is not None:
        return cls.size
    sizes = {b.id: b.size for b in problem.batches}
    return sum(sizes.get(b, 0) for b in cls.batches)


def covered(day: int, start: int, length: int) -> list[Slot]:
    """The (day, period) cells a session of ``length`` periods starting at ``start`` uses."""
    return [(day, start + k) for k in range(length)]


def room_fits(problem: Problem, cls: ClassSpec, room: Room, size: int) -> bool:
    """Kind always matches and the room has every feature the class needs; capacity only
    matters here when it is a hard rule."""
    if room.kind != cls.kind or not cls.room_features <= room.features:
        return False
    return not (problem.capacity_is_hard and room.capacity < size)


@dataclass(frozen=True)
class FixedOccupancy:
    """How many fixed sessions keep each batch, faculty member and room busy per cell."""

    batch: Counter[tuple[int, int, int]]
    faculty: Counter[tuple[int, int, int]]
    room: Counter[tuple[int, int, int]]


def fixed_occupancy(problem: Problem) -> FixedOccupancy:
    batch: Counter[tuple[int, int, int]] = Counter()
    faculty: Counter[tuple[int, int, int]] = Counter()
    room: Counter[tuple[int, int, int]] = Counter()
    for fs in problem.fixed:
        for d, p in covered(fs.day, fs.period, fs.length):
            for b in fs.batches:
                batch[(b, d, p)] += 1
            if fs.faculty is not None:
                faculty[(fs.faculty, d, p)] += 1
            if fs.room is not None:
                room[(fs.room, d, p)] += 1
    return FixedOccupancy(batch, faculty, room)


@dataclass(frozen=True)
class Prepared:
    """The problem plus the derived tables, computed once per solve."""

    problem: Problem
    sizes: tuple[int, ...]  # per class index
    starts: tuple[tuple[Slot, ...], ...]  # allowed starts per class index
    fixed: FixedOccupancy
    faculty_index: dict[int, int]
    rooms_by_kind: dict[RoomKind, tuple[Room, ...]]

    @property
    def slots(self) -> list[Slot]:
        g = self.problem.grid
        return [(d, p) for d in range(g.days) for p in range(g.periods_per_day) if g.exists(d, p)]

    def free_rooms(self, kind: RoomKind, day: int, period: int) -> list[Room]:
        """Rooms of ``kind`` not occupied by a fixed session at (day, period)."""
        return [
            r for r in self.rooms_by_kind.get(kind, ()) if not self.fixed.room[(r.id, day, period)]
        ]


def allowed_starts(problem: Problem, cls: ClassSpec, fixed: FixedOccupancy) -> list[Slot]:
    """Start slots where a session of ``cls`` fits the grid and touches no forbidden cell.

    This is where unavailability lives: a start is dropped when any covered period is a
    class or faculty unavailability or outside the shift of one of the class's batches
    (``Batch.unavailable``), or is already taken by a fixed session of the same
    faculty member or one of the class's batches. No variable is ever made for such a start.
    """
    fac = {f.id: f for f in problem.faculty}
    blocked: set[Slot] = set(cls.unavailable)
    if cls.faculty is not None and cls.faculty in fac:
        blocked |= fac[cls.faculty].unavailable
    blocked |= shift_closed(problem, cls)
    g = problem.grid
    out: list[Slot] = []
    for d in range(g.days):
        for p in range(g.periods_per_day):
            if not g.can_start(d, p, cls.periods_per_session):
                continue
            cells = covered(d, p, cls.periods_per_session)
            if any(c in blocked for c in cells):
                continue
            if cls.faculty is not None and any(fixed.faculty[(cls.faculty, *c)] for c in cells):
                continue
            if any(fixed.batch[(b, *c)] for b in cls.batches for c in cells):
                continue
            out.append((d, p))
    return out


def shift_closed(problem: Problem, cls: ClassSpec) -> frozenset[Slot]:
    """Cells outside the shift of any of the class's batches (the class may not touch them)."""
    wanted = set(cls.batches)
    out: frozenset[Slot] = frozenset()
    for b in problem.batches:
        if b.id in wanted and b.unavailable:
            out |= b.unavailable
    return out


def room_closures(problem: Problem) -> Counter[tuple[int, int, int]]:
    """Each room's closed cells (``Room.unavailable``) as occupancy keyed (room, day, period)."""
    return Counter((r.id, d, p) for r in problem.rooms for d, p in r.unavailable)


def baskets(problem: Problem) -> dict[int, list[int]]:
    """Class indices of each elective basket (its options), in problem order."""
    out: dict[int, list[int]] = {}
    for ci, c in enumerate(problem.classes):
        if c.basket is not None:
            out.setdefault(c.basket, []).append(ci)
    return out


def basket_starts(problem: Problem, starts: list[list[Slot]]) -> list[list[Slot]]:
    """Options of one basket start together: each keeps only the starts all options allow."""
    out = [list(s) for s in starts]
    for members in baskets(problem).values():
        common = set(out[members[0]])
        for ci in members[1:]:
            common &= set(out[ci])
        for ci in members:
            out[ci] = [s for s in out[ci] if s in common]
    return out


def pinned_cells(problem: Problem, ci: int) -> list[Slot]:
    """The (day, period) starts of class index ``ci``'s pins."""
    return [(pin.day, pin.period) for pin in problem.classes[ci].pins]


def prepare(problem: Problem) -> Prepared:
    fixed = fixed_occupancy(problem)
    closures = room_closures(problem)
    if closures:  # a closed room is busy for the solver, like one taken by a fixed session
        fixed = FixedOccupancy(fixed.batch, fixed.faculty, fixed.room + closures)
    starts = basket_starts(problem, [allowed_starts(problem, c, fixed) for c in problem.classes])
    kinds: dict[RoomKind, list[Room]] = {}
    for r in problem.rooms:
        kinds.setdefault(r.kind, []).append(r)
    return Prepared(
        problem=problem,
        sizes=tuple(class_size(problem, c) for c in problem.classes),
        starts=tuple(tuple(s) for s in starts),
        fixed=fixed,
        faculty_index={f.id: i for i, f in enumerate(problem.faculty)},
        rooms_by_kind={k: tuple(v) for k, v in kinds.items()},
    )
