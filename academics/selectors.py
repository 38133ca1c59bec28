"""Shared reads of master data, with their joins applied so serializers never query per row."""

from __future__ import annotations

from django.db.models import Case, F, Q, QuerySet, Value, When

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
    User,
)
from sih28.permissions import FACULTY, MANAGERS, STUDENT, role_of


def department_list() -> QuerySet[Department]:
    return Department.objects.all()


def room_list() -> QuerySet[Room]:
    return Room.objects.all()


def timeslot_list() -> QuerySet[TimeSlot]:
    return TimeSlot.objects.all()


def faculty_list(*, user=None) -> QuerySet[Faculty]:
    """Faculty with ``shown_email``: the address for admin and staff (and for ``user=None``,
    the project's own code) and for the faculty member themself, empty for everyone else."""
    qs = Faculty.objects.select_related("department")
    if user is None or role_of(user) in MANAGERS:
        return qs.annotate(shown_email=F("email"))
    own = Q(user=user) if user.is_authenticated else Q(pk__in=[])
    return qs.annotate(shown_email=Case(When(own, then=F("email")), default=Value("")))


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


def linkable_users(role: str) -> QuerySet[User]:
    """Accounts a student (``role="student"``) or faculty record may be linked to:
    accounts of that role that are neither staff nor superuser, so an admin account can never
    become someone's student or faculty login."""
    return User.objects.filter(role=role, is_staff=False, is_superuser=False)


def offering_list() -> QuerySet[Offering]:
    return Offering.objects.select_related("batch", "subject", "faculty")
