"""Integrity lives in the database: these writes bypass serializers and must still fail."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from academics.models import Room, Subject, TimeSlot
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("factory", "kwargs"),
    [
        (factories.RoomFactory, {"capacity": 0}),
        (factories.BatchFactory, {"size": 0}),
        (factories.SubjectFactory, {"sessions_per_week": 0, "min_days": 0}),
        (factories.SubjectFactory, {"periods_per_session": 0}),
        (factories.SubjectFactory, {"sessions_per_week": 2, "min_days": 3}),
        (factories.FacultyFactory, {"max_hours_per_week": 0}),
        (factories.RoomFactory, {"kind": "garage"}),
    ],
)
def test_check_constraints_reject_invalid_rows(factory, kwargs):
    with pytest.raises(IntegrityError), transaction.atomic():
        factory(**kwargs)


def test_timeslot_must_end_after_it_starts():
    with pytest.raises(IntegrityError), transaction.atomic():
        TimeSlot.objects.create(day=0, period=1, start_time=dt.time(10), end_time=dt.time(9))


def test_unique_keys():
    factories.RoomFactory(code="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Room.objects.create(code="A1", capacity=10)
    offering = factories.OfferingFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.OfferingFactory(batch=offering.batch, subject=offering.subject)


def test_attendance_once_per_student_slot_date():
    record = factories.AttendanceFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        factories.AttendanceFactory(student=record.student, slot=record.slot, date=record.date)


def test_history_is_protected_from_deletes():
    record = factories.AttendanceFactory()
    with pytest.raises(ProtectedError):
        record.slot.job.delete()
    with pytest.raises(ProtectedError):
        record.student.batch.department.delete()
    subject: Subject = record.slot.offering.subject
    with pytest.raises(ProtectedError):
        subject.delete()


def test_deleting_a_user_keeps_the_faculty_record():
    faculty = factories.FacultyFactory(user=factories.UserFactory(role="faculty"))
    faculty.user.delete()
    faculty.refresh_from_db()
    assert faculty.user is None
