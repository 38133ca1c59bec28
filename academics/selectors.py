"""Shared reads of master data, with their joins applied so serializers never query per row."""

from __future__ import annotations

from django.db.models import Case, F, Prefetch, Q, QuerySet, Value, When

from academics.models import (
    Basket,
    BasketOption,
    Batch,
    Department,
    Enrollment,
    Faculty,
    FacultyPreference,
    FacultyUnavailability,
    FixedSession,
    Offering,
    Room,
    RoomUnavailability,
    Shift,
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
    return Batch.objects.select_related("department", "parent", "shift")


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
    return Offering.objects.select_related("batch", "subject", "faculty", "basket_option")


# --- subgroups -----------------------------------------------------------------------------

#: Subgroups nest this deep at most as far as the reads below follow them (a lab group of a
#: tutorial group of a batch is depth 2); a cycle that slipped into the data ends there too.
MAX_SUBGROUP_DEPTH = 8


def subgroup_parents() -> dict[int, int]:
    """``subgroup id -> parent id`` of every batch that has a parent (one query)."""
    return dict(Batch.objects.filter(parent__isnull=False).values_list("pk", "parent_id"))


def batch_ancestor_ids(*, batch_id: int, parents: dict[int, int] | None = None) -> list[int]:
    """``batch_id`` and the batches it is a subgroup of, nearest first (one query)."""
    parents = subgroup_parents() if parents is None else parents
    out = [batch_id]
    while out[-1] in parents and len(out) <= MAX_SUBGROUP_DEPTH:
        nxt = parents[out[-1]]
        if nxt in out:
            break
        out.append(nxt)
    return out


def batch_descendant_ids(*, batch_id: int, parents: dict[int, int] | None = None) -> list[int]:
    """The subgroups of ``batch_id``, their subgroups and so on (one query)."""
    parents = subgroup_parents() if parents is None else parents
    children: dict[int, list[int]] = {}
    for child, parent in parents.items():
        children.setdefault(parent, []).append(child)
    out: list[int] = []
    frontier = [batch_id]
    for _ in range(MAX_SUBGROUP_DEPTH):
        frontier = [c for b in frontier for c in children.get(b, ()) if c not in out]
        if not frontier:
            break
        out.extend(frontier)
    return out


def batch_family_ids(*, batch_id: int, parents: dict[int, int] | None = None) -> list[int]:
    """What a batch's timetable shows: the batch, the batches it is a subgroup of, and its
    own subgroups (one query)."""
    parents = subgroup_parents() if parents is None else parents
    return batch_ancestor_ids(batch_id=batch_id, parents=parents) + batch_descendant_ids(
        batch_id=batch_id, parents=parents
    )


# --- placement and grouping data ------------------------------------------------------------


def shift_list() -> QuerySet[Shift]:
    return Shift.objects.all()


def room_unavailability_list() -> QuerySet[RoomUnavailability]:
    return RoomUnavailability.objects.select_related("room")


def faculty_preference_list() -> QuerySet[FacultyPreference]:
    return FacultyPreference.objects.select_related("faculty")


def fixed_session_list() -> QuerySet[FixedSession]:
    return FixedSession.objects.select_related("batch", "subject", "room")


def basket_list() -> QuerySet[Basket]:
    return Basket.objects.prefetch_related(
        Prefetch("batches", queryset=Batch.objects.only("pk", "code").order_by("code"))
    )


def basket_option_list() -> QuerySet[BasketOption]:
    return BasketOption.objects.select_related("basket", "subject", "faculty")


def enrollment_list(*, user=None) -> QuerySet[Enrollment]:
    """Enrollments visible to ``user``: managers and faculty all (faculty mark attendance of
    an option's students), a student only their own."""
    qs = Enrollment.objects.select_related("student", "basket", "option__subject")
    role = role_of(user) if user is not None else None
    if user is None or role in MANAGERS or role == FACULTY:
        return qs
    if role == STUDENT:
        return qs.filter(student__user=user)
    return qs.none()
