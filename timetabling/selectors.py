"""Shared reads of jobs, timetable slots and attendance, joins applied."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from academics.models import (
    Batch,
    Enrollment,
    Faculty,
    FixedSession,
    Offering,
    Room,
    Student,
    TimeSlot,
)
from academics.selectors import batch_ancestor_ids, batch_family_ids, subgroup_parents
from sih28.permissions import FACULTY, MANAGERS, STUDENT, role_of
from timetabling.dashboard import Load, SlotRow
from timetabling.models import Attendance, GenerationJob, SessionOverride, TimetableSlot

Parents = dict[int, int]  # subgroup id -> parent id (``academics.selectors.subgroup_parents``)


def job_list() -> QuerySet[GenerationJob]:
    return GenerationJob.objects.select_related("department", "batch", "created_by")


# --- Who reads whose timetable: the one rule, for the API and the pages alike ------------


@dataclass(frozen=True)
class Audience:
    """What one student attends: the sessions of ``batch_ids`` (their batch and the batches
    it is a subgroup of) that are ordinary classes or a basket option the student chose."""

    student_id: int
    batch_ids: tuple[int, ...]

    def slots(self) -> Q:
        """The filter on ``TimetableSlot`` for exactly the sessions this student attends."""
        chosen = Enrollment.objects.filter(student_id=self.student_id).values("option_id")
        return Q(batch_id__in=self.batch_ids) & (
            Q(offering__basket_option__isnull=True) | Q(offering__basket_option_id__in=chosen)
        )


def student_audience(*, student: Student, parents: Parents | None = None) -> Audience:
    """The student's :class:`Audience` (one query, none given ``subgroup_parents()``; their
    choices are a subquery)."""
    lineage = batch_ancestor_ids(batch_id=student.batch_id, parents=parents)
    return Audience(student_id=student.pk, batch_ids=tuple(lineage))


def student_of(user: Any) -> Student | None:
    """The student record a user signs in as, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return Student.objects.select_related("batch").filter(user=user).first()


def readable_batches(user: Any) -> QuerySet[Batch]:
    """Batches whose timetable ``user`` may read: every batch for admin, staff and faculty;
    a student their own batch and the batches it is a subgroup of (not sibling groups)."""
    role = role_of(user)
    if role in MANAGERS or role == FACULTY:
        return Batch.objects.all()
    if role == STUDENT:
        student = student_of(user)
        if student is None:
            return Batch.objects.none()
        return Batch.objects.filter(pk__in=batch_ancestor_ids(batch_id=student.batch_id))
    return Batch.objects.none()


def _slots() -> QuerySet[TimetableSlot]:
    return TimetableSlot.objects.select_related(
        "offering__subject", "offering__basket_option__basket", "batch", "faculty", "room", "job"
    )


def slot_list(*, user: Any = None, parents: Parents | None = None) -> QuerySet[TimetableSlot]:
    """Slots visible to ``user`` (None: every slot, for the project's own code): managers see
    drafts too, faculty the whole published timetable, a student the published sessions
    they attend (``student_audience``: their batch and its parents, their own options)."""
    qs = _slots()
    if user is None:
        return qs
    role = role_of(user)
    if role in MANAGERS:
        return qs
    if role == FACULTY:
        return qs.filter(active=True)
    if role == STUDENT:
        student = student_of(user)
        if student is None:
            return qs.none()
        audience = student_audience(student=student, parents=parents)
        return qs.filter(audience.slots(), active=True)
    return qs.none()


def student_slots(
    *, student: Student, user: Any = None, job_id: int | None = None
) -> QuerySet[TimetableSlot]:
    """Exactly the sessions ``student`` attends in the published timetable (or job
    ``job_id``), narrowed to what ``user`` may see."""
    parents = subgroup_parents()
    qs = slot_list(user=user, parents=parents)
    qs = qs.filter(student_audience(student=student, parents=parents).slots())
    return qs.filter(job_id=job_id) if job_id is not None else qs.filter(active=True)


def class_key(offering: Offering) -> tuple:
    """What makes offerings one class: a basket option, a combined group (with its subject
    and teacher), or the offering alone."""
    if offering.basket_option_id is not None:
        return ("option", offering.basket_option_id)
    if offering.group:
        return ("group", offering.group, offering.subject_id, offering.faculty_id)
    return ("offering", offering.pk)


