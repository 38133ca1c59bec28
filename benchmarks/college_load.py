"""Write the rows of ``benchmarks.institution`` into an empty database with the ORM.

The CSV importer reads the same rows from files; this writer lets the benchmarks build a
college directly (a few ``bulk_create`` calls per kind), with the meanings the CSV columns
have: empty optional cells take their defaults, a basket option owns one offering per batch
of its basket, a fixed session names any batch of its class.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from academics import limits
from academics import models as am

DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def _int(value: Any) -> int | None:
    return None if value in ("", None) else int(value)


@transaction.atomic
def college_load(inst: Any) -> dict[str, int]:
    """Write ``inst.rows`` (kind -> list of row dicts) and return the rows written per kind."""
    rows: dict[str, list[dict[str, Any]]] = inst.rows

    def get(kind: str) -> list[dict[str, Any]]:
        return rows.get(kind, [])

    am.Department.objects.bulk_create(
        am.Department(code=r["code"], name=r["name"]) for r in get("departments")
    )
    dept = dict(am.Department.objects.values_list("code", "pk"))
    am.TimeSlot.objects.bulk_create(
        am.TimeSlot(
            day=DAYS.index(r["day"]),
            period=int(r["period"]),
            start_time=dt.time.fromisoformat(r["start"]),
            end_time=dt.time.fromisoformat(r["end"]),
        )
        for r in get("timeslots")
    )
    days = len({r["day"] for r in get("timeslots")}) or 1
    am.Room.objects.bulk_create(
        am.Room(
            code=r["code"],
            capacity=int(r["capacity"]),
            kind=r["kind"],
            building=r.get("building", ""),
            features=limits.tags_normalise(r.get("features", "")),
        )
        for r in get("rooms")
    )
    room = dict(am.Room.objects.values_list("code", "pk"))
    am.RoomUnavailability.objects.bulk_create(
        am.RoomUnavailability(room_id=room[r["room"]], day=DAYS.index(r["day"]), period=r["period"])
        for r in get("room_unavailability")
    )
    am.Shift.objects.bulk_create(
        am.Shift(code=r["code"], name=r["name"], periods=r["periods"]) for r in get("shifts")
    )
    shift = dict(am.Shift.objects.values_list("code", "pk"))
    am.Faculty.objects.bulk_create(
        am.Faculty(
            employee_id=r["employee_id"],
            name=r["name"],
            email=r.get("email", ""),
            department_id=dept[r["department"]],
            max_hours_per_week=_int(r.get("max_hours_per_week")) or 18,
            max_hours_per_day=_int(r.get("max_hours_per_day")) or 4,
            max_consecutive=_int(r.get("max_consecutive")),
            max_gaps_per_day=_int(r.get("max_gaps_per_day")),
        )
        for r in get("faculty")
    )
    faculty = dict(am.Faculty.objects.values_list("employee_id", "pk"))
    am.FacultyUnavailability.objects.bulk_create(
        am.FacultyUnavailability(
            faculty_id=faculty[r["employee_id"]], day=DAYS.index(r["day"]), period=r["period"]
        )
        for r in get("faculty_unavailability")
    )
    am.FacultyPreference.objects.bulk_create(
        am.FacultyPreference(
            faculty_id=faculty[r["employee_id"]],
            day=DAYS.index(r["day"]),
            period=r["period"],
            preference=r["preference"],
        )
        for r in get("faculty_preferences")
    )

    def min_days(r: dict[str, Any]) -> int:
        given = _int(r.get("min_days"))
        return min(int(r["sessions_per_week"]), days) if given is None else given

    am.Subject.objects.bulk_create(
        am.Subject(
            code=r["code"],
            name=r["name"],
            department_id=dept[r["department"]],
            kind=r["kind"],
            sessions_per_week=int(r["sessions_per_week"]),
            periods_per_session=_int(r.get("periods_per_session"))
            or (2 if r["kind"] == "lab" else 1),
            min_days=min_days(r),
            room_features=limits.tags_normalise(r.get("room_features", "")),
        )
        for r in get("subjects")
    )
    subject = dict(am.Subject.objects.values_list("code", "pk"))
    am.Batch.objects.bulk_create(
        am.Batch(
            code=r["code"],
            name=r["name"],
            department_id=dept[r["department"]],
            semester=int(r["semester"]),
            size=int(r["size"]),
            shift_id=shift[r["shift"]] if r.get("shift") else None,
        )
        for r in get("batches")
    )
    batch = dict(am.Batch.objects.values_list("code", "pk"))
    children = [
        am.Batch(pk=batch[r["code"]], parent_id=batch[r["parent"]])
        for r in get("batches")
        if r.get("parent")
    ]
    am.Batch.objects.bulk_update(children, ["parent"])
    am.Student.objects.bulk_create(
        (
            am.Student(
                roll_number=r["roll_number"],
                name=r["name"],
                email=r.get("email", ""),
                batch_id=batch[r["batch"]],
            )
            for r in get("students")
        ),
        batch_size=2000,
    )
    am.Offering.objects.bulk_create(
        am.Offering(
            batch_id=batch[r["batch"]],
            subject_id=subject[r["subject"]],
            faculty_id=faculty[r["faculty"]],
            group=r.get("group", ""),
        )
        for r in get("offerings")
    )

    # baskets: the basket, its batches, its options, one offering per option and batch
    am.Basket.objects.bulk_create(
        am.Basket(
            code=r["code"],
            name=r["name"],
            sessions_per_week=int(r["sessions_per_week"]),
            periods_per_session=_int(r.get("periods_per_session")) or 1,
            min_days=_int(r.get("min_days")) or 0,
        )
        for r in get("baskets")
    )
    basket = dict(am.Basket.objects.values_list("code", "pk"))
    members = {r["code"]: [batch[c] for c in r["batches"].split(";") if c] for r in get("baskets")}
    am.Basket.batches.through.objects.bulk_create(
        am.Basket.batches.through(basket_id=basket[code], batch_id=b)
        for code, ids in members.items()
        for b in ids
    )
    am.BasketOption.objects.bulk_create(
        am.BasketOption(
            basket_id=basket[r["basket"]],
            subject_id=subject[r["subject"]],
            faculty_id=faculty[r["faculty"]],
        )
        for r in get("basket_options")
    )
    options = {
        (o.basket.code, o.subject.code): o
        for o in am.BasketOption.objects.select_related("basket", "subject")
    }
    am.Offering.objects.bulk_create(
        am.Offering(
            batch_id=b,
            subject_id=o.subject_id,
            faculty_id=o.faculty_id,
            group=f"basket:{o.basket.code}:{o.subject.code}",
            basket_option=o,
        )
        for o in options.values()
        for b in members[o.basket.code]
    )
    student = dict(am.Student.objects.values_list("roll_number", "pk"))
    am.Enrollment.objects.bulk_create(
        (
            am.Enrollment(
                student_id=student[r["roll_number"]],
                basket_id=basket[r["basket"]],
                option=options[(r["basket"], r["subject"])],
            )
            for r in get("enrollments")
        ),
        batch_size=2000,
    )
    am.FixedSession.objects.bulk_create(
        am.FixedSession(
            batch_id=batch[r["batch"]],
            subject_id=subject[r["subject"]],
            day=DAYS.index(r["day"]),
            period=int(r["period"]),
            room_id=room[r["room"]] if r.get("room") else None,
        )
        for r in get("fixed_sessions")
    )
    return {kind: len(values) for kind, values in rows.items()}
