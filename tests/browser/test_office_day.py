"""The timetable office's day in a real browser, step by step, asserting what the page shows:
import with one bad file then fixed, generate and watch the progress, open the result,
submit it, approve and publish it as another user, then move a session: a clash refused, a
clean move applied (into a new draft, since the timetable is published) and pinned; then
record a teacher's leave and accept a substitute."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.db import connection, connections
from django.utils import timezone

from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, sign_in
from tests.tiny_institution import TINY
from timetabling.models import TimetableSlot

pytestmark = pytest.mark.django_db(transaction=True)

#: The console runs a job in a thread of the live server; SQLite's in-memory test database
#: (shared cache) refuses a second writer at once instead of waiting, so the day runs on
#: PostgreSQL (the second pass of ``make test``).
NEEDS_POSTGRES = pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="a job runs in a thread of the live server: needs PostgreSQL (set DATABASE_URL); "
    "SQLite's in-memory test database refuses concurrent writers",
)


DAYS = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def _csv(kind: str, text: str) -> dict[str, object]:
    return {"name": f"{kind}.csv", "mimeType": "text/csv", "buffer": text.encode()}


@pytest.fixture
def staff(db):
    factories.UserFactory(username="dean1", role="staff", is_approver=True)
    return factories.UserFactory(username="office1", role="staff")


def _sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/timetable/login/")


@NEEDS_POSTGRES
def test_the_office_day(page, shot, staff, record_property, jobs_in_process):
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
    page.set_viewport_size(DESKTOP)
    job_id = int(re.search(r"job=(\d+)", page.url).group(1))

    # review: submitted by the office, approved and published by the dean
    page.goto(f"/office/jobs/{job_id}/")
    page.get_by_role("link", name="Review and publish").click()
    page.get_by_label("Comment").fill("first draft for CSE")
    page.get_by_role("button", name="Submit").click()
    assert "Submitted" in page.get_by_role("heading", level=1).inner_text()
    assert page.get_by_role("button", name="Approve").is_visible()
    page.get_by_role("button", name="Approve").click()
    assert "Only an approver" in page.get_by_role("alert").inner_text()
    shot(page, "approval-refused-to-the-office")
    review_url = page.url
    _sign_out(page)
    sign_in(page, "dean1")
    page.goto(review_url)
    page.get_by_label("Comment").fill("looks right")
    page.get_by_role("button", name="Approve").click()
    page.get_by_role("button", name="Publish").click()
    assert "Published" in page.get_by_role("heading", level=1).inner_text()
    trail = page.locator("#review-trail").inner_text()
    assert "office1" in trail and "dean1" in trail and "looks right" in trail
    shot(page, "published-with-its-trail")

    # move: a clash with CSE-3A's lab is refused, then the best clean place is taken
    lab = TimetableSlot.objects.get(job_id=job_id, offering__subject__code="CS391")
    page.goto(f"/timetable/batch/CSE-3A/?job={job_id}")
    page.get_by_role("link", name="Move CS301").first.click()
    page.get_by_label("Day").select_option(DAYS[lab.day])
    page.get_by_label("Period", exact=True).fill(str(lab.period))
    page.get_by_role("button", name="Check", exact=True).click()
    checked = page.locator("#checked").inner_text()
    assert "breaks" in checked and "CSE-3A" in checked, checked
    shot(page, "move-checked")
    page.get_by_role("button", name="Move", exact=True).click()
    assert "Not moved" in page.locator("#refused").inner_text()
    shot(page, "move-refused")
    best = page.locator("#options tbody tr").first
    place = best.locator("td").nth(0).inner_text(), best.locator("td").nth(1).inner_text()
    best.get_by_role("button").click()
    page.wait_for_url(re.compile(r".*/timetable/batch/CSE-3A/\?job=\d+$"))
    new_job = int(re.search(r"job=(\d+)", page.url).group(1))
    assert new_job != job_id, "a published timetable is edited in a new draft"
    moved = TimetableSlot.objects.filter(job_id=new_job, pinned=True).get()
    assert (DAYS[moved.day], str(moved.period)) == place
    assert page.locator("td", has_text="Pinned").count() == 1
    shot(page, "moved-and-pinned")

    # leave: F001 (who teaches CS301 three times a week) is away next week
    monday = timezone.localdate() + dt.timedelta(days=7 - timezone.localdate().weekday())
    page.get_by_role("link", name="Leave").click()
    page.get_by_label("Teacher").select_option("F001")
    page.get_by_label("First day").fill(monday.isoformat())
    page.get_by_label("Last day").fill((monday + dt.timedelta(days=4)).isoformat())
    page.get_by_label("Reason").fill("conference")
    page.get_by_role("button", name="Record the leave").click()
    assert page.locator("#open-count").inner_text() == "3"
    shot(page, "leave-proposals")
    page.get_by_role("button", name=re.compile(r"^Accept F002 for CS301")).first.click()
    assert page.locator("#open-count").inner_text() == "2"
    assert page.get_by_text("Covered.").count() == 1
    shot(page, "substitute-accepted")
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
