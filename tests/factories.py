"""factory_boy factories for every model; each builds valid, unique rows."""

from __future__ import annotations

import datetime as dt

import factory
from factory.django import DjangoModelFactory

from academics import models as am
from timetabling import models as tm


class UserFactory(DjangoModelFactory):
    class Meta:
        model = am.User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    role = "student"
    password = factory.django.Password("pass-word-123")


class DepartmentFactory(DjangoModelFactory):
    class Meta:
        model = am.Department

    code = factory.Sequence(lambda n: f"D{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Department {o.code}")


class RoomFactory(DjangoModelFactory):
    class Meta:
        model = am.Room

    code = factory.Sequence(lambda n: f"R{n:03d}")
    capacity = 60
    kind = "lecture"
    building = "Main"


class TimeSlotFactory(DjangoModelFactory):
    class Meta:
        model = am.TimeSlot
        django_get_or_create = ("day", "period")

    day = 0
    period = factory.Sequence(lambda n: n % 8 + 1)
    start_time = factory.LazyAttribute(lambda o: dt.time(8 + o.period, 0))
    end_time = factory.LazyAttribute(lambda o: dt.time(8 + o.period, 50))


class FacultyFactory(DjangoModelFactory):
    class Meta:
        model = am.Faculty

    employee_id = factory.Sequence(lambda n: f"F{n:04d}")
    name = factory.Sequence(lambda n: f"Teacher {n}")
    email = factory.LazyAttribute(lambda o: f"{o.employee_id.lower()}@example.edu")
    department = factory.SubFactory(DepartmentFactory)


class SubjectFactory(DjangoModelFactory):
    class Meta:
        model = am.Subject

    code = factory.Sequence(lambda n: f"S{n:04d}")
    name = factory.Sequence(lambda n: f"Subject {n}")
    department = factory.SubFactory(DepartmentFactory)
    kind = "theory"
    sessions_per_week = 3
    periods_per_session = 1
    min_days = 3


class BatchFactory(DjangoModelFactory):
    class Meta:
        model = am.Batch

    code = factory.Sequence(lambda n: f"B{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Batch {o.code}")
    department = factory.SubFactory(DepartmentFactory)
    semester = 3
    size = 40


class StudentFactory(DjangoModelFactory):
    class Meta:
        model = am.Student

    roll_number = factory.Sequence(lambda n: f"ROLL{n:05d}")
    name = factory.Sequence(lambda n: f"Student {n}")
    email = factory.LazyAttribute(lambda o: f"{o.roll_number.lower()}@example.edu")
    batch = factory.SubFactory(BatchFactory)


class OfferingFactory(DjangoModelFactory):
    class Meta:
        model = am.Offering

    batch = factory.SubFactory(BatchFactory)
    subject = factory.SubFactory(SubjectFactory)
    faculty = factory.SubFactory(FacultyFactory)


class GenerationJobFactory(DjangoModelFactory):
    class Meta:
        model = tm.GenerationJob

    status = "COMPLETED"


class TimetableSlotFactory(DjangoModelFactory):
    class Meta:
        model = tm.TimetableSlot

    job = factory.SubFactory(GenerationJobFactory)
    offering = factory.SubFactory(OfferingFactory)
    batch = factory.LazyAttribute(lambda o: o.offering.batch)
    faculty = factory.LazyAttribute(lambda o: o.offering.faculty)
    room = factory.SubFactory(RoomFactory)
    day = 0
    period = 1
    length = 1
    active = True


class AttendanceFactory(DjangoModelFactory):
    class Meta:
        model = tm.Attendance

    student = factory.SubFactory(StudentFactory)
    slot = factory.SubFactory(TimetableSlotFactory)
    date = dt.date(2026, 3, 2)
    status = "present"


class FacultyUnavailabilityFactory(DjangoModelFactory):
    class Meta:
        model = am.FacultyUnavailability

    faculty = factory.SubFactory(FacultyFactory)
    day = 1
    period = 2


class ShiftFactory(DjangoModelFactory):
    class Meta:
        model = am.Shift

    code = factory.Sequence(lambda n: f"SH{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Shift {o.code}")
    periods = "1-4"


class RoomUnavailabilityFactory(DjangoModelFactory):
    class Meta:
        model = am.RoomUnavailability

    room = factory.SubFactory(RoomFactory)
    day = 2
    period = 3


class FacultyPreferenceFactory(DjangoModelFactory):
    class Meta:
        model = am.FacultyPreference

    faculty = factory.SubFactory(FacultyFactory)
    day = 0
    period = 1
    preference = "avoid"


class FixedSessionFactory(DjangoModelFactory):
    class Meta:
        model = am.FixedSession

    batch = factory.SubFactory(BatchFactory)
    subject = factory.SubFactory(SubjectFactory)
    day = 0
    period = 1


class SubgroupFactory(BatchFactory):
    """A lab or tutorial group of ``parent``."""

    parent = factory.SubFactory(BatchFactory)
    department = factory.LazyAttribute(lambda o: o.parent.department)
    semester = factory.LazyAttribute(lambda o: o.parent.semester)
    size = 20


