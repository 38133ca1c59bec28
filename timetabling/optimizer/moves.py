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

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .domain import covered, fixed_occupancy
from .evaluate import SOFT_NAMES
from .model import ClassSpec, Pin, Problem, Session

DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
# soft penalties that depend on the room as well as the time
ROOM_NAMES = frozenset({"room_change", "room_capacity"})
COMPUTED = frozenset(
    {
        "min_days",
        "same_day",
        "isolated",
        "idle_gap",
        "room_change",
        "long_run",
        "room_capacity",
        "previous_distance",
    }
)


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: ``kind`` is the evaluator's name for it."""

    kind: str
    message: str


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


# ---------------------------------------------------------------- names


def _label(problem: Problem, kind: str, ident: int | None, fallback: str) -> str:
    if ident is None:
        return fallback
    shown = problem.names.get(kind, {}).get(ident)
    return str(shown) if shown else f"{fallback} #{ident}"


def cell_name(day: int, period: int) -> str:
    """(0-based day, 0-based period) as the office says it: ``TUE P3``."""
    day_name = DAY_NAMES[day] if 0 <= day < len(DAY_NAMES) else f"day {day + 1}"
    return f"{day_name} P{period + 1}"


# ---------------------------------------------------------------- the index


class _Index:
    """Occupancy by cell of everything except the sessions being moved."""

    def __init__(self, problem: Problem, sessions: Sequence[Session], exclude: set[int]) -> None:
        self.problem = problem
        self.sessions = sessions
        self.exclude = exclude
        self.classes = {c.id: c for c in problem.classes}
        self.rooms = {r.id: r for r in problem.rooms}
        self.faculty = {f.id: f for f in problem.faculty}
        self.batches = {b.id: b for b in problem.batches}
        self._sizes: dict[int, int] = {}
        # per class: what occupancy needs, read once (id, length, batches, faculty, basket)
        self._info = {
            c.id: (
                c.id,
                c.periods_per_session,
                tuple(dict.fromkeys(c.batches)),
                c.faculty,
                c.basket,
            )
            for c in problem.classes
        }
        self._batch_sizes = {b.id: b.size for b in problem.batches}
        self._grid_cells = frozenset(
            (d, p)
            for d in range(problem.grid.days)
            for p in range(problem.grid.periods_per_day)
            if problem.grid.exists(d, p)
        )
        fixed = fixed_occupancy(problem)
        self.batch_occ: Counter[tuple[int, int, int]] = Counter(fixed.batch)
        self.fac_occ: Counter[tuple[int, int, int]] = Counter(fixed.faculty)
        self.room_occ: Counter[tuple[int, int, int]] = Counter(fixed.room)
        self.class_occ: Counter[tuple[int, int, int]] = Counter()
        # one occupant per (basket, batch, cell): the options of a basket share batches
        self.basket_occ: Counter[tuple[int, int, int, int]] = Counter()
        self.per_class: dict[int, list[Session]] = defaultdict(list)
        self.previous: dict[int, list[Session]] = defaultdict(list)
        for s in problem.previous:
            self.previous[s.class_id].append(s)
        self._students: dict[int, list[int]] | None = None
        self._student_classes: dict[int, tuple[int, ...]] = {}
        for i, s in enumerate(sessions):
            if i not in exclude:
                self.add(s)

    def size(self, cls: ClassSpec) -> int:
        """Students of ``cls`` (``domain.class_size``, computed once per class)."""
        size = self._sizes.get(cls.id)
        if size is None:
            size = cls.size
            if size is None:
                size = sum(self._batch_sizes.get(b, 0) for b in cls.batches)
            self._sizes[cls.id] = size
        return size

    def cells(self, cls: ClassSpec, s: Session) -> list[tuple[int, int]]:
        grid = self._grid_cells
        d, p = s.day, s.period
        return [(d, p + k) for k in range(cls.periods_per_session) if (d, p + k) in grid]

    def _update(self, s: Session, step: int) -> None:
        info = self._info.get(s.class_id)
        if info is None:
            return
        cid, length, batches, faculty, basket = info
        grid = self._grid_cells
        class_occ, batch_occ, room_occ = self.class_occ, self.batch_occ, self.room_occ
        d, start = s.day, s.period
        for p in range(start, start + length):
            if (d, p) not in grid:
                continue
            class_occ[(cid, d, p)] += step
            if basket is None:
                for b in batches:
                    batch_occ[(b, d, p)] += step
            else:
                for b in batches:
                    key = (basket, b, d, p)
                    before = self.basket_occ[key]
                    self.basket_occ[key] += step
                    if (before == 0) != (self.basket_occ[key] == 0):
                        batch_occ[(b, d, p)] += step
            if faculty is not None:
                self.fac_occ[(faculty, d, p)] += step
            room_occ[(s.room, d, p)] += step

    def add(self, s: Session) -> None:
        self._update(s, 1)
        self.per_class[s.class_id].append(s)

    def remove(self, s: Session) -> None:
        self._update(s, -1)
        self.per_class[s.class_id].remove(s)

    def students_of(self, class_id: int) -> list[int]:
        if self._students is None:
            self._students = defaultdict(list)
            for st in self.problem.students:
                self._student_classes[st.id] = st.classes
                for c in dict.fromkeys(st.classes):
                    self._students[c].append(st.id)
        return self._students.get(class_id, [])

    # -- who is there (only for messages)

    def occupant(
        self,
        d: int,
        p: int,
        *,
        batch: int | None = None,
        faculty: int | None = None,
        room: int | None = None,
        skip: int | None = None,
    ) -> str:
        """A short description of what keeps a batch, teacher or room busy at (d, p)."""
        pr = self.problem
        for i, s in enumerate(self.sessions):
            cls = self.classes.get(s.class_id)
            if i in self.exclude or cls is None or cls.id == skip:
                continue
            if (d, p) not in self.cells(cls, s):
                continue
            if (
                (batch is not None and batch in cls.batches)
                or (faculty is not None and cls.faculty == faculty)
                or (room is not None and s.room == room)
            ):
                return f"{_label(pr, 'classes', cls.id, 'class')} in {self.room_name(s.room)}"
        for fs in pr.fixed:
            if (d, p) not in covered(fs.day, fs.period, fs.length):
                continue
            if (
                (batch is not None and batch in fs.batches)
                or (faculty is not None and fs.faculty == faculty)
                or (room is not None and fs.room == room)
            ):
                where = f" in {self.room_name(fs.room)}" if fs.room is not None else ""
                return f"a session kept from outside this timetable{where}"
        return "another session"

    def room_name(self, room: int | None) -> str:
        return _label(self.problem, "rooms", room, "room")


