"""Shared reads of jobs, timetable slots and attendance, joins applied."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from academics.models import Batch, Day, Faculty, Room, Student, TimeSlot
from sih28.permissions import FACULTY, MANAGERS, STUDENT, role_of
from timetabling.models import Attendance, GenerationJob, TimetableSlot


def job_list() -> QuerySet[GenerationJob]:
    return GenerationJob.objects.select_related("department", "batch", "created_by")


def slot_list(*, user=None) -> QuerySet[TimetableSlot]:  # noqa: ANN001
    """Slots visible to ``user``: managers see drafts too; faculty and students see the
    published timetable (a student only their own batch's)."""
    qs = TimetableSlot.objects.select_related(
        "offering__subject", "batch", "faculty", "room", "job"
    )
    if user is None:
        return qs
    role = role_of(user)
    if role in MANAGERS:
        return qs
    if role == FACULTY:
        return qs.filter(active=True)
    if role == STUDENT:
        return qs.filter(active=True, batch__students__user=user)
    return qs.none()


@cache
def _attendance_base() -> QuerySet[Attendance]:
    """Built once per process (resolving two subqueries is a good part of a page's ORM
    work); never evaluated itself, only cloned."""
    return Attendance.objects.annotate(
        roll_number=Subquery(
            Student.objects.filter(pk=OuterRef("student_id")).order_by().values("roll_number")
        ),
        subject_code=Subquery(
            TimetableSlot.objects.filter(pk=OuterRef("slot_id"))
            .order_by()
            .values("offering__subject__code")
        ),
    )


def attendance_list(*, user=None) -> QuerySet[Attendance]:  # noqa: ANN001
    """Attendance visible to ``user``: managers all, faculty their own slots', students
    their own.

    The roll number and subject code are scalar subqueries rather than joins: PostgreSQL
    plans a five-table join (attendance, student, slot, offering, subject) afresh for every
    page, and that planning cost more than twice what the whole page costs this way
    (``benchmarks/api_load.py``).
    """
    qs = _attendance_base().all()
    if user is None:
        return qs
    role = role_of(user)
    if role in MANAGERS:
        return qs
    if role == FACULTY:
        return qs.filter(slot__faculty__user=user)
    if role == STUDENT:
        return qs.filter(student__user=user)
    return qs.none()


def faculty_workload() -> QuerySet[Faculty]:
    """Per faculty member: sessions and periods in the published timetable, in one query.

    A combined class is one session for its teacher even though it has a slot per batch,
    so only primary slots count.
    """
    active = Q(slots__active=True, slots__primary=True)
    qs = (
        Faculty.objects.select_related("department")
        .annotate(
            sessions=Count("slots", filter=active),
            periods=Coalesce(Sum("slots__length", filter=active), Value(0),
                             output_field=IntegerField()),
        )
        .order_by("employee_id")
    )
    return qs


# --- Timetable exports and pages -----------------------------------------------------------


def export_slots(*, job_id: int | None = None, batch_id: int | None = None,
                 faculty_id: int | None = None,
                 room_id: int | None = None) -> QuerySet[TimetableSlot]:
    """Slots of job ``job_id`` (a draft or published run), or else the published timetable,
    optionally narrowed to one batch, faculty member or room; joins for the exports applied."""
    qs = slot_list()
    qs = qs.filter(job_id=job_id) if job_id is not None else qs.filter(active=True)
    if batch_id is not None:
        qs = qs.filter(batch_id=batch_id)
    if faculty_id is not None:
        qs = qs.filter(faculty_id=faculty_id)
    if room_id is not None:
        qs = qs.filter(room_id=room_id)
    return qs


def time_grid() -> dict[tuple[int, int], tuple[dt.time, dt.time]]:
    """The weekly time grid, ``(day, period) -> (start, end)``, in one query."""
    return {
        (day, period): (start, end)
        for day, period, start, end in TimeSlot.objects.values_list(
            "day", "period", "start_time", "end_time")
    }


def timetable_directory() -> dict[str, dict[str, list]]:
    """Batches and faculty by department and rooms by building, for the timetable index
    (three queries)."""
    batches: dict[str, list[Batch]] = {}
    for batch in Batch.objects.select_related("department").order_by(
            "department__code", "semester", "code"):
        batches.setdefault(f"{batch.department.code} · {batch.department.name}", []).append(batch)
    faculty: dict[str, list[Faculty]] = {}
    for member in Faculty.objects.select_related("department").order_by(
            "department__code", "name", "employee_id"):
        faculty.setdefault(f"{member.department.code} · {member.department.name}",
                           []).append(member)
    rooms: dict[str, list[Room]] = {}
    for room in Room.objects.order_by("building", "code"):
        rooms.setdefault(room.building or "Other rooms", []).append(room)
    return {"batches": batches, "faculty": faculty, "rooms": rooms}


@dataclass
class GridEntry:
    """One session in a grid cell; a combined class lists all its batches."""

    subject_code: str
    subject_name: str
    is_lab: bool
    faculty_id: str
    faculty_name: str
    batches: list[str]
    room: str
    period: int
    length: int
    combined: bool = False  # one class attended by several batches together


@dataclass
class GridCell:
    day: int
    entries: list[GridEntry] = field(default_factory=list)
    rowspan: int = 1
    open: bool = True  # the day has this period in its time grid
    times: str = ""  # this day's own times when they differ from the row's

    @property
    def clash(self) -> bool:
        return len(self.entries) > 1


@dataclass
class GridRow:
    kind: str  # "period" or "break"
    period: int | None
    start: dt.time | None
    end: dt.time | None
    cells: list[GridCell]  # cells covered by a longer session above are left out


@dataclass
class TimetableGrid:
    days: list[tuple[int, str]]
    rows: list[GridRow]
    sessions: int


def _layout(slots: list[TimetableSlot],
            times: dict[tuple[int, int], tuple[dt.time, dt.time]]) -> TimetableGrid:
    """Lay sessions out as a weekly grid: days across, periods (and breaks) down."""
    covered_periods = {(s.day, p) for s in slots for p in range(s.period, s.period + s.length)}
    days = sorted({d for d, _ in times} | {d for d, _ in covered_periods}) or list(range(5))
    periods = sorted({p for _, p in times} | {p for _, p in covered_periods})

    # A period's row shows the times most days share; a day that differs shows its own.
    row_times: dict[int, tuple[dt.time, dt.time] | None] = {}
    for p in periods:
        spans = Counter(times[(d, p)] for d in days if (d, p) in times)
        row_times[p] = spans.most_common(1)[0][0] if spans else None

    # Rows: each period, with a break row wherever the next period does not start when the
    # previous one ends.
    layout: list[tuple[str, int | None, dt.time | None, dt.time | None]] = []
    row_of: dict[int, int] = {}
    for i, p in enumerate(periods):
        if i:
            before, now = row_times[periods[i - 1]], row_times[p]
            if before and now and now[0] > before[1]:
                layout.append(("break", None, before[1], now[0]))
        row_of[p] = len(layout)
        span = row_times[p]
        layout.append(("period", p, span[0] if span else None, span[1] if span else None))

    # Sessions: the per-batch slots of a combined class are one entry.
    entries: dict[tuple, GridEntry] = {}
    for s in sorted(slots, key=lambda s: (s.day, s.period, s.batch.code)):
        key = (s.day, s.period, s.length, s.faculty_id, s.room_id, s.offering.subject_id)
        if key in entries:
            entries[key].batches.append(s.batch.code)
            continue
        subject = s.offering.subject
        entries[key] = GridEntry(subject.code, subject.name, subject.kind == "lab",
                                 s.faculty.employee_id, s.faculty.name, [s.batch.code],
                                 s.room.code, s.period, s.length,
                                 combined=bool(s.offering.group))

    origin: dict[tuple[int, int], GridCell] = {}  # (day, row) -> the cell starting there
    owner: dict[tuple[int, int], GridCell] = {}  # (day, row) -> the cell covering it
    for (day, period, length, *_), entry in sorted(entries.items(), key=lambda kv: kv[0][:3]):
        first = row_of[period]
        last = row_of[period + length - 1]
        cell = owner.get((day, first))
        if cell is None:
            cell = origin[(day, first)] = GridCell(day=day)
            owner[(day, first)] = cell
        cell.entries.append(entry)
        top = next(r for (d, r), c in origin.items() if d == day and c is cell)
        cell.rowspan = max(cell.rowspan, last - top + 1)
        for r in range(top, top + cell.rowspan):
            owner.setdefault((day, r), cell)

    rows = []
    for index, (kind, period, start, end) in enumerate(layout):
        cells = []
        for day in days:
            if (day, index) in owner and (day, index) not in origin:
                continue  # inside a longer session above
            cell = origin.get((day, index)) or GridCell(day=day)
            if kind == "period" and period is not None:
                own = times.get((day, period))
                cell.open = own is not None or bool(cell.entries)
                if own and row_times[period] and own != row_times[period]:
                    cell.times = f"{own[0]:%H:%M}–{own[1]:%H:%M}"
            cells.append(cell)
        rows.append(GridRow(kind, period, start, end, cells))
    return TimetableGrid(days=[(d, Day(d).label) for d in days], rows=rows,
                         sessions=len(entries))


def timetable_grid(*, job_id: int | None = None, batch_id: int | None = None,
                   faculty_id: int | None = None, room_id: int | None = None) -> TimetableGrid:
    """The weekly grid of one batch, faculty member or room: the published timetable, or
    job ``job_id``'s. Two queries: the slots and the time grid."""
    slots = list(export_slots(job_id=job_id, batch_id=batch_id, faculty_id=faculty_id,
                              room_id=room_id))
    return _layout(slots, time_grid())
