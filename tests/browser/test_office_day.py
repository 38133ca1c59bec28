"""The timetable office's day in a real browser, step by step, asserting what the page shows:
import with one bad file then fixed, generate and watch the progress, open the result."""

from __future__ import annotations

import re
import time

import pytest
from django.db import connections

from tests import factories
from tests.browser.conftest import PHONE, sign_in
from tests.tiny_institution import TINY

pytestmark = pytest.mark.django_db(transaction=True)


def _csv(kind: str, text: str) -> dict[str, object]:
    return {"name": f"{kind}.csv", "mimeType": "text/csv", "buffer": text.encode()}


@pytest.fixture
def staff(db):
    return factories.UserFactory(username="office1", role="staff")


def test_import_then_generate_and_watch_it(page, shot, staff, record_property):
    sign_in(page, "office1")
    page.get_by_role("link", name="Import").click()
    page.wait_for_url("**/office/import/")
    shot(page, "import-page")

    bad_rooms = "code,capacity,kind\nLH-101,sixty,lecture\nLAB-1,60,lab\n"
    files = [_csv(kind, bad_rooms if kind == "rooms" else text) for kind, text in TINY.items()]
    page.get_by_label("CSV files or a zip of them").set_input_files(files)
    page.get_by_role("button", name="Check the files").click()
    alert = page.get_by_role("alert")
    assert "nothing was imported" in alert.inner_text()
    assert "rooms.csv:2: capacity:" in alert.inner_text()
    shot(page, "import-refused")

    page.get_by_label("CSV files or a zip of them").set_input_files(
        [_csv(kind, text) for kind, text in TINY.items()]
    )
    page.get_by_role("button", name="Check the files").click()
    report = page.locator("#report")
    assert "Checked: ready to import" in report.inner_text()
    timeslots = report.get_by_role("row", name=re.compile(r"^timeslots"))
    assert re.search(r"timeslots\s+timeslots\.csv\s+20\s+20\s+0\s+0", timeslots.inner_text())
    shot(page, "import-checked")
    page.get_by_role("button", name="Import these files").click()
    assert "Imported" in page.locator("#report h2").inner_text()
    shot(page, "imported")

    page.get_by_role("link", name="Generate a timetable").click()
    page.get_by_label("Department").select_option("CSE")
    page.get_by_label("Time limit (seconds)").fill("5")
    shot(page, "generate-form")
    clicked = time.monotonic()
    page.get_by_role("button", name="Generate").click()
    page.wait_for_url(re.compile(r".*/office/jobs/\d+/$"))
    page.locator(".job-state").wait_for()
    first_status = time.monotonic() - clicked
    record_property("seconds_to_first_progress", round(first_status, 2))
    shot(page, "job-started")
    job_url = page.url
    loads: list[str] = []
    page.on("load", lambda: loads.append(page.url))
    page.locator(".job-state", has_text="COMPLETED").wait_for(timeout=120_000)
    assert page.url == job_url and not loads, "the status box follows the job without a reload"
    result = page.locator(".job-result").inner_text()
    assert "4 sessions placed, 0 hard violations" in result
    shot(page, "job-completed")

    page.get_by_role("link", name="Open its timetables").click()
    page.get_by_role("link", name="CSE-3A").first.click()
    assert page.locator("td", has_text="Data Structures").count() == 3
    page.set_viewport_size(PHONE)
    shot(page, "draft-on-a-phone")
    connections.close_all()


def test_a_student_who_opens_an_office_page_is_told_it_is_not_for_them(page, shot):
    factories.UserFactory(username="s001", role="student")
    sign_in(page, "s001")
    for url in ("/office/import/", "/office/generate/"):
        response = page.goto(url)
        assert response.status == 403, url
        assert page.get_by_role("heading", name="Not for your role").is_visible()
    assert page.get_by_role("link", name="Import").count() == 0, "no office menu for students"
    shot(page, "student-refused")
