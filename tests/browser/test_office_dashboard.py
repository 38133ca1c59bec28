"""The office's dashboard in a real browser: the pictures are drawn and name what they show."""

from __future__ import annotations

import pytest

from tests import factories
from tests.browser.conftest import PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_dashboard_draws_rooms_in_use_and_teaching_load(page, shot):
    factories.UserFactory(username="office1", role="staff")
    job = factories.GenerationJobFactory(published_at="2026-12-01T09:00:00Z")
    rooms = [factories.RoomFactory(code=f"LH-{n}") for n in range(1, 4)]
    teachers = [
        factories.FacultyFactory(employee_id=f"F{n:03}", max_hours_per_week=6) for n in (1, 2)
    ]
    for day in range(5):
        for period in range(1, 5):
            factories.TimeSlotFactory(day=day, period=period)
    for day in range(5):
        for period in (1, 2):
            factories.TimetableSlotFactory(
                job=job,
                day=day,
                period=period,
                room=rooms[period - 1],
                faculty=teachers[(day + period) % 2],
            )
    sign_in(page, "office1")
    page.get_by_role("link", name="Dashboard").click()
    rooms_map = page.get_by_role("img", name="Rooms in use, period by period")
    assert rooms_map.locator("rect.used").count() == 10
    assert rooms_map.locator("rect").count() == 3 * 20
    load = page.get_by_role("img", name="Teaching load against each teacher's weekly maximum")
    assert load.locator("rect.bar.over").count() == 0
    assert load.text_content().count("5/6") == 2, "each teacher: 5 of at most 6 periods"
    shot(page, "dashboard")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "dashboard-phone")
