"""A simple greedy baseline for colleges as they are.

Sessions are placed one by one, the hardest classes first, each in the first (day, period,
room) that keeps every hard rule it knows: no batch, teacher or room twice at once, the
teacher's unavailability, daily and weekly load and consecutive limit, a batch's shift, a
room's kind, capacity, features and closures. Pinned sessions are placed first, at their
pins. The options of an elective basket are placed together: each session of the basket at
one start where every option finds its own room. Sessions it cannot place are left out and
counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Greedy:
    sessions: list[Any] = field(default_factory=list)
    unplaced: int = 0  # sessions it could not place


@dataclass
class _Busy:
    problem: Any
    cells: set[tuple[str, int, int, int]] = field(default_factory=set)
    day_load: Counter[tuple[int, int]] = field(default_factory=Counter)
    week_load: Counter[int] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        p = self.problem
        self.faculty = {f.id: f for f in p.faculty}
        self.batches = {b.id: b for b in p.batches}
        self.rooms = sorted(p.rooms, key=lambda r: (r.capacity, r.id))

    def teacher_ok(self, cls: Any, day: int, cells: list[tuple[int, int]]) -> bool:
        fac = self.faculty.get(cls.faculty) if cls.faculty is not None else None
        if fac is None:
            return True
        n = len(cells)
        if any(c in fac.unavailable for c in cells):
            return False
        if fac.max_periods_per_day and self.day_load[(fac.id, day)] + n > fac.max_periods_per_day:
            return False
        if fac.max_periods_per_week and self.week_load[fac.id] + n > fac.max_periods_per_week:
            return False
        if any(("f", fac.id, *c) in self.cells for c in cells):
            return False
        if fac.max_consecutive:
            run = n
            d, first = cells[0]
            p = first - 1
            while ("f", fac.id, d, p) in self.cells and self.problem.grid.consecutive(d, p):
                run, p = run + 1, p - 1
            p = cells[-1][1] + 1
            while ("f", fac.id, d, p) in self.cells and self.problem.grid.consecutive(d, p - 1):
                run, p = run + 1, p + 1
            if run > fac.max_consecutive:
                return False
        return True

    def batches_ok(self, cls: Any, cells: list[tuple[int, int]]) -> bool:
        for b in cls.batches:
            batch = self.batches.get(b)
            if batch is not None and any(c in batch.unavailable for c in cells):
                return False
            if any(("b", b, *c) in self.cells for c in cells):
                return False
        return not any(c in cls.unavailable for c in cells)

    def room_for(
        self, cls: Any, size: int, cells: list[tuple[int, int]], taken: set[int], wanted: Any
    ) -> Any:
        for r in self.rooms:
            if wanted is not None and r.id != wanted:
                continue
            if r.id in taken or r.kind != cls.kind or r.capacity < size:
                continue
            if not cls.room_features <= r.features or any(c in r.unavailable for c in cells):
                continue
            if any(("r", r.id, *c) in self.cells for c in cells):
                continue
            return r
        return None

    def take(self, cls: Any, room: Any, cells: list[tuple[int, int]], batches: bool) -> None:
        for c in cells:
            if batches:
                self.cells.update(("b", b, *c) for b in cls.batches)
            self.cells.add(("r", room.id, *c))
            if cls.faculty is not None:
                self.cells.add(("f", cls.faculty, *c))
        if cls.faculty is not None:
            self.day_load[(cls.faculty, cells[0][0])] += len(cells)
            self.week_load[cls.faculty] += len(cells)


def greedy_college(problem: Any) -> Greedy:
    from timetabling.optimizer.domain import covered

    busy = _Busy(problem)
    for fs in problem.fixed:
        for d, p in covered(fs.day, fs.period, fs.length):
            busy.cells.update(("b", b, d, p) for b in fs.batches)
            if fs.faculty is not None:
                busy.cells.add(("f", fs.faculty, d, p))
                busy.day_load[(fs.faculty, d)] += 1
                busy.week_load[fs.faculty] += 1
            if fs.room is not None:
                busy.cells.add(("r", fs.room, d, p))
    out = Greedy()

    # units: a basket's options together, or one ordinary class
    units: dict[Any, list[Any]] = defaultdict(list)
    for cls in problem.classes:
        units[("basket", cls.basket) if cls.basket is not None else ("class", cls.id)].append(cls)
    order = sorted(
        units.values(),
        key=lambda u: (
            -sum(len(c.pins) for c in u),
            -len(u),
            -u[0].periods_per_session,
            -len(u[0].batches),
            u[0].id,
        ),
    )
    used_days: dict[int, set[int]] = defaultdict(set)  # per unit (its first class's id)
    # every pinned session first, so no free session takes a pinned session's teacher
    for pinned in (True, False):
        for unit in order:
            lead = unit[0]
            todo = (
                list(lead.pins)
                if pinned
                else [None] * (lead.sessions_per_week - min(len(lead.pins), lead.sessions_per_week))
            )
            for pin in todo:
                if _place(problem, busy, out, unit, pin, used_days[lead.id]):
                    continue
                out.unplaced += len(unit)
    return out


def _place(
    problem: Any, busy: _Busy, out: Greedy, unit: list[Any], pin: Any, days: set[int]
) -> bool:
    """One session of ``unit`` (all options of a basket at one start) at ``pin``, or at the
    first start that keeps every rule (a day the unit does not meet on yet first)."""
    from timetabling import optimizer as opt
    from timetabling.optimizer.domain import class_size, covered

    g = problem.grid
    lead = unit[0]
    n = lead.periods_per_session
    if pin is not None:
        starts = [(pin.day, pin.period)]
    else:
        starts = sorted(
            (
                (d, p)
                for d in range(g.days)
                for p in range(g.periods_per_day)
                if g.can_start(d, p, n)
            ),
            key=lambda s: (s[0] in days, s[1], s[0]),
        )
    teachers = [c.faculty for c in unit if c.faculty is not None]
    if len(teachers) != len(set(teachers)):
        return False  # options of one basket share their batches, never a teacher
    for d, p in starts:
        cells = covered(d, p, n)
        if not all(busy.teacher_ok(c, d, cells) for c in unit):
            continue
        if not busy.batches_ok(lead, cells):
            continue
        taken: set[int] = set()
        rooms = []
        for c in unit:
            wanted = pin.room if pin is not None and c is lead else None
            room = busy.room_for(c, class_size(problem, c), cells, taken, wanted)
            if room is None:
                break
            taken.add(room.id)
            rooms.append(room)
        if len(rooms) != len(unit):
            continue
        for i, (c, room) in enumerate(zip(unit, rooms, strict=True)):
            busy.take(c, room, cells, batches=i == 0)
            out.sessions.append(opt.Session(c.id, d, p, room.id))
        days.add(d)
        return True
    return False
