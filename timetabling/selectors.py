"""Shared reads of jobs, timetable slots and attendance, joins applied."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from academics.models import Batch, Faculty, Room, Student, TimeSlot
from sih28.permissions import FACULTY, MANAGERS, STUDENT, role_of
from timetabling.models import Attendance, GenerationJob, SessionOverride, TimetableSlot


def job_list() -> QuerySet[GenerationJob]:
    return GenerationJob.objects.select_related("department", "batch", "created_by")


# --- Who reads whose timetable: the one rule, for the API and the pages alike ------------


def readable_batches(user: Any) -> QuerySet[Batch]:
    """Batches whose timetable ``user`` may read: every batch for admin, staff and faculty;
    a student only their own."""
    role = role_of(user)
    if role in MANAGERS or role == FACULTY:
        return Batch.objects.all()
    if role == STUDENT:
        return Batch.objects.filter(students__user=user)
    return Batch.objects.none()


def slot_list(*, user: Any = None) -> QuerySet[TimetableSlot]:
    """Slots visible to ``user`` (None: every slot, for the project's own code): managers see
    drafts too; faculty and students see the published timetable of ``readable_batches``."""
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
        return qs.filter(active=True, batch__in=readable_batches(user))
    return qs.none()


def _attendance_base() -> QuerySet[Attendance]:
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


def attendance_list(*, user: Any = None) -> QuerySet[Attendance]:
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
            periods=Coalesce(
                Sum("slots__length", filter=active), Value(0), output_field=IntegerField()
            ),
        )
        .order_by("employee_id")
    )
    return qs


# --- Timetable exports and pages -----------------------------------------------------------


def export_slots(
    *,
    user: Any = None,
    job_id: int | None = None,
    batch_id: int | None = None,
    faculty_id: int | None = None,
    room_id: int | None = None,
) -> QuerySet[TimetableSlot]:
    """Slots of job ``job_id`` (a draft or published run), or else the published timetable,
    optionally narrowed to one batch, faculty member or room, and to what ``user`` may see
    (``slot_list``); joins for the exports applied."""
    qs = slot_list(user=user)
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
            "day", "period", "start_time", "end_time"
        )
    }


def timetable_directory(*, user: Any = None) -> dict[str, dict[str, list]]:
    """Batches (those ``user`` may read) and faculty by department and rooms by building,
    for the timetable index (three queries)."""
    batches: dict[str, list[Batch]] = {}
    readable = Batch.objects.all() if user is None else readable_batches(user)
    for batch in readable.select_related("department").order_by(
        "department__code", "semester", "code"
    ):
        batches.setdefault(f"{batch.department.code} · {batch.department.name}", []).append(batch)
    faculty: dict[str, list[Faculty]] = {}
    for member in Faculty.objects.select_related("department").order_by(
        "department__code", "name", "employee_id"
    ):
        faculty.setdefault(f"{member.department.code} · {member.department.name}", []).append(
            member
        )
    rooms: dict[str, list[Room]] = {}
    for room in Room.objects.order_by("building", "code"):
        rooms.setdefault(room.building or "Other rooms", []).append(room)
    return {"batches": batches, "faculty": faculty, "rooms": rooms}


# --- Date overrides (leave cover) ----------------------------------------------------------


def overrides_of(*, slot_ids: list[int]) -> dict[int, list[SessionOverride]]:
    """Accepted overrides of these slots, by slot id, oldest date first (one query)."""
    found: dict[int, list[SessionOverride]] = {}
    for o in (
        SessionOverride.objects.filter(slot_id__in=slot_ids)
        .select_related("substitute", "room")
        .order_by("date", "pk")
    ):
        found.setdefault(o.slot_id, []).append(o)
    return found


def covered_by(*, faculty_id: int) -> list[tuple[list[TimetableSlot], SessionOverride]]:
    """Sessions of the published timetable that ``faculty_id`` covers for someone else on a
    date, as (the session's slots, the override of its primary slot)."""
    overrides = list(
        SessionOverride.objects.filter(
            substitute_id=faculty_id, slot__active=True, slot__primary=True
        ).select_related(
            "substitute",
            "room",
            "slot__offering__subject",
            "slot__batch",
            "slot__faculty",
            "slot__room",
            "slot__job",
        )
    )
    return [([o.slot], o) for o in overrides]


def upcoming_changes(
    *, slot_ids: list[int], faculty_id: int | None = None, days: int = 28
) -> list[SessionOverride]:
    """Overrides of these slots (and, for a teacher, those they cover) from today for
    ``days`` days, for the pages' date notes (one query)."""
    today = timezone.localdate()
    mine = Q(slot_id__in=slot_ids)
    if faculty_id is not None:
        mine |= Q(substitute_id=faculty_id, slot__active=True)
    return list(
        SessionOverride.objects.filter(
            mine, date__gte=today, date__lte=today + dt.timedelta(days=days)
        )
        .filter(Q(slot__primary=True) | Q(slot_id__in=slot_ids))
        .select_related(
            "substitute", "room", "slot__offering__subject", "slot__batch", "slot__faculty"
        )
        .order_by("date", "slot__period", "pk")[:50]
    )


def override_list(*, user: Any) -> QuerySet[SessionOverride]:
    """Accepted overrides of the published sessions ``user`` may read (``slot_list``): a
    student sees their own batch's dates."""
    visible = slot_list(user=user).filter(active=True).values("pk")
    return SessionOverride.objects.filter(slot__in=visible).select_related(
        "slot__offering__subject", "slot__batch", "slot__faculty", "substitute", "room"
    )
