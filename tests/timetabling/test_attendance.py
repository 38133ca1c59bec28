"""Faculty mark a whole class in one request; students read only their own records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from timetabling.models import Attendance

pytestmark = pytest.mark.django_db
MONDAY = dt.date(2026, 3, 2)


def _mark(client, slot, date, entries):
    return client.post(
        "/api/attendance/",
        {
            "slot": slot.pk,
            "date": date.isoformat(),
            "entries": [{"student": s.pk, "status": st} for s, st in entries],
        },
        format="json",
    )


def test_faculty_marks_whole_class_and_can_correct_it(faculty_client, published_slot):
    me = published_slot.batch.students.get()
    other = factories.StudentFactory(batch=published_slot.batch)
    response = _mark(faculty_client, published_slot, MONDAY, [(me, "present"), (other, "late")])
    assert response.status_code == 201, response.content
    assert {r["status"] for r in response.json()} == {"present", "late"}
    response = _mark(faculty_client, published_slot, MONDAY, [(other, "excused")])
    assert response.status_code == 201
    assert Attendance.objects.count() == 2
    assert Attendance.objects.get(student=other).status == "excused"


def test_date_must_fall_on_the_slots_weekday(faculty_client, published_slot):
    student = published_slot.batch.students.get()
    response = _mark(
        faculty_client, published_slot, MONDAY + dt.timedelta(days=1), [(student, "present")]
    )
    assert response.status_code == 400
    assert "TUE" in response.json()["detail"]
    assert not Attendance.objects.exists()


def test_date_must_be_inside_the_term(faculty_client, published_slot):
    student = published_slot.batch.students.get()
    response = _mark(faculty_client, published_slot, dt.date(2026, 6, 1), [(student, "present")])
    assert response.status_code == 400
    assert "term" in response.json()["detail"]


def test_faculty_cannot_mark_someone_elses_slot(faculty_client):
    slot = factories.TimetableSlotFactory(day=0)
    student = factories.StudentFactory(batch=slot.batch)
    response = _mark(faculty_client, slot, MONDAY, [(student, "present")])
    assert response.status_code == 403
    assert not Attendance.objects.exists()


def test_students_outside_the_batch_are_refused(faculty_client, published_slot):
    stranger = factories.StudentFactory()
    response = _mark(faculty_client, published_slot, MONDAY, [(stranger, "present")])
    assert response.status_code == 400
    assert response.json()["students"] == [stranger.pk]


def test_draft_slots_cannot_be_marked(faculty_client, published_slot):
    published_slot.active = False
    published_slot.save()
    student = published_slot.batch.students.get()
    assert _mark(faculty_client, published_slot, MONDAY, [(student, "present")]).status_code == 400


def test_students_cannot_mark_and_read_only_their_own(student_client, student_user, published_slot):
    me = published_slot.batch.students.get()
    classmate = factories.StudentFactory(batch=published_slot.batch)
    factories.AttendanceFactory(student=me, slot=published_slot, date=MONDAY)
    factories.AttendanceFactory(student=classmate, slot=published_slot, date=MONDAY)
    assert _mark(student_client, published_slot, MONDAY, [(me, "present")]).status_code == 403
    rows = student_client.get("/api/attendance/").json()["results"]
    assert [r["student"] for r in rows] == [me.pk]


def test_attendance_filters(staff_client, published_slot):
    me = published_slot.batch.students.get()
    factories.AttendanceFactory(student=me, slot=published_slot, date=MONDAY, status="absent")
    factories.AttendanceFactory(student=me, slot=published_slot, date=MONDAY + dt.timedelta(7))
    assert staff_client.get(f"/api/attendance/?student={me.pk}").json()["count"] == 2
    assert staff_client.get("/api/attendance/?status=absent").json()["count"] == 1
    assert staff_client.get(f"/api/attendance/?date={MONDAY}").json()["count"] == 1


def test_every_attendance_response_names_the_roll_number_and_subject(
    faculty_client, published_slot
):
    """The two come from the selector's subqueries, not joins; the write, list and detail
    responses all go through it."""
    me = published_slot.batch.students.get()
    expected = {"roll_number": me.roll_number, "subject": published_slot.offering.subject.code}
    created = _mark(faculty_client, published_slot, MONDAY, [(me, "present")]).json()
    listed = faculty_client.get("/api/attendance/").json()["results"]
    detail = faculty_client.get(f"/api/attendance/{created[0]['id']}/").json()
    for row in [*created, *listed, detail]:
        assert {key: row[key] for key in expected} == expected


@pytest.fixture
def termless_slot(faculty_user, student_user):
    """A published Monday slot of a timetable without a term."""
    faculty = factories.FacultyFactory(user=faculty_user)
    student = factories.StudentFactory(user=student_user)
    offering = factories.OfferingFactory(batch=student.batch, faculty=faculty)
    job = factories.GenerationJobFactory(status="COMPLETED")
    return factories.TimetableSlotFactory(job=job, offering=offering, day=0, period=1, active=True)


def _mondays_around_today() -> tuple[dt.date, dt.date]:
    today = timezone.localdate()
    last = today - dt.timedelta(days=today.weekday())
    return last, last + dt.timedelta(days=7)


def test_attendance_for_the_future_is_refused_without_a_term(faculty_client, termless_slot):
    student = termless_slot.batch.students.get()
    _, next_monday = _mondays_around_today()
    response = _mark(faculty_client, termless_slot, next_monday, [(student, "present")])
    assert response.status_code == 400
    assert "future" in response.json()["detail"]
    assert not Attendance.objects.exists()


def test_attendance_for_year_one_is_refused_without_a_term(faculty_client, termless_slot):
    student = termless_slot.batch.students.get()
    year_one = dt.date(1, 1, 1)  # a Monday
    response = _mark(faculty_client, termless_slot, year_one, [(student, "present")])
    assert response.status_code == 400
    assert "too far back" in response.json()["detail"]
    assert not Attendance.objects.exists()


def test_attendance_within_the_backfill_window_is_accepted(faculty_client, termless_slot):
    student = termless_slot.batch.students.get()
    last_monday, _ = _mondays_around_today()
    response = _mark(faculty_client, termless_slot, last_monday, [(student, "present")])
    assert response.status_code == 201, response.content


def test_the_future_is_refused_inside_a_term_too(faculty_client, termless_slot):
    job = termless_slot.job
    _, next_monday = _mondays_around_today()
    job.term_start, job.term_end = next_monday - dt.timedelta(days=70), next_monday
    job.save()
    student = termless_slot.batch.students.get()
    response = _mark(faculty_client, termless_slot, next_monday, [(student, "present")])
    assert response.status_code == 400 and "future" in response.json()["detail"]
    old = next_monday - dt.timedelta(days=63)  # inside the term, beyond the backfill days
    assert _mark(faculty_client, termless_slot, old, [(student, "present")]).status_code == 201
