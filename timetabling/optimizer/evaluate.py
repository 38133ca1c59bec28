"""An independent evaluator: scores any list of sessions from scratch, without CP-SAT.

Hard violations are counted by kind; soft penalties use the solver's names and weights.
Occupancy by fixed sessions counts for clashes, loads and the shape of a batch's day.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from .domain import baskets, class_size, covered, fixed_occupancy, shift_closed
from .model import Penalty, Problem, Session
from .teacher_rules import scoped_teachers, teacher_day

HARD_KINDS = (
    "missing_sessions",
    "extra_sessions",
    "unknown_class",
    "unknown_room",
    "bad_start",
    "unavailable",
    "batch_clash",
    "faculty_clash",
    "room_clash",
    "room_kind",
    "room_capacity",
    "faculty_day_load",
    "faculty_week_load",
    "room_feature",
    "room_unavailable",
    "shift",
    "pin_moved",
    "basket_apart",
    "student_clash",
    "faculty_consecutive",
)

SOFT_NAMES = (
    "min_days",
    "same_day",
    "isolated",
    "idle_gap",
    "room_change",
    "long_run",
    "room_capacity",
    "previous_distance",
    "faculty_gap",
    "faculty_avoid",
    "faculty_prefer",
)


@dataclass(frozen=True)
class TeacherPenalties:
    """One teacher's unmet preferences: counts of the named teacher penalties (see
    :mod:`.teacher_rules` for the definitions), whatever their weights."""

    faculty: int  # Faculty.id
    gap: int = 0  # idle periods beyond max_gaps_per_day, summed over days
    avoid: int = 0  # periods taught in an avoided period
    prefer: int = 0  # periods taught outside the preferred periods

    @property
    def total(self) -> int:
        return self.gap + self.avoid + self.prefer


@dataclass(frozen=True)
class MovedCounts:
    """How a timetable differs from a previous one, session by session.

    ``time_moved``: previous sessions whose class no longer starts at that (day, period);
    ``room_moved``: the others whose class starts there but no longer in that room;
    ``total``: the sessions of the previous timetable.
    """

    time_moved: int
    room_moved: int
    total: int

    @property
    def moved(self) -> int:
        return self.time_moved + self.room_moved

    @property
    def share(self) -> float:
        return self.moved / self.total if self.total else 0.0


def moved_counts(previous: Iterable[Session], sessions: Iterable[Session]) -> MovedCounts:
    """Previous sessions moved in time, and moved only in room (each matched once)."""
    previous = list(previous)
    at_time: Counter[tuple[int, int, int]] = Counter()
    at_room: Counter[tuple[int, int, int, int]] = Counter()
    for s in sessions:
        at_time[(s.class_id, s.day, s.period)] += 1
        at_room[(s.class_id, s.day, s.period, s.room)] += 1
    time_moved = 0
    for s in previous:
        key = (s.class_id, s.day, s.period)
        if at_time[key] > 0:
            at_time[key] -= 1
        else:
            time_moved += 1
    kept = 0
    for s in previous:
        key4 = (s.class_id, s.day, s.period, s.room)
        if at_room[key4] > 0:
            at_room[key4] -= 1
            kept += 1
    return MovedCounts(time_moved, len(previous) - kept - time_moved, len(previous))


@dataclass(frozen=True)
class Evaluation:
    hard: dict[str, int]
    penalties: tuple[Penalty, ...]
    details: list[str] = field(default_factory=list, compare=False)
    # per teacher with a non-zero teacher penalty, worst first (see TeacherPenalties)
    teachers: tuple[TeacherPenalties, ...] = field(default=(), compare=False)

    @property
    def hard_total(self) -> int:
        return sum(self.hard.values())

    @property
    def soft_total(self) -> int:
        return sum(p.cost for p in self.penalties)

    @property
    def feasible(self) -> bool:
        return self.hard_total == 0

    def penalty(self, name: str) -> int:
        """The count of one named penalty (0 when switched off)."""
        return next((p.count for p in self.penalties if p.name == name), 0)


def _excess(counter: Counter[tuple[int, int, int]]) -> int:
    return sum(n - 1 for n in counter.values() if n > 1)


def evaluate(problem: Problem, sessions: Iterable[Session]) -> Evaluation:
    """Score ``sessions`` against ``problem``: hard violations by kind, soft by name."""
    sessions = list(sessions)
    g = problem.grid
    classes = {c.id: c for c in problem.classes}
    rooms = {r.id: r for r in problem.rooms}
    faculty = {f.id: f for f in problem.faculty}
    fixed = fixed_occupancy(problem)
    hard: Counter[str] = Counter({k: 0 for k in HARD_KINDS})
    details: list[str] = []

    per_class: dict[int, list[Session]] = defaultdict(list)
    batch_occ: Counter[tuple[int, int, int]] = Counter(fixed.batch)
    fac_occ: Counter[tuple[int, int, int]] = Counter(fixed.faculty)
    room_occ: Counter[tuple[int, int, int]] = Counter(fixed.room)
    class_cells: Counter[tuple[int, int, int]] = Counter()
    closed: dict[int, frozenset[tuple[int, int]]] = {}  # per class: cells outside its shifts
    for s in sessions:
        cls = classes.get(s.class_id)
        if cls is None:
            hard["unknown_class"] += 1
            continue
        per_class[cls.id].append(s)
        length = cls.periods_per_session
        cells = covered(s.day, s.period, length)
        if not g.can_start(s.day, s.period, length):
            hard["bad_start"] += 1
            details.append(f"class {cls.id} cannot start at {s.day},{s.period}")
            cells = [c for c in cells if g.exists(*c)]
        blocked = set(cls.unavailable)
        if cls.faculty is not None and cls.faculty in faculty:
            blocked |= faculty[cls.faculty].unavailable
        if any(c in blocked for c in cells):
            hard["unavailable"] += 1
        if cls.id not in closed:
            closed[cls.id] = shift_closed(problem, cls)
        if any(c in closed[cls.id] for c in cells):
            hard["shift"] += 1
        for d, p in cells:
            class_cells[(cls.id, d, p)] += 1
            if cls.basket is not None:
                continue  # its batches count once per basket, below
            for b in dict.fromkeys(cls.batches):
                batch_occ[(b, d, p)] += 1
            if cls.faculty is not None:
                fac_occ[(cls.faculty, d, p)] += 1
            room_occ[(s.room, d, p)] += 1
        room = rooms.get(s.room)
        if room is None:
            hard["unknown_room"] += 1
        elif room.kind != cls.kind:
            hard["room_kind"] += 1
        elif problem.capacity_is_hard and room.capacity < class_size(problem, cls):
            hard["room_capacity"] += 1
        if room is not None and not cls.room_features <= room.features:
            hard["room_feature"] += 1
            missing = ", ".join(sorted(cls.room_features - room.features))
            details.append(f"class {cls.id} in room {room.id} without {missing}")
        if room is not None and any(c in room.unavailable for c in cells):
            hard["room_unavailable"] += 1
            details.append(f"class {cls.id} in room {room.id} while it is closed")

    for key, n in basket_batch_cells(problem, class_cells).items():
        batch_occ[key] += n
    hard["pin_moved"] += pins_moved(problem, per_class)
    hard["basket_apart"] += baskets_apart(problem, per_class)
    hard["student_clash"] += student_clashes(problem, class_cells)

    for cls in problem.classes:
        n = len(per_class.get(cls.id, ()))
        if n < cls.sessions_per_week:
            hard["missing_sessions"] += cls.sessions_per_week - n
        elif n > cls.sessions_per_week:
            hard["extra_sessions"] += n - cls.sessions_per_week

    # a class clashing with itself (overlapping sessions) is a batch clash without batches
    hard["batch_clash"] += _excess(batch_occ) + sum(
        n - 1 for (cid, _, _), n in class_cells.items() if n > 1 and not classes[cid].batches
    )
    hard["faculty_clash"] += _excess(fac_occ)
    hard["room_clash"] += _excess(room_occ)

    for f in problem.faculty:
        week = 0
        for d in range(g.days):
            day = sum(fac_occ[(f.id, d, p)] for p in range(g.periods_per_day))
            week += day
            if f.max_periods_per_day is not None and day > f.max_periods_per_day:
                hard["faculty_day_load"] += day - f.max_periods_per_day
        if f.max_periods_per_week is not None and week > f.max_periods_per_week:
            hard["faculty_week_load"] += week - f.max_periods_per_week

    counts = _soft_counts(problem, per_class, batch_occ, fac_occ)
    teachers = _teacher_counts(problem, fac_occ, fixed.faculty, hard, counts)
    w = problem.weights
    penalties = tuple(
        Penalty(name, counts[name], getattr(w, name))
        for name in SOFT_NAMES
        if getattr(w, name)
        and not (name == "room_capacity" and problem.capacity_is_hard)
        and not (name == "previous_distance" and not problem.previous)
    )
    return Evaluation(dict(hard), penalties, details, teachers)


def _teacher_counts(
    problem: Problem,
    fac_occ: Counter[tuple[int, int, int]],
    fixed_occ: Counter[tuple[int, int, int]],
    hard: Counter[str],
    counts: dict[str, int],
) -> tuple[TeacherPenalties, ...]:
    """The teacher rules of :mod:`.teacher_rules`: adds the hard ``faculty_consecutive``
    and the soft ``faculty_*`` counts; returns the teachers with unmet preferences."""
    g = problem.grid
    out = []
    for fac in scoped_teachers(problem):
        gap = avoid = prefer = 0
        for d in range(g.days):
            busy = {p for p in range(g.periods_per_day) if fac_occ[(fac.id, d, p)]}
            fixed = {p for p in busy if fixed_occ[(fac.id, d, p)]}
            day = teacher_day(g, fac, d, busy, fixed)
            hard["faculty_consecutive"] += day.consecutive
            gap += day.gap
            avoid += day.avoid
            prefer += day.prefer
        counts["faculty_gap"] += gap
        counts["faculty_avoid"] += avoid
        counts["faculty_prefer"] += prefer
        if gap or avoid or prefer:
            out.append(TeacherPenalties(fac.id, gap, avoid, prefer))
    return tuple(sorted(out, key=lambda t: (-t.total, t.faculty)))


def _soft_counts(
    problem: Problem,
    per_class: dict[int, list[Session]],
    batch_occ: Counter[tuple[int, int, int]],
    fac_occ: Counter[tuple[int, int, int]],
) -> dict[str, int]:
    g = problem.grid
    counts: dict[str, int] = dict.fromkeys(SOFT_NAMES, 0)
    room_map = {r.id: r for r in problem.rooms}
    for cls in problem.classes:
        ss = per_class.get(cls.id, [])
        days = Counter(s.day for s in ss)
        if cls.min_days > 0 and cls.sessions_per_week > 0:
            counts["min_days"] += max(0, cls.min_days - len(days))
        if cls.sessions_per_week > 1:
            counts["same_day"] += sum(n - 1 for n in days.values() if n > 1)
        if ss:
            counts["room_change"] += len({s.room for s in ss}) - 1
        size = class_size(problem, cls)
        if not problem.capacity_is_hard:
            for s in ss:
                room = room_map.get(s.room)
                if room is not None:
                    counts["room_capacity"] += max(0, size - room.capacity)

    scoped_batches = {b for c in problem.classes for b in c.batches}
    for b in scoped_batches:
        for d in range(g.days):
            busy = [p for p in range(g.periods_per_day) if batch_occ[(b, d, p)]]
            for p in busy:
                left = p > 0 and g.consecutive(d, p - 1) and batch_occ[(b, d, p - 1)]
                right = g.consecutive(d, p) and batch_occ[(b, d, p + 1)]
                if not left and not right:
                    counts["isolated"] += batch_occ[(b, d, p)]
            if busy:
                counts["idle_gap"] += sum(
                    1
                    for p in range(busy[0] + 1, busy[-1])
                    if g.exists(d, p) and not batch_occ[(b, d, p)]
                )

    k = problem.long_run_limit + 1
    scoped_faculty = {c.faculty for c in problem.classes if c.faculty is not None}
    for f in scoped_faculty:
        for d in range(g.days):
            for p in range(g.periods_per_day):
                window = [p]
                while len(window) < k and g.consecutive(d, window[-1]):
                    window.append(window[-1] + 1)
                if len(window) == k and all(fac_occ[(f, d, q)] for q in window):
                    counts["long_run"] += 1

    if problem.previous:
        # a previous session is kept only at the same (day, period) and in the same room
        moved = moved_counts(problem.previous, (s for ss in per_class.values() for s in ss))
        counts["previous_distance"] += moved.moved
    return counts


# --- rules of colleges as they are ------------------------------------------------------


def basket_batch_cells(
    problem: Problem, class_cells: Counter[tuple[int, int, int]]
) -> Counter[tuple[int, int, int]]:
    """Batch occupancy by elective baskets: a basket keeps each of its batches busy once in
    a cell however many of its options meet there (options meeting apart count apart)."""
    out: Counter[tuple[int, int, int]] = Counter()
    groups = baskets(problem)
    if not groups:
        return out
    cells_of: dict[int, list[tuple[int, int, int]]] = defaultdict(list)
    for (cid, d, p), n in class_cells.items():
        cells_of[cid].append((d, p, n))
    for members in groups.values():
        per: dict[tuple[int, int, int], int] = {}
        for ci in members:
            cls = problem.classes[ci]
            for d, p, n in cells_of.get(cls.id, ()):
                for b in dict.fromkeys(cls.batches):
                    per[(b, d, p)] = max(per.get((b, d, p), 0), n)
        out.update(per)
    return out


def pins_moved(problem: Problem, per_class: dict[int, list[Session]]) -> int:
    """Pins with no session of their class at their (day, period) (in their room, if set)."""
    moved = 0
    for cls in problem.classes:
        if not cls.pins:
            continue
        free = list(per_class.get(cls.id, ()))
        # room-pinned first, so a pin without a room never takes the session another needs
        for pin in sorted(cls.pins, key=lambda pin: pin.room is None):
            hit = next(
                (
                    s
                    for s in free
                    if (s.day, s.period) == (pin.day, pin.period)
                    and (pin.room is None or s.room == pin.room)
                ),
                None,
            )
            if hit is None:
                moved += 1
            else:
                free.remove(hit)
    return moved


def baskets_apart(problem: Problem, per_class: dict[int, list[Session]]) -> int:
    """Sessions of a basket's option not matched by a session of its first option at the
    same (day, period), or the other way round (the larger of the two, per option)."""
    apart = 0
    for members in baskets(problem).values():
        starts = [
            Counter((s.day, s.period) for s in per_class.get(problem.classes[ci].id, ()))
            for ci in members
        ]
        lead = starts[0]
        for other in starts[1:]:
            apart += max(sum((lead - other).values()), sum((other - lead).values()))
    return apart


def student_clashes(problem: Problem, class_cells: Counter[tuple[int, int, int]]) -> int:
    """(student, cell) pairs where a student attends two sessions at once.

    Options of one basket never clash for a student (a student attends one of them).
    Students with the same classes are checked once and counted by their number."""
    if not problem.students:
        return 0
    cells_of: dict[int, list[tuple[tuple[int, int], int]]] = defaultdict(list)
    for (cid, d, p), n in class_cells.items():
        cells_of[cid].append(((d, p), n))
    basket_of = {c.id: c.basket for c in problem.classes}
    groups = Counter(tuple(sorted(set(st.classes))) for st in problem.students)
    clashes = 0
    for load, students in groups.items():
        # per cell: sessions of ordinary classes, and the most of any one option per basket
        plain: Counter[tuple[int, int]] = Counter()
        by_basket: dict[tuple[int, int], dict[int, int]] = defaultdict(dict)
        for cid in load:
            basket = basket_of.get(cid)
            for cell, n in cells_of.get(cid, ()):
                if basket is None:
                    plain[cell] += n
                else:
                    seen = by_basket[cell]
                    seen[basket] = max(seen.get(basket, 0), n)
        for cell, per in by_basket.items():
            plain[cell] += sum(per.values())
        clashes += students * sum(1 for n in plain.values() if n > 1)
    return clashes