# ---------------------------------------------------------------- hard rules


def _time_violations(idx: _Index, s: Session, explain: bool) -> list[Violation]:
    """Every rule that depends on the time of ``s`` (and the rooms of nothing else)."""
    pr = idx.problem
    g = pr.grid
    cls = idx.classes[s.class_id]
    cname = _label(pr, "classes", cls.id, "class")
    where = cell_name(s.day, s.period)
    if not g.can_start(s.day, s.period, cls.periods_per_session):
        if not g.exists(s.day, s.period):
            text = f"{where} is not a period of the weekly grid"
        else:
            text = (
                f"{cname} needs {cls.periods_per_session} periods in a row from {where}, "
                "and the grid has no such run there (end of day or a break)"
            )
        return [Violation("bad_start", text)]
    out: list[Violation] = []
    cells = idx.cells(cls, s)
    fac = idx.faculty.get(cls.faculty) if cls.faculty is not None else None
    fname = _label(pr, "faculty", cls.faculty, "faculty")

    def found(kind: str, message: str) -> bool:
        out.append(Violation(kind, message))
        return not explain  # stop at the first one when nobody reads the words

    for d, p in cells:
        if (d, p) in cls.unavailable and found(
            "unavailable", f"{cname} cannot be held on {cell_name(d, p)}"
        ):
            return out
        if fac is not None and (d, p) in fac.unavailable:
            if found("unavailable", f"{fname} is unavailable on {cell_name(d, p)}"):
                return out
    for b in dict.fromkeys(cls.batches):
        batch = idx.batches.get(b)
        bname = _label(pr, "batches", b, "batch")
        for d, p in cells:
            if batch is not None and (d, p) in batch.unavailable:
                shift = pr.names.get("shifts", {}).get(b)
                of = f" ({shift})" if shift else ""
                if found("shift", f"{cell_name(d, p)} is outside {bname}'s shift{of}"):
                    return out
            busy = idx.batch_occ[(b, d, p)]
            if cls.basket is not None and idx.basket_occ[(cls.basket, b, d, p)]:
                busy -= 1  # a fellow option of the same basket, not a clash
            if busy > 0:
                text = (
                    f"{bname} already has "
                    f"{idx.occupant(d, p, batch=b) if explain else ''} on {cell_name(d, p)}"
                )
                if found("batch_clash", text):
                    return out
    if not cls.batches:
        for d, p in cells:
            if idx.class_occ[(cls.id, d, p)] and found(
                "batch_clash", f"{cname} already meets on {cell_name(d, p)}"
            ):
                return out
    if cls.faculty is not None:
        for d, p in cells:
            if idx.fac_occ[(cls.faculty, d, p)] > 0:
                text = (
                    f"{fname} already teaches "
                    f"{idx.occupant(d, p, faculty=cls.faculty) if explain else ''} "
                    f"on {cell_name(d, p)}"
                )
                if found("faculty_clash", text):
                    return out
    if fac is not None and fac.max_periods_per_day is not None:
        day_load = sum(idx.fac_occ[(fac.id, s.day, p)] for p in range(g.periods_per_day))
        if day_load + len(cells) > fac.max_periods_per_day and found(
            "faculty_day_load",
            f"{fname} would teach {day_load + len(cells)} periods on {DAY_NAMES[s.day]}; "
            f"the limit is {fac.max_periods_per_day}",
        ):
            return out
    if fac is not None and fac.max_consecutive is not None:
        run = _run_through(idx, fac.id, cells)
        if run > fac.max_consecutive and found(
            "faculty_consecutive",
            f"{fname} would teach {run} periods in a row on {DAY_NAMES[s.day]}; "
            f"the limit is {fac.max_consecutive}",
        ):
            return out
    if idx.problem.students:
        clash = _student_clash(idx, cls, cells)
        if clash is not None and found("student_clash", clash):
            return out
    return out


