"""Shared reads of jobs, timetable slots and attendance, joins applied."""

from __future__ import annotations

from django.db.models import Count, IntegerField, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from academics.models import Faculty
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


def attendance_list(*, user=None) -> QuerySet[Attendance]:  # noqa: ANN001
    """Attendance visible to ``user``: managers all, faculty their own slots', students
    their own."""
    qs = Attendance.objects.select_related("student", "slot__offering__subject", "marked_by")
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
