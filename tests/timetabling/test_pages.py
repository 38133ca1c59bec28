"""Timetable pages: login, the weekly grid, drafts for managers only, links, query budget."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from timetabling import selectors
from timetabling.grid import week_grid

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(grid):
    """Published for batch CSE-3A: Data Structures (MON P1, LH-101, Dr. Rao) and a two-period
    lab (TUE P3-P4, LAB-1); a draft job with one more class."""
    batch = factories.BatchFactory(code="CSE-3A", name="CSE third semester A")
    rao = factories.FacultyFactory(employee_id="F101", name="Dr. Anita Rao")
    published = factories.GenerationJobFactory()
    theory = factories.OfferingFactory(
        batch=batch,
        faculty=rao,
        subject=factories.SubjectFactory(code="CS301", name="Data Structures"),
    )
    lab = factories.OfferingFactory(
        batch=batch,
        faculty=rao,
        subject=factories.SubjectFactory(code="CS391", name="Structures Lab", kind="lab"),
    )
    factories.TimetableSlotFactory(
        job=published, offering=theory, day=0, period=1, room=factories.RoomFactory(code="LH-101")
    )
    factories.TimetableSlotFactory(
        job=published,
        offering=lab,
        day=1,
        period=3,
        length=2,
        room=factories.RoomFactory(code="LAB-1", kind="lab"),
    )
    draft = factories.GenerationJobFactory()
    factories.TimetableSlotFactory(
        job=draft,
        active=False,
        day=3,
        period=2,
        room=factories.RoomFactory(code="LH-999"),
        offering=factories.OfferingFactory(
            batch=batch,
            faculty=rao,
            subject=factories.SubjectFactory(code="CS399", name="Draft Only Topic"),
        ),
    )
    return {"batch": batch, "faculty": rao, "draft": draft}


@pytest.fixture
def logged_in(client, faculty_user):
    """Faculty read every published timetable (students: test_page_visibility.py)."""
    client.force_login(faculty_user)
    return client


def _cell(html: str, text: str) -> str:
    """The ``<td ...>`` opening tag of the cell containing ``text``."""
    before = html[: html.index(text)]
    return before[before.rindex("<td") :].split(">", 1)[0]


def test_pages_need_a_login(client, week):
    for url in [
        "/timetable/",
        "/timetable/batch/CSE-3A/",
        "/timetable/faculty/F101/",
        "/timetable/room/LH-101/",
        "/timetable/batch/CSE-3A.ics",
    ]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/timetable/login/?next=")


def test_a_student_can_sign_in_on_the_login_page(client, week):
    stu = factories.UserFactory(username="stu", role="student")  # not is_staff: admin refuses
    factories.StudentFactory(user=stu, batch=week["batch"])
    page = client.get("/timetable/login/?next=/timetable/batch/CSE-3A/")
    assert page.status_code == 200 and b'name="password"' in page.content
    response = client.post(
        "/timetable/login/",
        {"username": "stu", "password": "pass-word-123", "next": "/timetable/batch/CSE-3A/"},
    )
    assert response.status_code == 302
    assert response["Location"] == "/timetable/batch/CSE-3A/"
    assert client.get("/timetable/batch/CSE-3A/").status_code == 200
    signed_out = client.post("/timetable/logout/")
    assert signed_out.status_code == 302 and signed_out["Location"] == "/timetable/login/"
    assert client.get("/timetable/batch/CSE-3A/").status_code == 302


def test_index_lists_batches_faculty_and_rooms(logged_in, week):
    html = logged_in.get("/timetable/").content.decode()
    for link in [
        'href="/timetable/batch/CSE-3A/"',
        'href="/timetable/faculty/F101/"',
        'href="/timetable/room/LH-101/"',
        'href="/timetable/room/LAB-1/"',
    ]:
        assert link in html
    assert "Recent generation jobs" not in html  # managers only


def test_batch_grid_names_subject_faculty_and_room_with_times(logged_in, week):
    response = logged_in.get("/timetable/batch/CSE-3A/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Data Structures" in html and "Dr. Anita Rao" in html and "LH-101" in html
    heads = re.findall(r'<th scope="col">(\w+)</th>', html)
    assert heads == ["MON", "TUE", "WED", "THU", "FRI"]
    assert "09:00–<wbr>09:50" in html  # the period's times
    assert "Break" in html and "10:40–<wbr>11:00" in html  # the gap between P2 and P3
    assert "Draft Only Topic" not in html  # drafts stay out of the published grid


def test_a_lab_spans_its_periods(logged_in, week):
    html = logged_in.get("/timetable/batch/CSE-3A/").content.decode()
    assert 'rowspan="2"' in _cell(html, "Structures Lab")
    assert "rowspan" not in _cell(html, "Data Structures<")


def test_a_lab_across_a_break_spans_the_break_row_too(logged_in, grid):
    slot = factories.TimetableSlotFactory(
        day=0,
        period=2,
        length=2,
        offering=factories.OfferingFactory(subject=factories.SubjectFactory(name="Long Lab")),
    )
    html = logged_in.get(f"/timetable/batch/{slot.batch.code}/").content.decode()
    assert 'rowspan="3"' in _cell(html, "Long Lab")


def test_faculty_and_room_pages_name_the_batch(logged_in, week):
    faculty = logged_in.get("/timetable/faculty/F101/").content.decode()
    assert "CSE-3A" in faculty and "LAB-1" in faculty and "Data Structures" in faculty
    room = logged_in.get("/timetable/room/LAB-1/").content.decode()
    assert "CSE-3A" in room and "Dr. Anita Rao" in room and "Structures Lab" in room
    assert "Data Structures<" not in room  # taught elsewhere


def test_a_combined_class_is_one_cell_naming_every_batch(logged_in, grid):
    teacher = factories.FacultyFactory(employee_id="F777")
    subject = factories.SubjectFactory(name="Ethics")
    hall = factories.RoomFactory(code="HALL")
    for code in ("B-ONE", "B-TWO"):
        factories.TimetableSlotFactory(
            offering=factories.OfferingFactory(
                batch=factories.BatchFactory(code=code), subject=subject, faculty=teacher, group="G"
            ),
            faculty=teacher,
            room=hall,
            day=2,
            period=1,
            primary=code == "B-ONE",
        )
    html = logged_in.get("/timetable/faculty/F777/").content.decode()
    assert html.count('<span class="subject">Ethics</span>') == 1
    assert "B-ONE</a>, <a" in html and "B-TWO" in html
    assert "Combined" in html


def test_drafts_are_for_managers_only(logged_in, week):
    url = f"/timetable/batch/CSE-3A/?job={week['draft'].pk}"
    denied = logged_in.get(url)
    assert denied.status_code == 403
    assert b"Only admin and staff" in denied.content


def test_staff_see_a_draft(client, staff_user, week):
    client.force_login(staff_user)
    html = client.get(f"/timetable/batch/CSE-3A/?job={week['draft'].pk}").content.decode()
    assert "Draft Only Topic" in html and "LH-999" in html
    assert "Data Structures<" not in html  # not in that job
    assert f"/timetable/batch/CSE-3A.ics?job={week['draft'].pk}" in html
    assert client.get("/timetable/batch/CSE-3A/?job=424242").status_code == 404
    assert "Recent generation jobs" in client.get("/timetable/").content.decode()


def test_unknown_batch_is_404(logged_in, week):
    assert logged_in.get("/timetable/batch/NOPE/").status_code == 404


def test_page_links_its_calendar_and_csv(logged_in, week):
    html = logged_in.get("/timetable/batch/CSE-3A/").content.decode()
    assert 'href="/timetable/batch/CSE-3A.ics"' in html
    assert 'href="/timetable/batch/CSE-3A.csv"' in html

    ics = logged_in.get("/timetable/batch/CSE-3A.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    assert ics["Content-Disposition"] == 'attachment; filename="timetable-batch-CSE-3A.ics"'
    body = ics.content.decode()
    assert body.count("BEGIN:VEVENT") == 2 and "RRULE:FREQ=WEEKLY" in body

    rows = logged_in.get("/timetable/faculty/F101.csv").content.decode().split("\r\n")
    assert rows[0] == "batch,subject,faculty,room,day,period,length,basket"
    assert rows[1:3] == ["CSE-3A,CS301,F101,LH-101,MON,1,1,", "CSE-3A,CS391,F101,LAB-1,TUE,3,2,"]

    assert logged_in.get(f"/timetable/batch/CSE-3A.csv?job={week['draft'].pk}").status_code == 403


def test_grid_reads_two_queries_and_lays_out_with_none(week, django_assert_num_queries):
    with django_assert_num_queries(2):
        slots = list(selectors.export_slots(batch_id=week["batch"].pk))
        times = selectors.time_grid()
    with django_assert_num_queries(0):
        grid = week_grid(slots, times)
    assert grid.sessions == 2
    lab = next(
        entry for row in grid.rows for cell in row.cells for entry in cell.entries if entry.is_lab
    )
    assert lab.length == 2


def _page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("kind", ["batch", "faculty", "room"])
def test_page_queries_do_not_grow_with_the_number_of_slots(logged_in, grid, kind):
    batch = factories.BatchFactory(code="QB")
    teacher = factories.FacultyFactory(employee_id="QF")
    room = factories.RoomFactory(code="QR")
    url = {
        "batch": "/timetable/batch/QB/",
        "faculty": "/timetable/faculty/QF/",
        "room": "/timetable/room/QR/",
    }[kind]

    def add(day: int, period: int) -> None:
        factories.TimetableSlotFactory(
            offering=factories.OfferingFactory(batch=batch, faculty=teacher),
            room=room,
            day=day,
            period=period,
        )

    add(0, 1)
    few = _page_queries(logged_in, url)
    for day in range(5):
        for period in range(1, 5):
            if (day, period) != (0, 1):
                add(day, period)
    many = _page_queries(logged_in, url)
    assert few == many
    # session, user, the batch/faculty/room, the subgroups, the slots, the time grid, fixed
    # sessions (a second query only when some exist), the date changes
    assert many <= 8
