"""Which published sessions a teacher's leave touches, and who could cover them.

For every date of a leave and every weekly session the teacher has on that weekday, the
candidates are ranked: free at those periods on that date (the weekly timetable plus the
accepted overrides of that date), not unavailable then, not on leave, within their daily
and weekly maxima counting accepted substitutions; same department first, then those who
teach the subject, then those who teach in its department, then the fewest substitutions
this month. When nobody fits, a one-day move is proposed: another period of that day where
the batch and a room are free and a substitute is free too.

Everything is read once per call (:class:`Calendar`), then computed in memory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from academics.models import Faculty, FacultyUnavailability, Offering, Room, TimeSlot
from timetabling.models import FacultyLeave, SessionOverride, TimetableSlot

MAX_CANDIDATES = 5
MAX_MOVES = 3


@dataclass(frozen=True)
class Session:
    """One weekly published session (the primary slot of a combined class)."""

    slot_id: int
    offering_id: int
    subject_id: int
    subject_code: str
    subject_department_id: int
    batch_ids: tuple[int, ...]
    batch_codes: str
    faculty_id: int
    room_id: int
    day: int
    period: int
    length: int

    def cells(self, period: int | None = None) -> range:
        first = self.period if period is None else period
        return range(first, first + self.length)


@dataclass(frozen=True)
class Candidate:
    faculty_id: int
    employee_id: str
    name: str
    same_department: bool
    teaches_subject: bool
    teaches_department: bool
    substitutions_this_month: int


@dataclass(frozen=True)
class MoveOption:
    period: int
    room_id: int
    room_code: str
    substitute: Candidate


@dataclass(frozen=True)
class Gap:
    """One session on one date that a leave touches, with what is proposed for it."""

    session: Session
    date: dt.date
    absent_faculty_id: int
    covered_by: int | None  # the accepted override's id, if any
    candidates: list[Candidate] = field(default_factory=list)
    moves: list[MoveOption] = field(default_factory=list)


@dataclass
class _Day:
    """Who and what is busy on one date: sets of (id, period)."""

    faculty: set[tuple[int, int]] = field(default_factory=set)
    batch: set[tuple[int, int]] = field(default_factory=set)
    room: set[tuple[int, int]] = field(default_factory=set)
    periods: Counter[int] = field(default_factory=Counter)  # faculty id -> periods taught


class Calendar:
    """The published timetable, leaves and overrides of a date range, read once."""

    def __init__(self, start: dt.date, end: dt.date) -> None:
        self.start, self.end = start, end
        month_start = start.replace(day=1)
        week_start = start - dt.timedelta(days=start.weekday())
        week_end = end + dt.timedelta(days=6 - end.weekday())
        slots = list(
            TimetableSlot.objects.filter(active=True)
            .select_related("offering__subject", "batch")
            .order_by("pk")
        )
        self.sessions: dict[int, Session] = {}
        self.session_of_slot: dict[int, int] = {}
        siblings: dict[tuple[int, int, int, int, int, int], list[TimetableSlot]] = defaultdict(list)
        for s in slots:
            siblings[
                (s.job_id, s.offering.subject_id, s.faculty_id, s.day, s.period, s.room_id)
            ].append(s)
        for group in siblings.values():
            first = next((s for s in group if s.primary), group[0])
            session = Session(
                slot_id=first.pk,
                offering_id=first.offering_id,
                subject_id=first.offering.subject_id,
                subject_code=first.offering.subject.code,
                subject_department_id=first.offering.subject.department_id,
                batch_ids=tuple(s.batch_id for s in group),
                batch_codes="+".join(s.batch.code for s in group),
                faculty_id=first.faculty_id,
                room_id=first.room_id,
                day=first.day,
                period=first.period,
                length=first.length,
            )
            self.sessions[first.pk] = session
            for s in group:
                self.session_of_slot[s.pk] = first.pk
        self.faculty = {f.pk: f for f in Faculty.objects.order_by("employee_id")}
        self.unavailable = set(
            FacultyUnavailability.objects.values_list("faculty_id", "day", "period")
        )
        self.leaves = list(
            FacultyLeave.objects.filter(start__lte=week_end, end__gte=min(week_start, month_start))
        )
        self.overrides = list(
            SessionOverride.objects.filter(
                date__gte=min(week_start, month_start), date__lte=max(week_end, end)
            ).order_by("date", "pk")
        )
        self.teaches: set[tuple[int, int]] = set()  # (faculty, subject)
        self.teaches_in: set[tuple[int, int]] = set()  # (faculty, subject's department)
        for fid, sid, dept in Offering.objects.values_list(
            "faculty_id", "subject_id", "subject__department_id"
        ):
            self.teaches.add((fid, sid))
            self.teaches_in.add((fid, dept))
        self.rooms = list(
            Room.objects.order_by("capacity", "code").values_list("pk", "code", "kind", "capacity")
        )
        self.periods_of_day: dict[int, list[int]] = defaultdict(list)
        for day, period in TimeSlot.objects.order_by("day", "period").values_list("day", "period"):
            self.periods_of_day[day].append(period)
        self.weekly_load: Counter[int] = Counter()
        for session in self.sessions.values():
            self.weekly_load[session.faculty_id] += session.length
        self._days: dict[dt.date, _Day] = {}
        self._leaves_of: dict[int, list[FacultyLeave]] = defaultdict(list)
        for lv in self.leaves:
            self._leaves_of[lv.faculty_id].append(lv)
        self._index_overrides()

    # --- who is away, who is busy -----------------------------------------------------------

    def on_leave(self, faculty_id: int, date: dt.date) -> bool:
        return any(lv.start <= date <= lv.end for lv in self._leaves_of.get(faculty_id, ()))

    def override_of(self, slot_id: int, date: dt.date) -> SessionOverride | None:
        return self._override_at.get((slot_id, date))

    def day(self, date: dt.date) -> _Day:
        """Busy cells on ``date``: the weekly sessions of its weekday, with that date's
        accepted overrides applied."""
        if date in self._days:
            return self._days[date]
        busy = _Day()
        todays = {o.slot_id: o for o in self.overrides if o.date == date}
        for session in self.sessions.values():
            if session.day != date.weekday():
                continue
            o = todays.get(session.slot_id)
            teacher = o.substitute_id if o and o.substitute_id else session.faculty_id
            period = o.period if o and o.period else session.period
            room = o.room_id if o and o.room_id else session.room_id
            for p in session.cells(period):
                busy.faculty.add((teacher, p))
                busy.room.add((room, p))
                for b in session.batch_ids:
                    busy.batch.add((b, p))
            busy.periods[teacher] += session.length
        self._days[date] = busy
        return busy

    def week_periods(self, faculty_id: int, date: dt.date) -> int:
        """Weekly load plus accepted substitutions in the week of ``date``."""
        monday = date - dt.timedelta(days=date.weekday())
        return self.weekly_load[faculty_id] + self._week_extra[(faculty_id, monday)]

    def month_substitutions(self, faculty_id: int, date: dt.date) -> int:
        return self._month_count[(faculty_id, date.year, date.month)]

    def _index_overrides(self) -> None:
        """Lookups of the overrides (rebuilt when one is added)."""
        self._override_at = {(o.slot_id, o.date): o for o in self.overrides}
        self._week_extra: Counter[tuple[int, dt.date]] = Counter()
        self._month_count: Counter[tuple[int, int, int]] = Counter()
        for o in self.overrides:
            session = self.sessions.get(o.slot_id)  # counted once, on the primary slot
            if o.substitute_id is None or session is None:
                continue
            monday = o.date - dt.timedelta(days=o.date.weekday())
            self._week_extra[(o.substitute_id, monday)] += session.length
            self._month_count[(o.substitute_id, o.date.year, o.date.month)] += 1

    # --- proposals ------------------------------------------------------------------------

    def candidates(
        self, session: Session, date: dt.date, period: int | None = None
    ) -> list[Candidate]:
        busy = self.day(date)
        subject_dept = session.subject_department_id
        absent_dept = self.faculty[session.faculty_id].department_id
        found = []
        for f in self.faculty.values():
            if f.pk == session.faculty_id or self.on_leave(f.pk, date):
                continue
            cells = session.cells(period)
            if any(
                (f.pk, p) in busy.faculty or (f.pk, date.weekday(), p) in self.unavailable
                for p in cells
            ):
                continue
            if busy.periods[f.pk] + session.length > f.max_hours_per_day:
                continue
            if self.week_periods(f.pk, date) + session.length > f.max_hours_per_week:
                continue
            found.append(
                Candidate(
                    faculty_id=f.pk,
                    employee_id=f.employee_id,
                    name=f.name,
                    same_department=f.department_id == absent_dept,
                    teaches_subject=(f.pk, session.subject_id) in self.teaches,
                    teaches_department=(f.pk, subject_dept) in self.teaches_in,
                    substitutions_this_month=self.month_substitutions(f.pk, date),
                )
            )
        found.sort(
            key=lambda c: (
                not c.same_department,
                not c.teaches_subject,
                not c.teaches_department,
                c.substitutions_this_month,
                c.employee_id,
            )
        )
        return found

    def moves(self, session: Session, date: dt.date) -> list[MoveOption]:
        """Other periods of that day where the batch, a fitting room and a substitute are free."""
        busy = self.day(date)
        periods = set(self.periods_of_day.get(date.weekday(), []))
        options: list[MoveOption] = []
        # the session's own room first, then the others, smallest first
        rooms = sorted(self.rooms, key=lambda r: r[0] != session.room_id)
        own_kind = next((r[2] for r in self.rooms if r[0] == session.room_id), None)
        for start in sorted(periods):
            if start == session.period:
                continue
            cells = session.cells(start)
            if any(p not in periods for p in cells):
                continue
            if any((b, p) in busy.batch for b in session.batch_ids for p in cells):
                continue
            room = next(
                (
                    r
                    for r in rooms
                    if r[2] == own_kind and not any((r[0], p) in busy.room for p in cells)
                ),
                None,
            )
            if room is None:
                continue
            subs = self.candidates(session, date, start)
            if subs:
                options.append(
                    MoveOption(period=start, room_id=room[0], room_code=room[1], substitute=subs[0])
                )
            if len(options) == MAX_MOVES:
                break
        return options

    def gaps(
        self, leave: FacultyLeave, start: dt.date, end: dt.date, *, propose: bool = True
    ) -> list[Gap]:
        """The sessions ``leave`` touches between ``start`` and ``end`` (its own dates
        clipped to them), with ranked proposals when ``propose``."""
        found = []
        first, last = max(start, leave.start), min(end, leave.end)
        date = first
        while date <= last:
            for session in self.sessions.values():
                if session.faculty_id != leave.faculty_id or session.day != date.weekday():
                    continue
                override = self.override_of(session.slot_id, date)
                gap = Gap(
                    session=session,
                    date=date,
                    absent_faculty_id=leave.faculty_id,
                    covered_by=override.pk if override else None,
                )
                if propose and override is None:
                    gap.candidates.extend(self.candidates(session, date)[:MAX_CANDIDATES])
                    if not gap.candidates:
                        gap.moves.extend(self.moves(session, date))
                found.append(gap)
            date += dt.timedelta(days=1)
        found.sort(key=lambda g: (g.date, g.session.period, g.session.batch_codes))
        return found
