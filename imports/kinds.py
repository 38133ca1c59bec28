"""What each CSV kind looks like: its columns (required, then optional), its key, the noun
that names one of it in messages, how others' references to it are looked up, and the
named tuple its rows are read into.

Pure data: no database access. ``contracts.md`` (CSV import) is the source of these names;
the maximum lengths come from the models so the two cannot drift apart.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

from django.db import models

from academics import models as am
from imports import cells as p
from sih28.bounds import model_bounds

NO_DEFAULT = object()


@dataclass(frozen=True, slots=True)
class Field:
    """One CSV column and how its cells become a value.

    ``ref`` names the kind whose key this column refers to. Optional columns (absent, or a
    blank cell) take ``default``; a callable default is resolved later from the rest of the
    row (see ``validation``), marked here by ``p.DEFERRED``.
    """

    column: str
    parse: Callable[[str], Any]
    required: bool = True
    blank_ok: bool = False
    default: Any = NO_DEFAULT
    ref: str | None = None
    db: str = ""  # the ``values_list`` lookup that reads the stored value (code space)
    attr: str = ""  # the model attribute written (``department_id`` for references)


@dataclass(frozen=True, slots=True)
class KindSpec:
    """Everything about one kind.

    ``noun`` names one row in messages (``no batch "X" ...``). ``row`` is the named tuple a
    row is read into, one attribute per column (``row.employee_id``); ``key_of(row)`` is its
    key (a value, or a tuple for a composite key), ``values_key_of`` the same key of a plain
    tuple of values in column order, and ``ref_lookup`` the ``values_list``
    lookup that reads that key from the database, for the kinds that refer to this one.
    """

    kind: str
    model: type[models.Model]
    fields: tuple[Field, ...]
    key: tuple[str, ...]
    noun: str
    row: type[Any] = field(init=False, repr=False, compare=False)
    key_of: Callable[[Any], Any] = field(init=False, repr=False, compare=False)
    values_key_of: Callable[[tuple[Any, ...]], Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        name = "".join(part.title() for part in self.kind.split("_")) + "Row"
        object.__setattr__(self, "row", namedtuple(name, self.columns))
        object.__setattr__(self, "key_of", attrgetter(*self.key))
        # The same key from a plain tuple of values in column order (a stored row).
        at = [self.columns.index(column) for column in self.key]
        object.__setattr__(self, "values_key_of", itemgetter(*at))

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields)

    def column_field(self, column: str) -> Field:
        return next(f for f in self.fields if f.column == column)

    @property
    def ref_lookup(self) -> str:
        """The ``values_list`` lookup of this kind's key (a kind others refer to has one key
        column)."""
        [column] = self.key
        return self.column_field(column).db

    def format_key(self, key: Any) -> str:
        """A key for a message: ``"CSE"``, or ``MON 3`` / ``"F001" TUE 2`` for composite
        keys."""
        parts = key if isinstance(key, tuple) else (key,)
        shown = []
        for column, part in zip(self.key, parts, strict=True):
            if column == "day":
                shown.append(p.DAYS[part])
            elif isinstance(part, int):
                shown.append(str(part))
            else:
                shown.append(p.show(part))
        return " ".join(shown)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields if f.required)

    @property
    def optional_columns(self) -> tuple[str, ...]:
        return tuple(f.column for f in self.fields if not f.required)

    @property
    def key_label(self) -> str:
        return "+".join(self.key)

    def allowed_text(self) -> str:
        text = "allowed columns: " + ", ".join(self.required_columns)
        if self.optional_columns:
            text += "; optional: " + ", ".join(self.optional_columns)
        return text


def _len(model: type, field: str) -> int:
    return model._meta.get_field(field).max_length  # type: ignore[attr-defined]


def _int(model: type, field: str) -> Callable[[str], int]:
    """A whole number in the range the model field accepts (its validators: the domain's
    bounds in ``academics.limits`` and the column's own range)."""
    return p.integer(*model_bounds(model, field))


_code = p.code(_len(am.Department, "code"))


def _field(
    column: str,
    parse: Callable[[str], Any],
    *,
    db: str | None = None,
    attr: str | None = None,
    **kw: Any,
) -> Field:
    return Field(column, parse, db=db or column, attr=attr or column, **kw)


def _ref(column: str, kind: str, key_len: int, *, db: str, attr: str) -> Field:
    return Field(column, p.code(key_len), ref=kind, db=db, attr=attr)


DEPARTMENTS = KindSpec(
    "departments",
    am.Department,
    (
        _field("code", p.code(_len(am.Department, "code"))),
        _field("name", p.text(_len(am.Department, "name"))),
    ),
    ("code",),
    "department",
)

ROOMS = KindSpec(
    "rooms",
    am.Room,
    (
        _field("code", p.code(_len(am.Room, "code"))),
        _field("capacity", _int(am.Room, "capacity")),
        _field("kind", p.choice(am.RoomKind.values)),
        _field("building", p.text(_len(am.Room, "building")), required=False, default=""),
    ),
    ("code",),
    "room",
)

TIMESLOTS = KindSpec(
    "timeslots",
    am.TimeSlot,
    (
        _field("day", p.day),
        _field("period", _int(am.TimeSlot, "period")),
        _field("start", p.hhmm, db="start_time", attr="start_time"),
        _field("end", p.hhmm, db="end_time", attr="end_time"),
    ),
    ("day", "period"),
    "time slot",
)

FACULTY = KindSpec(
    "faculty",
    am.Faculty,
    (
        _field("employee_id", p.code(_len(am.Faculty, "employee_id"))),
        _field("name", p.text(_len(am.Faculty, "name"))),
        _field("email", p.email(_len(am.Faculty, "email")), blank_ok=True),
        _ref(
            "department",
            "departments",
            _len(am.Department, "code"),
            db="department__code",
            attr="department_id",
        ),
        _field(
            "max_hours_per_week", _int(am.Faculty, "max_hours_per_week"), required=False, default=18
        ),
        _field(
            "max_hours_per_day", _int(am.Faculty, "max_hours_per_day"), required=False, default=4
        ),
    ),
    ("employee_id",),
    "faculty member",
)

FACULTY_UNAVAILABILITY = KindSpec(
    "faculty_unavailability",
    am.FacultyUnavailability,
    (
        _ref(
            "employee_id",
            "faculty",
            _len(am.Faculty, "employee_id"),
            db="faculty__employee_id",
            attr="faculty_id",
        ),
        _field("day", p.day),
        _field("period", _int(am.FacultyUnavailability, "period")),
    ),
    ("employee_id", "day", "period"),
    "unavailable period",
)

SUBJECTS = KindSpec(
    "subjects",
    am.Subject,
    (
        _field("code", p.code(_len(am.Subject, "code"))),
        _field("name", p.text(_len(am.Subject, "name"))),
        _ref(
            "department",
            "departments",
            _len(am.Department, "code"),
            db="department__code",
            attr="department_id",
        ),
        _field("kind", p.choice(am.SubjectKind.values)),
        _field("sessions_per_week", _int(am.Subject, "sessions_per_week")),
        # Defaults depend on the row (kind) and on the time grid: resolved in validation.
        _field(
            "periods_per_session",
            _int(am.Subject, "periods_per_session"),
            required=False,
            default=p.DEFERRED,
        ),
        _field("min_days", _int(am.Subject, "min_days"), required=False, default=p.DEFERRED),
    ),
    ("code",),
    "subject",
)

BATCHES = KindSpec(
    "batches",
    am.Batch,
    (
        _field("code", p.code(_len(am.Batch, "code"))),
        _field("name", p.text(_len(am.Batch, "name"))),
        _ref(
            "department",
            "departments",
            _len(am.Department, "code"),
            db="department__code",
            attr="department_id",
        ),
        _field("semester", _int(am.Batch, "semester")),
        _field("size", _int(am.Batch, "size")),
    ),
    ("code",),
    "batch",
)

STUDENTS = KindSpec(
    "students",
    am.Student,
    (
        _field("roll_number", p.code(_len(am.Student, "roll_number"))),
        _field("name", p.text(_len(am.Student, "name"))),
        _field("email", p.email(_len(am.Student, "email")), blank_ok=True),
        _ref("batch", "batches", _len(am.Batch, "code"), db="batch__code", attr="batch_id"),
    ),
    ("roll_number",),
    "student",
)

OFFERINGS = KindSpec(
    "offerings",
    am.Offering,
    (
        _ref("batch", "batches", _len(am.Batch, "code"), db="batch__code", attr="batch_id"),
        _ref(
            "subject", "subjects", _len(am.Subject, "code"), db="subject__code", attr="subject_id"
        ),
        _ref(
            "faculty",
            "faculty",
            _len(am.Faculty, "employee_id"),
            db="faculty__employee_id",
            attr="faculty_id",
        ),
        _field("group", p.text(_len(am.Offering, "group")), required=False, default=""),
    ),
    ("batch", "subject"),
    "offering",
)

#: Every kind, in dependency order (a kind refers only to kinds before it).
SPECS: dict[str, KindSpec] = {
    s.kind: s
    for s in (
        DEPARTMENTS,
        ROOMS,
        TIMESLOTS,
        FACULTY,
        FACULTY_UNAVAILABILITY,
        SUBJECTS,
        BATCHES,
        STUDENTS,
        OFFERINGS,
    )
}
KINDS: tuple[str, ...] = tuple(SPECS)
