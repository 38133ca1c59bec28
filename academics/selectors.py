"""Shared reads of master data, with their joins applied so serializers never query per row."""

from __future__ import annotations

from django.db.models import QuerySet

from academics.models import (
    Batch,
    Department,
    Faculty,
    FacultyUnavailability,
    Offering,
    Room,
    Student,
    Subject,
    TimeSlot,
)
from sih28.permissions import FACULTY, MANAGERS, STUDENT, role_of


def department_list() -> QuerySet[Department]:
    return Department.objects.all()


def room_list() -> QuerySet[Room]:
    return Room.objects.all()


def timeslot_list() -> QuerySet[TimeSlot]:
    return TimeSlot.objects.all()


def faculty_list() -> QuerySet[Faculty]:
    return Faculty.objects.select_related("department")


def unavailability_list() -> QuerySet[FacultyUnavailability]:
    return FacultyUnavailability.objects.select_related("faculty")


def subject_list() -> QuerySet[Subject]:
    return Subject.objects.select_related("department")


def batch_list() -> QuerySet[Batch]:
    return Batch.objects.select_related("department")


def student_list(*, user=None) -> QuerySet[Student]:
    """Students visible to ``user``: managers and faculty see all, a student only themself."""
    qs = Student.objects.select_related("batch")
    role = role_of(user) if user is not None else None
    if user is None or role in MANAGERS or role == FACULTY:
        return qs
    if role == STUDENT:
        return qs.filter(user=user)
    return qs.none()


def offering_list() -> QuerySet[Offering]:
    return Offering.objects.select_related("batch", "subject", "faculty")
