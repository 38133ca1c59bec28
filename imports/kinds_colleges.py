"""The kinds of "colleges as they are": room closures, shifts, teachers' preferences,
elective baskets with their options and enrollments, and fixed sessions.

Pure data, like ``kinds`` (which puts these in the registry, in import order).
"""

from __future__ import annotations

from academics import models as am
from imports import cells as p
from imports.fields import KindSpec, bounded, column, max_length, reference

_ROOM = max_length(am.Room, "code")
_FACULTY = max_length(am.Faculty, "employee_id")
_SUBJECT = max_length(am.Subject, "code")
_BATCH = max_length(am.Batch, "code")
_BASKET = max_length(am.Basket, "code")

ROOM_UNAVAILABILITY = KindSpec(
    "room_unavailability",
    am.RoomUnavailability,
    (
        reference("room", "rooms", _ROOM, db="room__code", attr="room_id"),
        column("day", p.day),
        column("period", bounded(am.RoomUnavailability, "period")),
    ),
    ("room", "day", "period"),
    "room closure",
)

SHIFTS = KindSpec(
    "shifts",
    am.Shift,
    (
        column("code", p.code(max_length(am.Shift, "code"))),
        column("name", p.text(max_length(am.Shift, "name"))),
        column("periods", p.periods(max_length(am.Shift, "periods"))),
    ),
    ("code",),
    "shift",
)

FACULTY_PREFERENCES = KindSpec(
    "faculty_preferences",
    am.FacultyPreference,
    (
        reference("employee_id", "faculty", _FACULTY, db="faculty__employee_id", attr="faculty_id"),
        column("day", p.day),
        column("period", bounded(am.FacultyPreference, "period")),
        column("preference", p.choice(am.Preference.values)),
    ),
    ("employee_id", "day", "period"),
    "preference",
)

BASKETS = KindSpec(
    "baskets",
    am.Basket,
    (
        column("code", p.code(_BASKET)),
        column("name", p.text(max_length(am.Basket, "name"))),
        # ;-separated batch codes, written to the many-to-many ``Basket.batches``
        column("batches", p.codes(_BATCH), db="batches__code", ref="batches", many=True),
        column("sessions_per_week", bounded(am.Basket, "sessions_per_week")),
        column(
            "periods_per_session",
            bounded(am.Basket, "periods_per_session"),
            required=False,
            default=1,
        ),
        # default: sessions_per_week, at most the days of the time grid (as for subjects)
        column("min_days", bounded(am.Basket, "min_days"), required=False, default=p.DEFERRED),
    ),
    ("code",),
    "basket",
)

BASKET_OPTIONS = KindSpec(
    "basket_options",
    am.BasketOption,
    (
        reference("basket", "baskets", _BASKET, db="basket__code", attr="basket_id"),
        reference("subject", "subjects", _SUBJECT, db="subject__code", attr="subject_id"),
        reference("faculty", "faculty", _FACULTY, db="faculty__employee_id", attr="faculty_id"),
    ),
    ("basket", "subject"),
    "basket option",
)

ENROLLMENTS = KindSpec(
    "enrollments",
    am.Enrollment,
    (
        reference(
            "roll_number",
            "students",
            max_length(am.Student, "roll_number"),
            db="student__roll_number",
            attr="student_id",
        ),
        reference("basket", "baskets", _BASKET, db="basket__code", attr="basket_id"),
        # the option chosen: the basket's option of this subject
        reference(
            "subject",
            "basket_options",
            _SUBJECT,
            db="option__subject__code",
            attr="option_id",
            ref_key=("basket", "subject"),
            missing="{value} is not an option of basket {basket}",
        ),
    ),
    ("roll_number", "basket"),
    "enrollment",
)

FIXED_SESSIONS = KindSpec(
    "fixed_sessions",
    am.FixedSession,
    (
        reference("batch", "batches", _BATCH, db="batch__code", attr="batch_id"),
        reference("subject", "subjects", _SUBJECT, db="subject__code", attr="subject_id"),
        column("day", p.day),
        column("period", bounded(am.FixedSession, "period")),
        reference("room", "rooms", _ROOM, db="room__code", attr="room_id", required=False),
    ),
    ("batch", "subject", "day", "period"),
    "fixed session",
)
