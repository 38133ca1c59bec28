"""ITC-2007 Track 3 (curriculum-based course timetabling): read, write, score.

A course becomes a :class:`ClassSpec` of one-period lecture sessions taught by its teacher
and attended by every curriculum (a :class:`Batch`) that lists it; its size is its own
number of students. Capacity is soft and the weights are the UD2 formulation (room capacity
1, minimum working days 5, curriculum compactness 2, room stability 1).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from timetabling.optimizer import (
    Batch,
    ClassSpec,
    Faculty,
    Problem,
    Room,
    RoomKind,
    Session,
    TimeGrid,
    Weights,
)

UD2 = Weights(
    min_days=5,
    same_day=0,
    isolated=2,
    idle_gap=0,
    room_change=1,
    long_run=0,
    room_capacity=1,
    previous_distance=0,
)


@dataclass(frozen=True)
class Course:
    id: str
    teacher: str
    lectures: int
    min_days: int
    students: int


@dataclass(frozen=True)
class Instance:
    """An ITC-2007 instance as read, plus its translation into a :class:`Problem`."""

    name: str
    days: int
    periods_per_day: int
    courses: tuple[Course, ...]
    rooms: tuple[tuple[str, int], ...]
    curricula: tuple[tuple[str, tuple[str, ...]], ...]
    unavailability: tuple[tuple[str, int, int], ...]
    problem: Problem

    def course_index(self) -> dict[str, int]:
        return {c.id: i for i, c in enumerate(self.courses)}

    def room_index(self) -> dict[str, int]:
        return {r: i for i, (r, _) in enumerate(self.rooms)}


def parse_ctt(text: str) -> Instance:
    """Parse the text of a ``.ctt`` file."""
    header: dict[str, str] = {}
    sections: dict[str, list[list[str]]] = {}
    current: str | None = None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line == "END.":
            break
        if line.endswith(":") and line[:-1].isupper():
            current = line[:-1]
            sections[current] = []
        elif current is None:
            key, _, value = line.partition(":")
            header[key.strip()] = value.strip()
        else:
            sections[current].append(line.split())
    days = int(header["Days"])
    ppd = int(header["Periods_per_day"])
    courses = tuple(
        Course(f[0], f[1], int(f[2]), int(f[3]), int(f[4])) for f in sections.get("COURSES", [])
    )
    rooms = tuple((f[0], int(f[1])) for f in sections.get("ROOMS", []))
    curricula = tuple((f[0], tuple(f[2 : 2 + int(f[1])])) for f in sections.get("CURRICULA", []))
    unav = tuple(
        (f[0], int(f[1]), int(f[2])) for f in sections.get("UNAVAILABILITY_CONSTRAINTS", [])
    )
    return Instance(
        header.get("Name", ""),
        days,
        ppd,
        courses,
        rooms,
        curricula,
        unav,
        _to_problem(days, ppd, courses, rooms, curricula, unav),
    )


def read_ctt(path: str | Path) -> Instance:
    return parse_ctt(Path(path).read_text())


def _to_problem(
    days: int,
    ppd: int,
    courses: tuple[Course, ...],
    rooms: tuple[tuple[str, int], ...],
    curricula: tuple[tuple[str, tuple[str, ...]], ...],
    unav: tuple[tuple[str, int, int], ...],
) -> Problem:
    teachers = list(dict.fromkeys(c.teacher for c in courses))
    teacher_ix = {t: i for i, t in enumerate(teachers)}
    course_ix = {c.id: i for i, c in enumerate(courses)}
    member: dict[int, list[int]] = defaultdict(list)
    for qi, (_, cs) in enumerate(curricula):
        for cid in cs:
            if cid in course_ix and qi not in member[course_ix[cid]]:
                member[course_ix[cid]].append(qi)
    blocked: dict[int, set[tuple[int, int]]] = defaultdict(set)
    for cid, d, p in unav:
        if cid in course_ix:
            blocked[course_ix[cid]].add((d, p))
    classes = tuple(
        ClassSpec(
            id=i,
            kind=RoomKind.LECTURE,
            faculty=teacher_ix[c.teacher],
            batches=tuple(member[i]),
            sessions_per_week=c.lectures,
            periods_per_session=1,
            min_days=c.min_days,
            size=c.students,
            unavailable=frozenset(blocked[i]),
        )
        for i, c in enumerate(courses)
    )
    return Problem(
        grid=TimeGrid(days, ppd),
        rooms=tuple(Room(i, RoomKind.LECTURE, cap) for i, (_, cap) in enumerate(rooms)),
        faculty=tuple(Faculty(i) for i in range(len(teachers))),
        batches=tuple(Batch(i, 0) for i in range(len(curricula))),
        classes=classes,
        weights=UD2,
        capacity_is_hard=False,
        names={
            "classes": {i: c.id for i, c in enumerate(courses)},
            "faculty": dict(enumerate(teachers)),
            "batches": {i: q for i, (q, _) in enumerate(curricula)},
            "rooms": {i: r for i, (r, _) in enumerate(rooms)},
        },
    )


# --- solutions ------------------------------------------------------------------------


def format_solution(inst: Instance, sessions: Iterable[Session]) -> str:
    """Official solution text: one ``course room day period`` line per lecture."""
    lines = [
        f"{inst.courses[s.class_id].id} {inst.rooms[s.room][0]} {s.day} {s.period}"
        for s in sorted(sessions, key=lambda s: (s.class_id, s.day, s.period))
    ]
    return "\n".join(lines) + ("\n" if lines else "")


def parse_solution(inst: Instance, text: str) -> list[Session]:
    ci = inst.course_index()
    ri = inst.room_index()
    out = []
    for raw in text.splitlines():
        f = raw.split()
        if len(f) < 4:
            continue
        out.append(Session(ci[f[0]], int(f[2]), int(f[3]), ri[f[1]]))
    return out


def read_solution(inst: Instance, path: str | Path) -> list[Session]:
    return parse_solution(inst, Path(path).read_text())


# --- the official scoring ---------------------------------------------------------------


@dataclass(frozen=True)
class ItcScore:
    lectures: int
    conflicts: int
    availability: int
    room_occupancy: int
    room_capacity: int
    min_working_days: int  # weighted (x5)
    curriculum_compactness: int  # weighted (x2)
    room_stability: int

    @property
    def hard(self) -> int:
        return self.lectures + self.conflicts + self.availability + self.room_occupancy

    @property
    def soft(self) -> int:
        return (
            self.room_capacity
            + self.min_working_days
            + self.curriculum_compactness
            + self.room_stability
        )


def itc_score(inst: Instance, sessions: Iterable[Session]) -> ItcScore:
    """Score as the official validator does (UD2), hard categories included."""
    sessions = list(sessions)
    ppd = inst.periods_per_day
    nc = len(inst.courses)
    # lectures[c][period] = number of rooms c uses at that period
    at: Counter[tuple[int, int]] = Counter()
    room_use: Counter[tuple[int, int]] = Counter()
    for s in sessions:
        t = s.day * ppd + s.period
        at[(s.class_id, t)] += 1
        room_use[(s.room, t)] += 1

    lectures = 0
    per_course = Counter(s.class_id for s in sessions)
    for c, course in enumerate(inst.courses):
        n = per_course[c]
        lectures += abs(course.lectures - n)
    lectures += sum(n - 1 for n in at.values() if n > 1)  # same course twice in one period

    periods = inst.days * ppd
    curr_of: dict[int, set[int]] = defaultdict(set)
    ci = inst.course_index()
    for qi, (_, cs) in enumerate(inst.curricula):
        for cid in cs:
            curr_of[ci[cid]].add(qi)
    conflicts = 0
    for c1 in range(nc):
        for c2 in range(c1 + 1, nc):
            same_teacher = inst.courses[c1].teacher == inst.courses[c2].teacher
            if not same_teacher and not (curr_of[c1] & curr_of[c2]):
                continue
            conflicts += sum(1 for t in range(periods) if at[(c1, t)] and at[(c2, t)])

    blocked = {(ci[c], d * ppd + p) for c, d, p in inst.unavailability if c in ci}
    availability = sum(n for (c, t), n in at.items() if (c, t) in blocked)
    room_occupancy = sum(n - 1 for n in room_use.values() if n > 1)

    room_capacity = sum(
        max(0, inst.courses[s.class_id].students - inst.rooms[s.room][1]) for s in sessions
    )
    min_days = 0
    stability = 0
    for c, course in enumerate(inst.courses):
        mine = [s for s in sessions if s.class_id == c]
        min_days += max(0, course.min_days - len({s.day for s in mine}))
        if mine:
            stability += len({s.room for s in mine}) - 1
    compact = 0
    for _, cs in inst.curricula:
        members = [ci[c] for c in cs]
        busy: Counter[int] = Counter()
        for c in members:
            for t in range(periods):
                busy[t] += at[(c, t)]
        for t in range(periods):
            if not busy[t]:
                continue
            p = t % ppd
            left = p > 0 and busy[t - 1]
            right = p < ppd - 1 and busy[t + 1]
            if not left and not right:
                compact += busy[t]
    return ItcScore(
        lectures,
        conflicts,
        availability,
        room_occupancy,
        room_capacity,
        5 * min_days,
        2 * compact,
        stability,
    )
