"""The office's dashboard: idle periods, rooms in use and teaching load of the published
timetable, as numbers and pictures, in a fixed number of queries."""

from __future__ import annotations

import pytest

from tests import factories
from timetabling.dashboard import Load, SlotRow, department_health, load_chart, room_heat_map


def _row(**kw) -> SlotRow:
    base = dict(
        batch_id=1,
        department="CSE",
        room_id=1,
        faculty_id=1,
        day=0,
        period=1,
        length=1,
        primary=True,
    )
    base.update(kw)
    return SlotRow(**base)


def test_idle_periods_are_the_holes_inside_a_batchs_day():
    rows = [
        _row(period=1),
        _row(period=4, length=2),
        _row(day=1, period=2),
        _row(batch_id=2, period=3, primary=False),
    ]
    (cse,) = department_health(rows)
    assert (cse.batches, cse.sessions, cse.idle_periods) == (2, 3, 2)
    assert cse.idle_per_batch == 1.0


def test_the_heat_map_fills_the_periods_a_room_is_used_and_gives_its_share():
    cells = [(0, 1), (0, 2), (1, 1), (1, 2)]
    heat = room_heat_map([_row(room_id=7, length=2)], {7: "LH-1", 8: "LAB-1"}, cells)
    used = [(c.title, c.used) for c in heat.cells]
    assert used[:4] == [
        ("LH-1 MON P1: in use", True),
        ("LH-1 MON P2: in use", True),
        ("LH-1 TUE P1: free", False),
        ("LH-1 TUE P2: free", False),
    ]
    assert [r.share for r in heat.rows] == [50, 0]
    assert [c.day for c in heat.columns] == ["MON", "TUE"]
    assert heat.columns[1].x > heat.columns[0].x + 2 * 12, "a gap between days"


def test_load_bars_put_the_most_loaded_first_and_mark_who_is_over():
    chart = load_chart([Load("F1", 9, 18), Load("F2", 20, 18), Load("F3", 18, 18)])
    assert [b.label for b in chart.bars] == ["F2", "F3", "F1"]
    assert [b.over for b in chart.bars] == [True, False, False]
    assert chart.bars[1].width == chart.max_x - chart.bar_x, "at the maximum: a full bar"
    assert chart.bars[2].width == (chart.max_x - chart.bar_x) // 2


@pytest.mark.django_db
def test_the_dashboard_shows_the_published_week_in_a_few_queries(
    client, staff_user, django_assert_max_num_queries
):
    client.force_login(staff_user)
    job = factories.GenerationJobFactory(published_at="2026-12-01T09:00:00Z")
    for day in range(3):
        factories.TimetableSlotFactory(job=job, day=day, period=1)
    with django_assert_max_num_queries(16):  # the leave calendar reads its tables once
        page = client.get("/office/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 sessions a week in 1 published scope" in text
    assert text.count("<rect") >= 3
    many = factories.GenerationJobFactory(published_at="2026-12-02T09:00:00Z")
    for day in range(5):
        for period in range(1, 5):
            factories.TimetableSlotFactory(job=many, day=day, period=period)
    with django_assert_max_num_queries(16):  # the leave calendar reads its tables once
        assert client.get("/office/").status_code == 200


@pytest.mark.django_db
def test_with_nothing_published_the_dashboard_says_what_to_do(client, staff_user):
    client.force_login(staff_user)
    assert "Nothing is published yet" in client.get("/office/").content.decode()


@pytest.mark.django_db
def test_the_dashboard_counts_the_sessions_a_leave_leaves_without_cover(client, staff_user):
    import datetime as dt

    from django.utils import timezone

    from timetabling.models import FacultyLeave

    client.force_login(staff_user)
    job = factories.GenerationJobFactory(published_at="2026-12-01T09:00:00Z")
    slot = factories.TimetableSlotFactory(job=job, day=0, period=1)
    today = timezone.localdate()
    monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    FacultyLeave.objects.create(faculty=slot.faculty, start=monday, end=monday)
    page = client.get("/office/").content.decode()
    assert '<strong id="open-gaps-count">1</strong> session without cover' in page
