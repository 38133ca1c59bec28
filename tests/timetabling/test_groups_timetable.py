"""Subgroups and elective baskets in what users see: who reads which sessions (API and
pages), a student's own timetable, parallel sessions in one cell, fixed sessions, and
attendance of a subgroup's or an option's session."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories
from timetabling.models import Attendance

pytestmark = pytest.mark.django_db
TUESDAY = dt.date(2026, 3, 3)
THURSDAY = dt.date(2026, 3, 5)


@pytest.fixture
def college(grid, student_user, faculty_user):
    """Batch P with lab groups G1 and G2 and basket EL5 (options ML, NLP); batch Q apart.

    - MON P1: "Parent Lecture" for P (LH-1)
    - TUE P1: "Group One Lab" for G1 (LAB-1) and "Group Two Lab" for G2 (LAB-2), taught by
      ``faculty_user`` and someone else
    - THU P1: options "Machine Learning" (LH-2) and "Language Processing" (LH-3) of EL5
    - WED P2: "Other Batch Topic" for Q
    ``student_user`` is S1, in G1, who chose ML; S2 is in G2 and chose NLP; S0 is in P and
    chose nothing."""
    job = factories.GenerationJobFactory(
        term_start=dt.date(2026, 1, 5), term_end=dt.date(2026, 5, 29)
    )
    p = factories.BatchFactory(code="P", name="Parent batch")
    g1 = factories.SubgroupFactory(code="G1", parent=p)
    g2 = factories.SubgroupFactory(code="G2", parent=p)
    q = factories.BatchFactory(code="Q")
    me = factories.FacultyFactory(employee_id="T1", user=faculty_user)

    def slot(offering, room, day, period, **kw):
        return factories.TimetableSlotFactory(
            job=job,
            offering=offering,
            room=factories.RoomFactory(code=room),
            day=day,
            period=period,
            **kw,
        )

    def offering(batch, name, faculty=None):
        return factories.OfferingFactory(
            batch=batch,
            subject=factories.SubjectFactory(name=name),
            faculty=faculty or factories.FacultyFactory(),
        )

    out = {"job": job, "P": p, "G1": g1, "G2": g2, "Q": q}
    out["lecture"] = slot(offering(p, "Parent Lecture"), "LH-1", 0, 1)
    out["lab1"] = slot(offering(g1, "Group One Lab", me), "LAB-1", 1, 1)
    out["lab2"] = slot(offering(g2, "Group Two Lab"), "LAB-2", 1, 1)
    slot(offering(q, "Other Batch Topic"), "LH-9", 2, 2)
    basket = factories.BasketFactory(code="EL5", batches=[p])
    options = {}
    for code, name, room in (
        ("ML", "Machine Learning", "LH-2"),
        ("NLP", "Language Processing", "LH-3"),
    ):
        options[code] = factories.BasketOptionFactory(
            basket=basket,
            subject=factories.SubjectFactory(code=code, name=name),
            faculty=me if code == "ML" else factories.FacultyFactory(),
        )
        out[code] = slot(options[code].offerings.get(), room, 3, 1)
    out["S1"] = factories.StudentFactory(roll_number="S1", batch=g1, user=student_user)
    out["S2"] = factories.StudentFactory(roll_number="S2", batch=g2)
    out["S0"] = factories.StudentFactory(roll_number="S0", batch=p)
    factories.EnrollmentFactory(option=options["ML"], student=out["S1"])
    factories.EnrollmentFactory(option=options["NLP"], student=out["S2"])
    return out


S1_SEES = ["Group One Lab", "Machine Learning", "Parent Lecture"]
S2_SEES = ["Group Two Lab", "Language Processing", "Parent Lecture"]
NOT_S1 = ["Group Two Lab", "Language Processing", "Other Batch Topic"]


def _subjects(rows, college) -> list[str]:
    names = {
        s.offering_id: s.offering.subject.name
        for s in college["job"].slots.select_related("offering__subject")
    }
    return sorted(names[r["offering"]] for r in rows)


# --- the API ----------------------------------------------------------------------------------


def test_a_student_reads_their_batch_its_parent_and_their_own_option_only(student_client, college):
    rows = student_client.get("/api/timetable-slots/").json()["results"]
    assert _subjects(rows, college) == S1_SEES
    ml = next(r for r in rows if r["id"] == college["ML"].pk)
    assert (ml["basket"], ml["batch_code"]) == ("EL5", "P")


def test_my_timetable_is_exactly_the_students_sessions(student_client, college):
    rows = student_client.get("/api/timetable-slots/mine/").json()["results"]
    assert _subjects(rows, college) == S1_SEES
    assert student_client.get("/api/timetable-slots/mine/", {"student": "S1"}).status_code == 200
    other = student_client.get("/api/timetable-slots/mine/", {"student": "S2"})
    assert other.status_code == 403


def test_staff_and_faculty_ask_for_any_student(staff_client, faculty_client, college):
    rows = staff_client.get("/api/timetable-slots/mine/", {"student": "S2"}).json()["results"]
    assert _subjects(rows, college) == S2_SEES
    rows = faculty_client.get("/api/timetable-slots/mine/", {"student": "S0"}).json()["results"]
    assert _subjects(rows, college) == ["Parent Lecture"]  # no option chosen yet
    missing = staff_client.get("/api/timetable-slots/mine/", {"student": "NOPE"})
    assert missing.status_code == 404
    assert staff_client.get("/api/timetable-slots/mine/").json()["count"] == 0  # no student


def test_my_timetable_is_the_published_one(student_client, college):
    draft = factories.GenerationJobFactory()
    factories.TimetableSlotFactory(
        job=draft, active=False, offering=college["lecture"].offering, day=4, period=4
    )
    rows = student_client.get("/api/timetable-slots/mine/").json()["results"]
    assert {r["job"] for r in rows} == {college["job"].pk}


def test_my_timetable_reads_a_few_queries_whatever_its_size(
    student_client, college, django_assert_max_num_queries
):
    with CaptureQueriesContext(connection) as few:
        assert student_client.get("/api/timetable-slots/mine/").status_code == 200
    for day in range(5):
        for period in (2, 3, 4):
            factories.TimetableSlotFactory(
                job=college["job"], offering=college["lecture"].offering, day=day, period=period
            )
    with django_assert_max_num_queries(len(few)):
        rows = student_client.get("/api/timetable-slots/mine/").json()["results"]
    assert len(rows) == 3 + 15


# --- pages --------------------------------------------------------------------------------------


@pytest.fixture
def student_page(client, student_user):
    client.force_login(student_user)
    return client


@pytest.fixture
def staff_page(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.parametrize("suffix", ["/", ".csv", ".json", ".ics"])
def test_a_students_own_page_shows_exactly_their_week(student_page, college, suffix):
    body = student_page.get(f"/timetable/student/S1{suffix}").content.decode()
    for name in S1_SEES if suffix in ("/", ".ics") else ["ML"]:
        assert name in body
    for name in NOT_S1 + (["NLP"] if suffix != "/" else []):
        assert name not in body


def test_a_student_page_is_for_the_student_and_staff(
    student_page, college, staff_user, faculty_user, client
):
    assert student_page.get("/timetable/student/S2/").status_code == 403
    assert student_page.get("/timetable/student/NOPE/").status_code == 404
    html = student_page.get("/timetable/").content.decode()
    assert 'href="/timetable/student/S1/"' in html
    client.force_login(faculty_user)
    assert client.get("/timetable/student/S1/").status_code == 403
    client.force_login(staff_user)
    html = client.get("/timetable/student/S2/").content.decode()
    assert all(name in html for name in S2_SEES)
    assert 'href="/timetable/student/S2.ics"' in html and 'href="/timetable/student/S2.csv"' in html


def test_a_subgroup_page_shows_its_parents_sessions_and_its_own(staff_page, college):
    html = staff_page.get("/timetable/batch/G1/").content.decode()
    assert "Parent Lecture" in html and "Group One Lab" in html
    assert "Group Two Lab" not in html and "Other Batch Topic" not in html
    assert "subgroup of P" in html


def test_a_student_cannot_open_a_sibling_group(student_page, college):
    assert student_page.get("/timetable/batch/G2/").status_code == 403
    html = student_page.get("/timetable/batch/P/").content.decode()
    assert "Parent Lecture" in html and "Group One Lab" in html
    assert "Group Two Lab" not in html and "Language Processing" not in html


def _cell(html: str, text: str) -> str:
    """The whole ``<td>...</td>`` containing ``text``."""
    start = html[: html.index(text)].rindex("<td")
    return html[start : html.index("</td>", start)]


def test_a_batch_page_shows_parallel_groups_and_options_side_by_side(staff_page, college):
    html = staff_page.get("/timetable/batch/P/").content.decode()
    labs = _cell(html, "Group One Lab")
    assert "Group Two Lab" in labs  # one cell, both groups
    assert "parallel" in labs and "Clash" not in labs
    assert ">G1</a>" in labs and ">G2</a>" in labs and "LAB-1" in labs and "LAB-2" in labs
    electives = _cell(html, "Machine Learning")
    assert "Language Processing" in electives and "Clash" not in electives
    assert "EL5: ML" in electives and "EL5: NLP" in electives
    assert "LH-2" in electives and "LH-3" in electives


def test_a_parents_class_beside_a_groups_is_still_a_clash(staff_page, college):
    factories.TimetableSlotFactory(
        job=college["job"],
        offering=factories.OfferingFactory(
            batch=college["P"], subject=factories.SubjectFactory(name="Overlapping Lecture")
        ),
        room=factories.RoomFactory(code="LH-7"),
        day=1,
        period=1,
    )
    assert "Clash" in _cell(staff_page.get("/timetable/batch/P/").content.decode(), "Group One Lab")


def test_a_session_placed_by_a_fixed_session_is_marked(staff_page, college):
    lecture = college["lecture"]
    factories.FixedSessionFactory(
        batch=college["P"], subject=lecture.offering.subject, day=0, period=1
    )
    html = staff_page.get("/timetable/batch/P/").content.decode()
    assert ">Fixed</span>" in _cell(html, "Parent Lecture")
    assert ">Fixed</span>" not in _cell(html, "Group One Lab")
    # an option's fixed session names any batch of its basket and marks the option's slot
    factories.FixedSessionFactory(
        batch=college["P"], subject=college["NLP"].offering.subject, day=3, period=1
    )
    html = staff_page.get("/timetable/faculty/" + college["NLP"].faculty.employee_id + "/")
    assert ">Fixed</span>" in html.content.decode()


def _page_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("staff", "/timetable/student/S1/"),
        ("student", "/timetable/student/S1/"),
        ("staff", "/timetable/batch/P/"),
        ("student", "/timetable/batch/G1/"),
    ],
)
def test_group_pages_read_a_few_queries_whatever_their_size(
    client, college, staff_user, student_user, who, url
):
    client.force_login(staff_user if who == "staff" else student_user)
    factories.FixedSessionFactory(
        batch=college["P"], subject=college["lecture"].offering.subject, day=0, period=1
    )
    few = _page_queries(client, url)
    for day in range(5):
        for period in (2, 3, 4):
            factories.TimetableSlotFactory(
                job=college["job"], offering=college["lecture"].offering, day=day, period=period
            )
            factories.TimetableSlotFactory(
                job=college["job"], offering=college["lab1"].offering, day=day, period=period
            )
    many = _page_queries(client, url)
    assert few == many
    # session, user, the student or batch (and the signed-in student), the subgroups, the
    # slots, the time grid, fixed sessions (two queries when some exist), the date changes
    assert many <= 12


# --- attendance -----------------------------------------------------------------------------


def _mark(client, slot, date, students):
    return client.post(
        "/api/attendance/",
        {
            "slot": slot.pk,
            "date": date.isoformat(),
            "entries": [{"student": s.pk, "status": "present"} for s in students],
        },
        format="json",
    )


def test_a_groups_session_takes_that_groups_students_only(faculty_client, college):
    refused = _mark(faculty_client, college["lab1"], TUESDAY, [college["S1"], college["S2"]])
    assert refused.status_code == 400
    assert "S2" in refused.json()["detail"] and "G1" in refused.json()["detail"]
    assert refused.json()["students"] == [college["S2"].pk]
    assert not Attendance.objects.exists()
    assert _mark(faculty_client, college["lab1"], TUESDAY, [college["S1"]]).status_code == 201


def test_a_parents_session_takes_its_subgroups_students_too(staff_client, college):
    everyone = [college["S0"], college["S1"], college["S2"]]
    response = _mark(staff_client, college["lecture"], dt.date(2026, 3, 2), everyone)
    assert response.status_code == 201, response.content
    assert Attendance.objects.count() == 3


def test_an_options_session_takes_only_its_enrolled_students(faculty_client, college):
    for stranger in (college["S2"], college["S0"]):
        refused = _mark(faculty_client, college["ML"], THURSDAY, [college["S1"], stranger])
        assert refused.status_code == 400
        detail = refused.json()["detail"]
        assert stranger.roll_number in detail and "ML of basket EL5" in detail
    assert _mark(faculty_client, college["ML"], THURSDAY, [college["S1"]]).status_code == 201
