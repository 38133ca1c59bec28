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