def _run_through(idx: _Index, faculty: int, cells: list[tuple[int, int]]) -> int:
    """The longest run of consecutive teaching periods through ``cells`` once added."""
    g = idx.problem.grid
    own = set(cells)

    def busy(d: int, p: int) -> bool:
        return (d, p) in own or idx.fac_occ[(faculty, d, p)] > 0

    d, first = cells[0]
    last = cells[-1][1]
    while first > 0 and g.consecutive(d, first - 1) and busy(d, first - 1):
        first -= 1
    while g.consecutive(d, last) and busy(d, last + 1):
        last += 1
    return last - first + 1


def _student_clash(idx: _Index, cls: ClassSpec, cells: list[tuple[int, int]]) -> str | None:
    siblings = {
        c.id for c in idx.problem.classes if cls.basket is not None and c.basket == cls.basket
    }
    for sid in idx.students_of(cls.id):
        for other in dict.fromkeys(idx._student_classes.get(sid, ())):
            if other == cls.id or other in siblings:
                continue
            for d, p in cells:
                if idx.class_occ[(other, d, p)]:
                    pr = idx.problem
                    return (
                        f"{_label(pr, 'students', sid, 'student')} of "
                        f"{_label(pr, 'classes', cls.id, 'class')} also attends "
                        f"{_label(pr, 'classes', other, 'class')} on {cell_name(d, p)}"
                    )
    return None


