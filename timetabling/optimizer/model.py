"""The optimizer's vocabulary: a timetabling problem in, a result out.

Plain frozen dataclasses with integer ids and 0-based day/period indices. The Django
service (and the ITC-2007 reader) translate their own data into these types; nothing here
knows about databases, settings or Sentry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

Slot = tuple[int, int]  # (day, period), both 0-based


class RoomKind(str, Enum):  # noqa: UP042 - str() stays "RoomKind.LAB"; callers use .value
    LECTURE = "lecture"
    LAB = "lab"


@dataclass(frozen=True)
class TimeGrid:
    """The weekly grid: ``days`` x ``periods_per_day`` periods.

    ``missing`` lists (day, period) cells that do not exist (a short day). ``breaks_after``
    lists (day, period) cells after which the next period does not follow directly (a
    lunch break): a multi-period session may not span such a break.
    """

    days: int
    periods_per_day: int
    missing: frozenset[Slot] = frozenset()
    breaks_after: frozenset[Slot] = frozenset()

    def exists(self, day: int, period: int) -> bool:
        return (
            0 <= day < self.days
            and 0 <= period < self.periods_per_day
            and (day, period) not in self.missing
        )

    def consecutive(self, day: int, period: int) -> bool:
        """True when period+1 directly follows period on that day."""
        return (
            self.exists(day, period)
            and self.exists(day, period + 1)
            and (day, period) not in self.breaks_after
        )

    def can_start(self, day: int, period: int, length: int) -> bool:
        """A session of ``length`` periods may start at (day, period)."""
        if not self.exists(day, period):
            return False
        return all(self.consecutive(day, period + k) for k in range(length - 1))


@dataclass(frozen=True)
class Room:
    """A room. ``features`` are tags it has (``computers``); ``unavailable`` are the
    (day, period) cells it cannot be used in (closed for maintenance)."""

    id: int
    kind: RoomKind
    capacity: int
    features: frozenset[str] = frozenset()
    unavailable: frozenset[Slot] = frozenset()


@dataclass(frozen=True)
class Faculty:
    id: int
    unavailable: frozenset[Slot] = frozenset()
    max_periods_per_day: int | None = None
    max_periods_per_week: int | None = None
    max_consecutive: int | None = None  # hard: at most this many teaching periods in a row
    max_gaps_per_day: int | None = None  # soft: idle periods in a day beyond this count
    prefer: frozenset[Slot] = frozenset()  # soft: periods the teacher would rather teach in
    avoid: frozenset[Slot] = frozenset()  # soft: periods the teacher would rather not teach in


@dataclass(frozen=True)
class Batch:
    """A group of students who attend together (a curriculum in ITC-2007)."""

    id: int
    size: int
    # cells outside the batch's shift: none of its classes may touch them (hard)
    unavailable: frozenset[Slot] = frozenset()


@dataclass(frozen=True)
class Pin:
    """One session of a class that must be held exactly here.

    ``room`` None lets the solver choose a fitting room. ``reason`` is ``"fixed"`` for a
    fixed special class of the institution's data and ``"pinned"`` for a session the office
    pinned on a draft; explanations use it.
    """

    day: int
    period: int
    room: int | None = None
    reason: str = "pinned"


@dataclass(frozen=True)
class ClassSpec:
    """Something that meets ``sessions_per_week`` times a week.

    An offering, or a combined class attended together by several batches. Its sessions are
    interchangeable: the model treats them as one family, never as numbered copies.
    """

    id: int
    kind: RoomKind
    faculty: int | None
    batches: tuple[int, ...]
    sessions_per_week: int
    periods_per_session: int = 1
    min_days: int = 0
    size: int | None = None  # students attending; defaults to the sum of batch sizes
    unavailable: frozenset[Slot] = frozenset()  # slots where no session may *touch*
    room_features: frozenset[str] = frozenset()  # tags its room must have (hard)
    # Classes with the same ``basket`` are the parallel options of one elective basket:
    # their sessions start at exactly the same (day, period)s, and they share their
    # batches without clashing among themselves (hard). None: an ordinary class.
    basket: int | None = None
    pins: tuple[Pin, ...] = ()  # sessions held exactly there; they count in sessions_per_week


@dataclass(frozen=True)
class FixedSession:
    """A session outside the scope being generated: its faculty, room and batches are busy."""

    day: int
    period: int
    length: int
    faculty: int | None
    room: int | None
    batches: tuple[int, ...] = ()


@dataclass(frozen=True)
class Session:
    """One placed session of a class: ``length`` periods from (day, period) in room."""

    class_id: int
    day: int
    period: int
    room: int


@dataclass(frozen=True)
class StudentLoad:
    """One student and every class they attend (from batch, subgroups and chosen options).

    Only for the per-student hard check (no student in two sessions at once) of the
    evaluator and for explanations; the solver keeps students apart through batches.
    """

    id: int
    classes: tuple[int, ...]


@dataclass(frozen=True)
class Weights:
    """Weights of the named soft penalties. 0 switches a penalty off.

    ``room_capacity`` is only used when ``Problem.capacity_is_hard`` is False (ITC-2007
    counts each student above capacity); otherwise capacity is a hard rule.
    """

    min_days: int = 5
    same_day: int = 3
    isolated: int = 2
    idle_gap: int = 1
    room_change: int = 1
    long_run: int = 2
    room_capacity: int = 1
    previous_distance: int = 1
    faculty_gap: int = 1  # per idle period of a teacher's day beyond max_gaps_per_day
    faculty_avoid: int = 2  # per teaching period in one of the teacher's avoid periods
    faculty_prefer: int = 1  # per teaching period outside the teacher's prefer periods


@dataclass(frozen=True)
class Problem:
    grid: TimeGrid
    rooms: tuple[Room, ...]
    faculty: tuple[Faculty, ...]
    batches: tuple[Batch, ...]
    classes: tuple[ClassSpec, ...]
    fixed: tuple[FixedSession, ...] = ()
    previous: tuple[Session, ...] = ()  # a timetable to stay close to
    students: tuple[StudentLoad, ...] = ()  # for the per-student hard check only
    weights: Weights = field(default_factory=Weights)
    capacity_is_hard: bool = True
    long_run_limit: int = 3  # faculty teaching more than this many periods in a row
    names: dict[str, dict[int, str]] = field(default_factory=dict, compare=False, hash=False)
    # names: optional display names for explanations, e.g. {"faculty": {3: "CSE1005"},
    # "batches": {...}, "classes": {...}, "rooms": {...}, "baskets": {...}, "students": {...},
    # "shifts": {batch id: shift code}}


@dataclass(frozen=True)
class SolveOptions:
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    explain_infeasibility: bool = True
    # seconds to look for verified remedies when the problem is infeasible (0: none)
    remedy_budget_s: float = 0.0


class CancelToken(Protocol):
    """Anything with ``is_set()`` (a ``threading.Event``): set, the solve stops."""

    def is_set(self) -> bool: ...


@dataclass(frozen=True)
class Progress:
    objective: float
    bound: float
    elapsed_s: float


class Status(str, Enum):  # noqa: UP042 - kept as (str, Enum) for stable str()
    OPTIMAL = "OPTIMAL"
    FEASIBLE = "FEASIBLE"
    INFEASIBLE = "INFEASIBLE"
    UNKNOWN = "UNKNOWN"  # time ran out before a solution was found
    CANCELLED = "CANCELLED"
    INVALID = "INVALID"


@dataclass(frozen=True)
class Penalty:
    name: str
    count: int
    weight: int

    @property
    def cost(self) -> int:
        return self.count * self.weight


@dataclass(frozen=True)
class Stats:
    variables: int = 0
    constraints: int = 0
    time_to_first_feasible_s: float | None = None
    wall_time_s: float = 0.0


@dataclass(frozen=True)
class Remedy:
    """One change that was verified to make an infeasible problem solvable: ``kind``
    (room, teacher_day, teacher_week, teacher_in_a_row, move_pin, shift) and the change in
    the institution's words ("add one lab room with 40 seats, free on TUE-THU P5-P7")."""

    kind: str
    text: str


@dataclass(frozen=True)
class Result:
    status: Status
    sessions: tuple[Session, ...] = ()
    objective: float | None = None
    best_bound: float | None = None
    penalties: tuple[Penalty, ...] = ()
    stats: Stats = field(default_factory=Stats)
    explanation: tuple[str, ...] = ()  # domain-worded reasons when INFEASIBLE
    remedies: tuple[Remedy, ...] = ()  # verified changes when INFEASIBLE (remedy_budget_s)

    @property
    def has_solution(self) -> bool:
        return self.status in (Status.OPTIMAL, Status.FEASIBLE)
