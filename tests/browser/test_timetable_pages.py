"""The timetable pages in a real browser: sign in, read a week, on a desk and on a phone."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import PHONE, sign_in
from tests.timetabling.conftest import grid  # noqa: F401 - fixtures, shared
from tests.timetabling.test_pages import week  # noqa: F401

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def published_week(week):  # noqa: F811 - the shared fixture
    """The page tests' week of CSE-3A (Data Structures MON P1 in LH-101, a two-period lab
    TUE P3-P4 in LAB-1); student S001 of CSE-3A can sign in."""
    user = factories.UserFactory(username="s001", role="student")
    factories.StudentFactory(roll_number="S001", user=user, batch=week["batch"])
    return week["batch"]


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
