"""The rules a manual move is checked against, over occupancy indexes built once per call.

``Index`` holds the occupancy (batch, faculty, room and class by cell) of every session
but the moving ones; ``time_violations`` and ``room_violations`` name each hard rule a
placed session breaks (in the institution's words when ``explain``), and
``class_counts``/``shape_counts`` recount the named soft penalties of only the classes,
batch days and faculty days a move touches, exactly as :mod:`.evaluate` counts them.

A teacher's week load is the one hard rule no move or swap can change (the same sessions
stay, with the same teachers), so it is not checked here.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .domain import covered, fixed_occupancy
from .evaluate import SOFT_NAMES
from .model import ClassSpec, Problem, Session

DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
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
        # the teachers' own wishes: counted here as model.py defines them, and held to the
        # evaluator by the property test once the evaluator scores them
        "faculty_gap",
        "faculty_avoid",
        "faculty_prefer",
    }
)


@dataclass(frozen=True)
class Violation:
    """One broken hard rule: ``kind`` is the evaluator's name for it."""

    kind: str
    message: str


# ---------------------------------------------------------------- names


def label(problem: Problem, kind: str, ident: int | None, fallback: str) -> str:
    if ident is None:
        return fallback
    shown = problem.names.get(kind, {}).get(ident)
    return str(shown) if shown else f"{fallback} #{ident}"


def cell_name(day: int, period: int) -> str:
    """(0-based day, 0-based period) as the office says it: ``TUE P3``."""
    day_name = DAY_NAMES[day] if 0 <= day < len(DAY_NAMES) else f"day {day + 1}"
    return f"{day_name} P{period + 1}"


# ---------------------------------------------------------------- the index


class Index:
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
                return f"{label(pr, 'classes', cls.id, 'class')} in {self.room_name(s.room)}"
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
        return label(self.problem, "rooms", room, "room")


# ---------------------------------------------------------------- hard rules


def time_violations(idx: Index, s: Session, explain: bool) -> list[Violation]:
    """Every rule that depends on the time of ``s`` (and the rooms of nothing else)."""
    pr = idx.problem
    g = pr.grid
    cls = idx.classes[s.class_id]
    cname = label(pr, "classes", cls.id, "class")
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
    fname = label(pr, "faculty", cls.faculty, "faculty")

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
        bname = label(pr, "batches", b, "batch")
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
        run = run_through(idx, fac.id, cells)
        if run > fac.max_consecutive and found(
            "faculty_consecutive",
            f"{fname} would teach {run} periods in a row on {DAY_NAMES[s.day]}; "
            f"the limit is {fac.max_consecutive}",
        ):
            return out
    if idx.problem.students:
        clash = student_clash(idx, cls, cells)
        if clash is not None and found("student_clash", clash):
            return out
    return out


def run_through(idx: Index, faculty: int, cells: list[tuple[int, int]]) -> int:
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


def student_clash(idx: Index, cls: ClassSpec, cells: list[tuple[int, int]]) -> str | None:
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
                        f"{label(pr, 'students', sid, 'student')} of "
                        f"{label(pr, 'classes', cls.id, 'class')} also attends "
                        f"{label(pr, 'classes', other, 'class')} on {cell_name(d, p)}"
                    )
    return None


def room_violations(idx: Index, s: Session, explain: bool) -> list[Violation]:
    pr = idx.problem
    cls = idx.classes[s.class_id]
    room = idx.rooms.get(s.room)
    if room is None:
        return [Violation("unknown_room", f"there is no room #{s.room}")]
    out: list[Violation] = []
    rname = idx.room_name(room.id)
    cname = label(pr, "classes", cls.id, "class")
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


def active_names(problem: Problem) -> list[str]:
    w = problem.weights
    return [
        name
        for name in SOFT_NAMES
        if name in COMPUTED
        and getattr(w, name, None)
        and not (name == "room_capacity" and problem.capacity_is_hard)
        and not (name == "previous_distance" and not problem.previous)
    ]


def class_counts(idx: Index, cls: ClassSpec, ss: Iterable[Session], counts: Counter[str]) -> None:
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
        # kept only at the same (day, period) and in the same room, as the evaluator counts
        kept = Counter((s.day, s.period, s.room) for s in ss)
        for s in idx.previous.get(cls.id, ()):
            if kept[(s.day, s.period, s.room)] > 0:
                kept[(s.day, s.period, s.room)] -= 1
            else:
                counts["previous_distance"] += 1


def shape_counts(
    idx: Index, batches: Iterable[int], faculty: Iterable[int], days: Iterable[int]
) -> Counter[str]:
    """isolated and idle_gap of some batch days; long_run and the teachers' wishes of some
    faculty days."""
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
            _teacher_wishes(idx, f, d, counts)
    return counts


def _teacher_wishes(idx: Index, f: int, d: int, counts: Counter[str]) -> None:
    """faculty_gap (idle periods of the day beyond ``max_gaps_per_day``), faculty_avoid
    (teaching periods in ``avoid``) and faculty_prefer (teaching periods outside a
    non-empty ``prefer``) of one teacher's day."""
    fac = idx.faculty.get(f)
    if fac is None:
        return
    g = idx.problem.grid
    busy = [p for p in range(g.periods_per_day) if idx.fac_occ[(f, d, p)]]
    if not busy:
        return
    if fac.max_gaps_per_day is not None:
        idle = sum(
            1 for p in range(busy[0] + 1, busy[-1]) if g.exists(d, p) and not idx.fac_occ[(f, d, p)]
        )
        counts["faculty_gap"] += max(0, idle - fac.max_gaps_per_day)
    counts["faculty_avoid"] += sum(1 for p in busy if (d, p) in fac.avoid)
    if fac.prefer:
        counts["faculty_prefer"] += sum(1 for p in busy if (d, p) not in fac.prefer)
