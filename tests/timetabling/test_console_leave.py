"""The console's leave pages: record a leave, accept a ranked substitute, see the gaps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from tests import factories
from tests.timetabling.test_leave import school  # noqa: F401 - the fixture, shared
from timetabling.models import FacultyLeave, SessionOverride

pytestmark = pytest.mark.django_db


def _next_monday() -> dt.date:
    today = timezone.localdate()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)


@pytest.fixture
def office(client, staff_user):
    client.force_login(staff_user)
    return client


def test_recording_a_leave_lists_its_sessions_with_ranked_substitutes(office, school):  # noqa: F811
    monday = _next_monday()
    response = office.post(
        "/office/leave/",
        {"faculty": "TA", "start": monday.isoformat(), "end": monday.isoformat(), "reason": "ill"},
    )
    leave = FacultyLeave.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/office/leave/{leave.pk}/"
    page = office.get(response["Location"]).content.decode()
    assert '1 session touched, <span id="open-count">1</span> without cover' in page
    assert page.index("TB ") < page.index("TC ") < page.index("TE "), "best first"
    gaps = office.get("/office/leave/").content.decode()
    assert "S1" in gaps and "No session is left without cover" not in gaps


def test_accepting_a_substitute_covers_the_session_and_closes_the_gap(office, school):  # noqa: F811
    monday = _next_monday()
    leave = FacultyLeave.objects.create(faculty=school["a"], start=monday, end=monday)
    accepted = office.post(
        f"/office/leave/{leave.pk}/",
        {"slot": school["slot"].pk, "date": monday.isoformat(), "substitute": school["b"].pk},
    )
    assert accepted.status_code == 302
    override = SessionOverride.objects.get()
    assert (override.substitute_id, override.date) == (school["b"].pk, monday)
    page = office.get(f"/office/leave/{leave.pk}/").content.decode()
    assert '<span id="open-count">0</span>' in page and "Covered." in page
    again = office.post(
        f"/office/leave/{leave.pk}/",
        {"slot": school["slot"].pk, "date": monday.isoformat(), "substitute": school["c"].pk},
    )
    assert again.status_code == 400 and "already has accepted cover" in again.content.decode()


def test_the_last_day_before_the_first_is_an_error_next_to_the_field(office, school):  # noqa: F811
    response = office.post(
        "/office/leave/", {"faculty": "TA", "start": "2026-12-10", "end": "2026-12-09"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["end"] == ["The last day must not be before the first."]


def test_students_and_faculty_get_403(client, school):  # noqa: F811
    for role in ("student", "faculty"):
        client.force_login(factories.UserFactory(role=role))
        assert client.get("/office/leave/").status_code == 403


def test_leave_pages_read_a_fixed_number_of_queries(
    office,
    school,  # noqa: F811
    django_assert_max_num_queries,
):
    monday = _next_monday()
    leave = FacultyLeave.objects.create(faculty=school["a"], start=monday, end=monday)
    with django_assert_max_num_queries(20):
        assert office.get("/office/leave/").status_code == 200
    with django_assert_max_num_queries(20):
        assert office.get(f"/office/leave/{leave.pk}/").status_code == 200
