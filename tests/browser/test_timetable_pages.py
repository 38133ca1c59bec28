"""The timetable pages in a real browser: sign in, read a week, on a desk and on a phone."""

from __future__ import annotations

import datetime as dt

import pytest

from tests import factories
from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_week(db):
    """CSE-3A's published week: Data Structures MON P1 in LH-101 and a two-period lab
    TUE P3-P4 in LAB-1; student S001 of CSE-3A can sign in."""
    times = [("09:00", "09:50"), ("09:50", "10:40"), ("11:00", "11:50"), ("11:50", "12:40")]
    for day in range(5):
        for period, (start, end) in enumerate(times, start=1):
            factories.TimeSlotFactory(
                day=day,
                period=period,
                start_time=dt.time.fromisoformat(start),
                end_time=dt.time.fromisoformat(end),
            )
    batch = factories.BatchFactory(code="CSE-3A", name="CSE third semester A")
    rao = factories.FacultyFactory(employee_id="F101", name="Dr. Anita Rao")
    job = factories.GenerationJobFactory()
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
        job=job, offering=theory, day=0, period=1, room=factories.RoomFactory(code="LH-101")
    )
    factories.TimetableSlotFactory(
        job=job,
        offering=lab,
        day=1,
        period=3,
        length=2,
        room=factories.RoomFactory(code="LAB-1", kind="lab"),
    )
    user = factories.UserFactory(username="s001", role="student")
    factories.StudentFactory(roll_number="S001", user=user, batch=batch)
    return batch


def test_a_student_signs_in_and_reads_their_week(page, shot, published_week):
    page.goto("/timetable/batch/CSE-3A/")
    assert "/timetable/login/" in page.url, "the page asks for a login first"
    shot(page, "login")

    page.get_by_label("Password").fill("not-the-password")
    page.get_by_label("Username").fill("s001")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator(".errors").is_visible(), "a wrong password is said on the form"
    shot(page, "wrong-password")

    sign_in(page, "s001")
    page.goto("/timetable/batch/CSE-3A/")
    monday_first = page.locator("td", has_text="Data Structures")
    assert monday_first.count() == 1
    assert "LH-101" in monday_first.inner_text()
    lab = page.locator("td", has_text="Structures Lab")
    assert lab.get_attribute("rowspan") == "2", "a two-period lab spans its two periods"
    shot(page, "week")


def test_the_week_fits_a_phone_screen(page, shot, published_week):
    sign_in(page, "s001")
    page.set_viewport_size(PHONE)
    page.goto("/timetable/batch/CSE-3A/")
    assert page.locator("td", has_text="Data Structures").is_visible()
    page_width = page.evaluate("document.documentElement.scrollWidth")
    assert page_width <= PHONE["width"], f"the page is {page_width}px wide on a phone"
    shot(page, "phone")