def fixed_slot_ids(slots: Iterable[TimetableSlot]) -> set[int]:
    """The slots held where a ``FixedSession`` put them: one of the class's batches, its
    subject, the slot's day and first period (two queries, none without slots)."""
    slots = list(slots)
    subjects = {s.offering.subject_id for s in slots}
    if not subjects:
        return set()
    fixed = list(
        FixedSession.objects.filter(subject_id__in=subjects).values_list(
            "batch_id", "subject_id", "day", "period"
        )
    )
    if not fixed:
        return set()
    offerings = {
        (o.batch_id, o.subject_id): o
        for o in Offering.objects.filter(
            subject_id__in={f[1] for f in fixed}, batch_id__in={f[0] for f in fixed}
        )
    }
    held = {
        (class_key(offerings[(batch, subject)]), day, period)
        for batch, subject, day, period in fixed
        if (batch, subject) in offerings
    }
    return {s.pk for s in slots if (class_key(s.offering), s.day, s.period) in held}


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
    family_of: int | None = None,
    faculty_id: int | None = None,
    room_id: int | None = None,
    student: Student | None = None,
    parents: Parents | None = None,
) -> QuerySet[TimetableSlot]:
    """Slots of job ``job_id`` (a draft or published run), or else the published timetable,
    optionally narrowed to one batch, to a batch's page (``family_of``: the batch, the
    batches it is a subgroup of and its own subgroups), one faculty member, room or
    student (exactly the sessions they attend), and to what ``user`` may see
    (``slot_list``); joins for the exports applied. ``parents`` (``subgroup_parents()``)
    saves reading the subgroups again."""
    qs = slot_list(user=user, parents=parents)
    qs = qs.filter(job_id=job_id) if job_id is not None else qs.filter(active=True)
    if batch_id is not None:
        qs = qs.filter(batch_id=batch_id)
    if family_of is not None:
        qs = qs.filter(batch_id__in=batch_family_ids(batch_id=family_of, parents=parents))
    if student is not None:
        qs = qs.filter(student_audience(student=student, parents=parents).slots())
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


# --- The office's dashboard ---------------------------------------------------------------


def published_slot_rows() -> list[SlotRow]:
    """Every published slot as a ``dashboard.SlotRow``, in one query."""
    return [
        SlotRow(
            batch_id=row["batch_id"],
            department=row["batch__department__code"],
            room_id=row["room_id"],
            faculty_id=row["faculty_id"],
            day=row["day"],
            period=row["period"],
            length=row["length"],
            primary=row["primary"],
        )
        for row in TimetableSlot.objects.filter(active=True).values(
            "batch_id",
            "batch__department__code",
            "room_id",
            "faculty_id",
            "day",
            "period",
            "length",
            "primary",
        )
    ]


def teaching_loads() -> list[Load]:
    """Each teacher's published periods beside their weekly maximum (one aggregate query)."""
    active = Q(slots__active=True, slots__primary=True)
    rows = (
        Faculty.objects.annotate(
            periods=Coalesce(
                Sum("slots__length", filter=active), Value(0), output_field=IntegerField()
            )
        )
        .order_by("employee_id")
        .values("employee_id", "periods", "max_hours_per_week")
    )
    return [
        Load(label=row["employee_id"], periods=row["periods"], maximum=row["max_hours_per_week"])
        for row in rows
    ]


def published_jobs() -> QuerySet[GenerationJob]:
    """The jobs whose slots make up the published timetable, each scope once."""
    live = TimetableSlot.objects.filter(job_id=OuterRef("pk"), active=True)
    return (
        GenerationJob.objects.select_related("department", "batch")
        .filter(Exists(live))
        .order_by("pk")
    )


# --- What changed: a job's slots against the published timetable of its batches -----------


def changes_slots(*, job: GenerationJob) -> tuple[QuerySet[Any], QuerySet[Any]]:
    """(published, job's) slot rows with the codes a change list shows: the published
    timetable of the batches the job covers (not the job's own slots) and the job's slots."""
    fields = (
        "offering_id",
        "batch__code",
        "offering__subject__code",
        "day",
        "period",
        "room__code",
    )
    mine = TimetableSlot.objects.filter(job=job).order_by("pk").values_list(*fields, named=True)
    published = (
        TimetableSlot.objects.filter(active=True, batch_id__in=job.slots.values("batch_id"))
        .exclude(job=job)
        .order_by("pk")
        .values_list(*fields, named=True)
    )
    return published, mine


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