def _room_violations(idx: _Index, s: Session, explain: bool) -> list[Violation]:
    pr = idx.problem
    cls = idx.classes[s.class_id]
    room = idx.rooms.get(s.room)
    if room is None:
        return [Violation("unknown_room", f"there is no room #{s.room}")]
    out: list[Violation] = []
    rname = idx.room_name(room.id)
    cname = _label(pr, "classes", cls.id, "class")
    if room.kind != cls.kind:
        out.append(
            Violation(
                "room_kind",
                f"{rname} is a {room.kind.value} room; {cname} needs a {cls.kind.value} room",
            )
        )
    elif pr.capacity_is_hard and room.capacity < (size := idx.size(cls)):
        out.append(Violation("room_capacity", f"{rname} holds {room.capacity}; {cname} has {size}"))
    if out and not explain:
        return out
    for feature in sorted(cls.room_features - room.features):
        out.append(Violation("room_feature", f"{rname} has no {feature}"))
        if not explain:
            return out
    cells = idx.cells(cls, s)
    for d, p in cells:
        if (d, p) in room.unavailable:
            out.append(Violation("room_unavailable", f"{rname} is closed on {cell_name(d, p)}"))
            if not explain:
                return out
    for d, p in cells:
        if idx.room_occ[(room.id, d, p)] > 0:
            who = idx.occupant(d, p, room=room.id) if explain else ""
            out.append(Violation("room_clash", f"{rname} is taken by {who} on {cell_name(d, p)}"))
            if not explain:
                return out
    return out


# ---------------------------------------------------------------- soft penalties


def _active_names(problem: Problem) -> list[str]:
    w = problem.weights
    return [
        name
        for name in SOFT_NAMES
        if name in COMPUTED
        and getattr(w, name, None)
        and not (name == "room_capacity" and problem.capacity_is_hard)
        and not (name == "previous_distance" and not problem.previous)
    ]


def _class_counts(idx: _Index, cls: ClassSpec, ss: Iterable[Session], counts: Counter[str]) -> None:
    pr = idx.problem
    ss = list(ss)
    days = Counter(s.day for s in ss)
    if cls.min_days > 0 and cls.sessions_per_week > 0:
        counts["min_days"] += max(0, cls.min_days - len(days))
    if cls.sessions_per_week > 1:
        counts["same_day"] += sum(n - 1 for n in days.values() if n > 1)
    if ss:
        counts["room_change"] += len({s.room for s in ss}) - 1
    if not pr.capacity_is_hard:
        size = idx.size(cls)
        for s in ss:
            room = idx.rooms.get(s.room)
            if room is not None:
                counts["room_capacity"] += max(0, size - room.capacity)
    if pr.previous:
        kept = Counter((s.day, s.period) for s in ss)
        for s in idx.previous.get(cls.id, ()):
            if kept[(s.day, s.period)] > 0:
                kept[(s.day, s.period)] -= 1
            else:
                counts["previous_distance"] += 1