class BasketFactory(DjangoModelFactory):
    """An elective basket; ``batches=[...]`` sets its batches (default: one new batch)."""

    class Meta:
        model = am.Basket
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"EL{n:03d}")
    name = factory.LazyAttribute(lambda o: f"Electives {o.code}")
    sessions_per_week = 3
    periods_per_session = 1
    min_days = 3

    @factory.post_generation
    def batches(self, create, extracted, **kwargs):
        if create:
            self.batches.set(extracted if extracted is not None else [BatchFactory()])


class BasketOptionFactory(DjangoModelFactory):
    """An option of a basket with its offerings, one per batch of the basket (made by the
    service the API and the importer use)."""

    class Meta:
        model = am.BasketOption
        skip_postgeneration_save = True

    basket = factory.SubFactory(BasketFactory)
    subject = factory.SubFactory(SubjectFactory)
    faculty = factory.SubFactory(FacultyFactory)

    @factory.post_generation
    def offerings(self, create, extracted, **kwargs):
        if create:
            from academics.services import basket_option_offerings_sync

            basket_option_offerings_sync(option=self)


class EnrollmentFactory(DjangoModelFactory):
    """``student`` chose ``option`` (its basket follows)."""

    class Meta:
        model = am.Enrollment

    option = factory.SubFactory(BasketOptionFactory)
    basket = factory.LazyAttribute(lambda o: o.option.basket)
    student = factory.LazyAttribute(
        lambda o: StudentFactory(batch=o.option.basket.batches.order_by("pk").first())
    )


# --- small institutions for timetable generation --------------------------------------------


def time_grid(days: int = 5, periods: int = 6, lunch_after: int | None = 4) -> list:
    """A weekly grid of one-hour periods from 08:00; a one-hour lunch break after period
    ``lunch_after`` (so a two-period lab cannot span it)."""
    rows = []
    for day in range(days):
        for period in range(1, periods + 1):
            hour = 7 + period + (1 if lunch_after and period > lunch_after else 0)
            rows.append(
                am.TimeSlot.objects.get_or_create(
                    day=day,
                    period=period,
                    defaults={"start_time": dt.time(hour, 0), "end_time": dt.time(hour + 1, 0)},
                )[0]
            )
    return rows


def small_institution(
    *,
    departments: int = 2,
    batches_per_department: int = 2,
    theory_per_department: int = 3,
    faculty_per_department: int = 3,
    labs: bool = True,
    combined: bool = True,
    days: int = 5,
    periods: int = 6,
) -> dict:
    """A tiny, feasible institution: departments with batches, faculty, theory subjects (3 a
    week) and a two-period lab each, one combined class per department (a common subject
    taught to all its batches together), lecture rooms and labs, a time grid with a lunch
    break. Returns the rows by kind."""
    time_grid(days=days, periods=periods)
    out: dict = {
        "departments": [],
        "batches": [],
        "faculty": [],
        "subjects": [],
        "offerings": [],
        "rooms": [],
    }
    n_batches = departments * batches_per_department
    for i in range(max(2, n_batches)):
        out["rooms"].append(RoomFactory(code=f"LH{i + 1:02d}", capacity=60, kind="lecture"))
    out["rooms"].append(RoomFactory(code="HALL1", capacity=200, kind="lecture"))
    if labs:
        for i in range(max(1, n_batches // 2)):
            out["rooms"].append(RoomFactory(code=f"LAB{i + 1:02d}", capacity=60, kind="lab"))
    for d in range(departments):
        dept = DepartmentFactory(code=f"DEP{d + 1}")
        out["departments"].append(dept)
        teachers = [
            FacultyFactory(department=dept, employee_id=f"{dept.code}F{k + 1}")
            for k in range(faculty_per_department)
        ]
        out["faculty"] += teachers
        subjects = [
            SubjectFactory(
                department=dept, code=f"{dept.code}T{k + 1}", sessions_per_week=3, min_days=3
            )
            for k in range(theory_per_department)
        ]
        if labs:
            subjects.append(
                SubjectFactory(
                    department=dept,
                    code=f"{dept.code}L1",
                    kind="lab",
                    sessions_per_week=1,
                    periods_per_session=2,
                    min_days=1,
                )
            )
        common = None
        if combined:
            common = SubjectFactory(
                department=dept, code=f"{dept.code}C1", sessions_per_week=2, min_days=2
            )
            subjects.append(common)
        out["subjects"] += subjects
        batches = [
            BatchFactory(department=dept, code=f"{dept.code}B{k + 1}", semester=3, size=40)
            for k in range(batches_per_department)
        ]
        out["batches"] += batches
        k = 0
        for batch in batches:
            for subject in subjects:
                if subject is common:
                    teacher, group = teachers[-1], f"{dept.code}-COMMON"
                else:
                    teacher, group = teachers[k % len(teachers)], ""
                    k += 1
                out["offerings"].append(
                    OfferingFactory(batch=batch, subject=subject, faculty=teacher, group=group)
                )
    return out
