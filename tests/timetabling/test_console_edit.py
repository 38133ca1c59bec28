"""The console's edit page: where a session can go, a checked move, a refused one, an
applied one that pins the session."""

from __future__ import annotations

import html

import pytest

from tests import factories
from tests.timetabling.test_editing import draft  # noqa: F401 - the fixture, shared
from timetabling.models import TimetableSlot

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(client, staff_user):
    client.force_login(staff_user)
    return client


def _url(slot) -> str:
    return f"/office/slots/{slot.pk}/move/"


def test_the_page_lists_where_the_session_can_go_best_first(office, draft):  # noqa: F811
    _, slots = draft
    page = office.get(_url(slots["cs301"]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "TUE P3 in LH-202" in text
    places = [(o["day"], o["period"], o["room"]) for o in page.context["options"].options]
    assert ("MON", 1, "LH-202") not in places, "F014 teaches ECE-3B then"
    deltas = [o["soft_total_delta"] for o in page.context["options"].options]
    assert deltas == sorted(deltas)


def test_check_names_the_clash_and_move_refuses_it(office, draft):  # noqa: F811
    _, slots = draft
    body = {"day": "MON", "period": 1, "room": "LH-202"}
    checked = office.post(_url(slots["cs301"]), {**body, "action": "check"})
    assert checked.status_code == 200
    text = html.unescape(checked.content.decode())
    assert "Checked: it breaks 1 hard rule" in text
    assert "F014 already teaches EC301 (ECE-3B) in LH-201 on MON P1" in text
    refused = office.post(_url(slots["cs301"]), {**body, "action": "move"})
    assert refused.status_code == 409
    assert "Not moved: it breaks 1 hard rule" in refused.content.decode()
    slot = TimetableSlot.objects.get(pk=slots["cs301"].pk)
    assert (slot.day, slot.period, slot.pinned) == (1, 3, False)


def test_an_accepted_move_goes_back_to_the_grid_with_the_session_pinned(office, draft):  # noqa: F811
    job, slots = draft
    moved = office.post(
        _url(slots["cs301"]), {"day": "TUE", "period": 4, "room": "LH-201", "action": "move"}
    )
    assert moved.status_code == 302
    assert moved["Location"] == f"/timetable/batch/CSE-3A/?job={job.pk}"
    slot = TimetableSlot.objects.get(pk=slots["cs301"].pk)
    assert (slot.day, slot.period, slot.room.code, slot.pinned) == (1, 4, "LH-201", True)
    grid = office.get(moved["Location"]).content.decode()
    assert "Pinned" in grid and f"/office/slots/{slot.pk}/move/" in grid


def test_faculty_get_403(client, draft):  # noqa: F811
    _, slots = draft
    client.force_login(factories.UserFactory(role="faculty"))
    assert client.get(_url(slots["cs301"])).status_code == 403


def test_the_page_reads_a_fixed_number_of_queries(office, draft, django_assert_max_num_queries):  # noqa: F811
    _, slots = draft
    with django_assert_max_num_queries(26):
        assert office.get(_url(slots["cs301"])).status_code == 200


def test_a_swap_is_checked_then_applied_and_both_sessions_are_pinned(office, draft):  # noqa: F811
    job, slots = draft
    url = _url(slots["ec301_mon"])
    page = office.get(url)
    choices = dict(page.context["swap"].fields["swap_with"].choices)
    assert choices[slots["ec301_wed"].pk] == "EC301 WED P1 in LH-201"
    assert slots["ec301_mon"].pk not in choices
    checked = office.post(url, {"swap_with": slots["ec305_ece"].pk, "action": "check"})
    assert checked.status_code == 200
    assert checked.context["outcome"].dry_run and not checked.context["outcome"].applied
    swapped = office.post(url, {"swap_with": slots["ec305_ece"].pk, "action": "move"})
    assert swapped.status_code == 302, swapped.content.decode()[:500]
    mon = TimetableSlot.objects.get(pk=slots["ec301_mon"].pk)
    thu = TimetableSlot.objects.get(pk=slots["ec305_ece"].pk)
    assert (mon.day, mon.period, mon.pinned) == (3, 2, True)
    assert (thu.day, thu.period, thu.pinned) == (0, 1, True)
