"""The pages and the API show a user the same timetable: a student only their own batch's
sessions (grid, CSV, JSON and iCalendar alike), faculty and managers every batch."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_batches(grid, student_user):
    """One teacher in one room teaches OWN (the student's batch) on MON P1 and OTHER on TUE
    P2; the subjects' names tell the two apart."""
    own = factories.BatchFactory(code="OWN")
    other = factories.BatchFactory(code="OTHER")
    factories.StudentFactory(user=student_user, batch=own)
    teacher = factories.FacultyFactory(employee_id="T1")
    room = factories.RoomFactory(code="R1")
    for batch, day, period, name in ((own, 0, 1, "Ours Topic"), (other, 1, 2, "Theirs Topic")):
        factories.TimetableSlotFactory(
            offering=factories.OfferingFactory(
                batch=batch, faculty=teacher, subject=factories.SubjectFactory(name=name)
            ),
            room=room,
            day=day,
            period=period,
        )
    return {"own": own, "other": other}


@pytest.fixture
def student_page(client, student_user):
    client.force_login(student_user)
    return client


@pytest.mark.parametrize("suffix", ["/", ".csv", ".json", ".ics"])
def test_a_student_cannot_read_another_batch(student_page, two_batches, suffix):
    response = student_page.get(f"/timetable/batch/OTHER{suffix}")
    assert response.status_code == 403
    assert b"Theirs Topic" not in response.content
    assert student_page.get(f"/timetable/batch/OWN{suffix}").status_code == 200


def test_an_unknown_batch_is_still_404_for_a_student(student_page, two_batches):
    assert student_page.get("/timetable/batch/NOPE/").status_code == 404


@pytest.mark.parametrize("url", ["/timetable/faculty/T1", "/timetable/room/R1"])
@pytest.mark.parametrize("suffix", ["/", ".csv", ".json", ".ics"])
def test_faculty_and_room_pages_show_a_student_only_their_batch(
    student_page, two_batches, url, suffix
):
    body = student_page.get(url + suffix).content.decode()
    assert "Ours Topic" in body or "OWN" in body
    assert "Theirs Topic" not in body and "OTHER" not in body


def test_the_index_lists_only_the_students_batch(student_page, two_batches):
    html = student_page.get("/timetable/").content.decode()
    assert 'href="/timetable/batch/OWN/"' in html
    assert 'href="/timetable/batch/OTHER/"' not in html


def test_pages_and_api_agree_for_a_student(student_page, student_client, two_batches):
    api = student_client.get("/api/timetable-slots/").json()["results"]
    api_subjects = sorted((s["batch_code"], s["day"], s["period"]) for s in api)
    rows = student_page.get("/timetable/faculty/T1.csv").content.decode().split("\r\n")[1:]
    days = {"MON": 0, "TUE": 1}
    page_subjects = sorted(
        (cells[0], days[cells[4]], int(cells[5])) for cells in (r.split(",") for r in rows if r)
    )
    assert api_subjects == page_subjects == [("OWN", 0, 1)]


def test_faculty_read_every_batch(client, faculty_user, two_batches):
    client.force_login(faculty_user)
    html = client.get("/timetable/faculty/T1/").content.decode()
    assert "Ours Topic" in html and "Theirs Topic" in html
    assert client.get("/timetable/batch/OTHER/").status_code == 200