def _shape_counts(
    idx: _Index, batches: Iterable[int], faculty: Iterable[int], days: Iterable[int]
) -> Counter[str]:
    """isolated and idle_gap of some batch days, long_run of some faculty days."""
    g = idx.problem.grid
    occ = idx.batch_occ
    counts: Counter[str] = Counter()
    days = list(days)
    for b in batches:
        for d in days:
            busy = [p for p in range(g.periods_per_day) if occ[(b, d, p)]]
            for p in busy:
                left = p > 0 and g.consecutive(d, p - 1) and occ[(b, d, p - 1)]
                right = g.consecutive(d, p) and occ[(b, d, p + 1)]
                if not left and not right:
                    counts["isolated"] += occ[(b, d, p)]
            if busy:
                counts["idle_gap"] += sum(
                    1 for p in range(busy[0] + 1, busy[-1]) if g.exists(d, p) and not occ[(b, d, p)]
                )
    k = idx.problem.long_run_limit + 1
    for f in faculty:
        for d in days:
            for p in range(g.periods_per_day):
                window = [p]
                while len(window) < k and g.consecutive(d, window[-1]):
                    window.append(window[-1] + 1)
                if len(window) == k and all(idx.fac_occ[(f, d, q)] for q in window):
                    counts["long_run"] += 1
    return counts


def _deltas(problem: Problem, before: Counter[str], after: Counter[str]) -> tuple[SoftDelta, ...]:
    w = problem.weights
    return tuple(
        SoftDelta(name, after[name] - before[name], getattr(w, name))
        for name in _active_names(problem)
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


def _pin_words(idx: _Index, moves: list[tuple[int, Session]]) -> tuple[list[Violation], list[str]]:
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
        cname = _label(pr, "classes", cls.id, "class")
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
    idx: _Index, moves: list[tuple[int, Session]]
) -> tuple[set[int], set[int], set[int], set[int]]:
    cids = {new.class_id for _, new in moves}
    batches = {b for c in cids for b in idx.classes[c].batches}
    faculty = {f for c in cids if (f := idx.classes[c].faculty) is not None}
    days = {s.day for _, s in moves} | {idx.sessions[i].day for i, _ in moves}
    return cids, batches, faculty, days


def _soft_state(
    idx: _Index, cids: set[int], batches: set[int], faculty: set[int], days: set[int]
) -> Counter[str]:
    counts = _shape_counts(idx, batches, faculty, days)
    for cid in cids:
        _class_counts(idx, idx.classes[cid], idx.per_class[cid], counts)
    return counts


def _check_plan(
    problem: Problem, sessions: Sequence[Session], moves: list[tuple[int, Session]]
) -> MoveCheck:
    idx = _Index(problem, sessions, {i for i, _ in moves})
    violations, notes = _pin_words(idx, moves)
    placed: list[Session] = []
    for _, new in moves:
        violations += _time_violations(idx, new, explain=True)
        violations += _room_violations(idx, new, explain=True)
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


def _room_part(idx: _Index, cls: ClassSpec, others: list[Session], room: int) -> Counter[str]:
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


def _room_fits(idx: _Index, cls: ClassSpec, room_id: int) -> bool:
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
    idx = _Index(problem, sessions, set(unit))
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
    names = _active_names(pr)
    w = pr.weights

    # the state before, per day and per class
    for i in unit:
        idx.add(sessions[i])
    shape_before = {d: _shape_counts(idx, batches, faculty, [d]) for d in range(g.days)}
    class_before: Counter[str] = Counter()
    for cid in unit_cids:
        _class_counts(idx, idx.classes[cid], idx.per_class[cid], class_before)
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
                if _time_violations(idx, new, explain=False) or (
                    k > 0 and _room_violations(idx, new, explain=False)
                ):
                    clean = False
                    break
                idx.add(new)
                placed.append(new)
            if clean:
                base = _shape_counts(idx, batches, faculty, old_days | {d})
                for day in old_days | {d}:
                    base.subtract(shape_before[day])
                for k, i in enumerate(unit):
                    new = moves[k][1]
                    _class_counts(idx, idx.classes[new.class_id], [*others[i], new], base)
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
                deltas = tuple(
                    SoftDelta(name, base[name] + adjust[name], getattr(w, name)) for name in names
                )
                out.append(MoveOption(d, p, room.id, sum(x.cost for x in deltas), deltas))
    out.sort(key=lambda o: (o.soft_total_delta, o.day, o.period, o.room))
    return out if limit is None else out[:limit]
