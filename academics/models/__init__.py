"""The academics models: ``core`` (the institution as the first round knew it), ``groups``
(elective baskets and enrollments) and ``placement`` (shifts, room closures, teachers'
preferences, fixed sessions)."""

from academics.models.core import (
    Batch,
    Day,
    Department,
    Faculty,
    FacultyUnavailability,
    Offering,
    Role,
    Room,
    RoomKind,
    Student,
    Subject,
    SubjectKind,
    TimeSlot,
    User,
)
from academics.models.groups import Basket, BasketOption, Enrollment
from academics.models.placement import (
    FacultyPreference,
    FixedSession,
    Preference,
    RoomUnavailability,
    Shift,
)

__all__ = [
    "Basket",
    "BasketOption",
    "Batch",
    "Day",
    "Department",
    "Enrollment",
    "Faculty",
    "FacultyPreference",
    "FacultyUnavailability",
    "FixedSession",
    "Offering",
    "Preference",
    "Role",
    "Room",
    "RoomKind",
    "RoomUnavailability",
    "Shift",
    "Student",
    "Subject",
    "SubjectKind",
    "TimeSlot",
    "User",
]
