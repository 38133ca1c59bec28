"""What each CSV kind looks like: its columns (required, then optional), its key, the noun
that names one of it in messages, how others' references to it are looked up, and the
named tuple its rows are read into.

Pure data: no database access. ``contracts.md`` (CSV import) is the source of these names;
the maximum lengths come from the models so the two cannot drift apart.
"""

from __future__ import annotations

from academics import models as am
from imports import cells as p
from imports import kinds_colleges as kc
from imports.fields import NO_DEFAULT, Field, KindSpec, bounded, column, max_length, reference

__all__ = ["KINDS", "NO_DEFAULT", "SPECS", "Field", "KindSpec"]

DEPARTMENTS = KindSpec(
    "departments",
    am.Department,
    (
        column("code", p.code(max_length(am.Department, "code"))),
        column("name", p.text(max_length(am.Department, "name"))),
    ),
    ("code",),
    "department",
)

ROOMS = KindSpec(
    "rooms",
    am.Room,
    (
        column("code", p.code(max_length(am.Room, "code"))),
        column("capacity", bounded(am.Room, "capacity")),
        column("kind", p.choice(am.RoomKind.values)),
        column("building", p.text(max_length(am.Room, "building")), required=False, default=""),
        column("features", p.tags(max_length(am.Room, "features")), required=False, default=""),
    ),
    ("code",),
    "room",
)

TIMESLOTS = KindSpec(
    "timeslots",
    am.TimeSlot,
    (
        column("day", p.day),
        column("period", bounded(am.TimeSlot, "period")),
        column("start", p.hhmm, db="start_time", attr="start_time"),
        column("end", p.hhmm, db="end_time", attr="end_time"),
    ),
    ("day", "period"),
    "time slot",
)

FACULTY = KindSpec(
    "faculty",
    am.Faculty,
    (
        column("employee_id", p.code(max_length(am.Faculty, "employee_id"))),
        column("name", p.text(max_length(am.Faculty, "name"))),
        column("email", p.email(max_length(am.Faculty, "email")), blank_ok=True),
        reference(
            "department",
            "departments",
            max_length(am.Department, "code"),
            db="department__code",
            attr="department_id",
        ),
        column(
            "max_hours_per_week",
            bounded(am.Faculty, "max_hours_per_week"),
            required=False,
            default=18,
        ),
        column(
            "max_hours_per_day", bounded(am.Faculty, "max_hours_per_day"), required=False, default=4
        ),
        column(
            "max_consecutive",
            bounded(am.Faculty, "max_consecutive"),
            required=False,
            default=None,
        ),
        column(
            "max_gaps_per_day",
            bounded(am.Faculty, "max_gaps_per_day"),
            required=False,
            default=None,
        ),
    ),
    ("employee_id",),
    "faculty member",
)

FACULTY_UNAVAILABILITY = KindSpec(
    "faculty_unavailability",
    am.FacultyUnavailability,
    (
        reference(
            "employee_id",
            "faculty",
            max_length(am.Faculty, "employee_id"),
            db="faculty__employee_id",
            attr="faculty_id",
        ),
        column("day", p.day),
        column("period", bounded(am.FacultyUnavailability, "period")),
    ),
    ("employee_id", "day", "period"),
    "unavailable period",
)

SUBJECTS = KindSpec(
    "subjects",
    am.Subject,
    (
        column("code", p.code(max_length(am.Subject, "code"))),
        column("name", p.text(max_length(am.Subject, "name"))),
        reference(
            "department",
            "departments",
            max_length(am.Department, "code"),
            db="department__code",
            attr="department_id",
        ),
        column("kind", p.choice(am.SubjectKind.values)),
        column("sessions_per_week", bounded(am.Subject, "sessions_per_week")),
        # Defaults depend on the row (kind) and on the time grid: resolved in validation.
        column(
            "periods_per_session",
            bounded(am.Subject, "periods_per_session"),
            required=False,
            default=p.DEFERRED,
        ),
        column("min_days", bounded(am.Subject, "min_days"), required=False, default=p.DEFERRED),
        column(
            "room_features",
            p.tags(max_length(am.Subject, "room_features")),
            required=False,
            default="",
        ),
    ),
    ("code",),
    "subject",
)

BATCHES = KindSpec(
    "batches",
    am.Batch,
    (
        column("code", p.code(max_length(am.Batch, "code"))),
        column("name", p.text(max_length(am.Batch, "name"))),
        reference(
            "department",
            "departments",
            max_length(am.Department, "code"),
            db="department__code",
            attr="department_id",
        ),
        column("semester", bounded(am.Batch, "semester")),
        column("size", bounded(am.Batch, "size")),
        # a subgroup's parent: another row of this kind (written after the rows exist)
        reference(
            "parent",
            "batches",
            max_length(am.Batch, "code"),
            db="parent__code",
            attr="parent_id",
            required=False,
        ),
        reference(
            "shift",
            "shifts",
            max_length(am.Shift, "code"),
            db="shift__code",
            attr="shift_id",
            required=False,
        ),
    ),
    ("code",),
    "batch",
)

STUDENTS = KindSpec(
    "students",
    am.Student,
    (
        column("roll_number", p.code(max_length(am.Student, "roll_number"))),
        column("name", p.text(max_length(am.Student, "name"))),
        column("email", p.email(max_length(am.Student, "email")), blank_ok=True),
        reference(
            "batch", "batches", max_length(am.Batch, "code"), db="batch__code", attr="batch_id"
        ),
    ),
    ("roll_number",),
    "student",
)

OFFERINGS = KindSpec(
    "offerings",
    am.Offering,
    (
        reference(
            "batch", "batches", max_length(am.Batch, "code"), db="batch__code", attr="batch_id"
        ),
        reference(
            "subject",
            "subjects",
            max_length(am.Subject, "code"),
            db="subject__code",
            attr="subject_id",
        ),
        reference(
            "faculty",
            "faculty",
            max_length(am.Faculty, "employee_id"),
            db="faculty__employee_id",
            attr="faculty_id",
        ),
        column("group", p.text(max_length(am.Offering, "group")), required=False, default=""),
    ),
    ("batch", "subject"),
    "offering",
)

#: Every kind, in the order ``--dir`` imports them (a kind refers only to kinds before it,
#: and a batch to other batches: its parent).
SPECS: dict[str, KindSpec] = {
    s.kind: s
    for s in (
        DEPARTMENTS,
        ROOMS,
        kc.ROOM_UNAVAILABILITY,
        TIMESLOTS,
        kc.SHIFTS,
        FACULTY,
        FACULTY_UNAVAILABILITY,
        kc.FACULTY_PREFERENCES,
        SUBJECTS,
        BATCHES,
        STUDENTS,
        OFFERINGS,
        kc.BASKETS,
        kc.BASKET_OPTIONS,
        kc.ENROLLMENTS,
        kc.FIXED_SESSIONS,
    )
}
KINDS: tuple[str, ...] = tuple(SPECS)
