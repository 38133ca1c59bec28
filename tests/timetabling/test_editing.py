"""Editing a timetable by hand through the API: pins, dry-run and applied moves and swaps,
where a session could go, a published timetable copied into a draft, what changed."""

from __future__ import annotations

import pytest

from academics.models import Room
from tests import factories
from timetabling.generation import generation_problem_build
from timetabling.models import GenerationJob, TimetableSlot

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(grid):
    """A draft: F014 teaches EC301 to ECE-3B (MON P1, WED P1 in LH-201) and CS301 to
    CSE-3A (TUE P3 in LH-202); EC305 is a combined class of both batches (THU P2)."""
    dept = factories.DepartmentFactory(code="ECE")
    lh201 = factories.RoomFactory(code="LH-201", capacity=60)
    lh202 = factories.RoomFactory(code="LH-202", capacity=60)
    factories.RoomFactory(code="LH-SMALL", capacity=10)
    f014 = factories.FacultyFactory(employee_id="F014", department=dept)
    f020 = factories.FacultyFactory(employee_id="F020", department=dept)
    ece = factories.BatchFactory(code="ECE-3B", department=dept, size=30)
    cse = factories.BatchFactory(code="CSE-3A", department=dept, size=30)
    ec301 = factories.SubjectFactory(code="EC301", department=dept, sessions_per_week=2, min_days=2)
    cs301 = factories.SubjectFactory(code="CS301", department=dept, sessions_per_week=1, min_days=1)
    ec305 = factories.SubjectFactory(code="EC305", department=dept, sessions_per_week=1, min_days=1)
    o1 = factories.OfferingFactory(batch=ece, subject=ec301, faculty=f014)
    o2 = factories.OfferingFactory(batch=cse, subject=cs301, faculty=f014)
    c1 = factories.OfferingFactory(batch=ece, subject=ec305, faculty=f020, group="ALL")
    c2 = factories.OfferingFactory(batch=cse, subject=ec305, faculty=f020, group="ALL")
    job = factories.GenerationJobFactory(status="COMPLETED")
    slot = factories.TimetableSlotFactory
    slots = {
        "ec301_mon": slot(job=job, offering=o1, room=lh201, day=0, period=1, active=False),
        "ec301_wed": slot(job=job, offering=o1, room=lh201, day=2, period=1, active=False),
        "cs301": slot(job=job, offering=o2, room=lh202, day=1, period=3, active=False),
        "ec305_ece": slot(job=job, offering=c1, room=lh201, day=3, period=2, active=False),
        "ec305_cse": slot(
            job=job, offering=c2, room=lh201, day=3, period=2, active=False, primary=False
        ),
    }
    return job, slots


def _move(client, job, **body):
    return client.post(f"/api/generation-jobs/{job.pk}/moves/", body, format="json")


def test_a_dry_run_names_the_clash_in_domain_words_and_changes_nothing(staff_client, draft):
    job, slots = draft
    answer = _move(
        staff_client, job, slot=slots["cs301"].pk, day="MON", period=1, room="LH-202", dry_run=True
    )
    assert answer.status_code == 200
    body = answer.json()
    assert body["applied"] is False and body["dry_run"] is True
    assert body["violations"] == [
        {
            "kind": "faculty_clash",
            "message": "F014 already teaches EC301 (ECE-3B) in LH-201 on MON P1",
        }
    ]
    assert {d["name"] for d in body["soft_delta"]} >= {"same_day", "isolated"}
    slots["cs301"].refresh_from_db()
    assert (slots["cs301"].day, slots["cs301"].period, slots["cs301"].pinned) == (1, 3, False)


def test_an_applied_move_updates_the_slots_and_pins_them(staff_client, draft):
    job, slots = draft
    answer = _move(staff_client, job, slot=slots["cs301"].pk, day="TUE", period=4, room="LH-201")
    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert body["applied"] is True and body["new_job"] is False and body["job"] == job.pk
    assert body["moved"] == [
        {
            "slots": [slots["cs301"].pk],
            "class": "CS301 (CSE-3A)",
            "from": {"day": "TUE", "period": 3, "room": "LH-202"},
            "to": {"day": "TUE", "period": 4, "room": "LH-201"},
        }
    ]
    moved = TimetableSlot.objects.get(pk=slots["cs301"].pk)
    assert (moved.day, moved.period, moved.room.code, moved.pinned) == (1, 4, "LH-201", True)


def test_a_combined_class_moves_every_batch_together(staff_client, draft):
    job, slots = draft
    answer = _move(staff_client, job, slot=slots["ec305_cse"].pk, day="FRI", period=3)
    assert answer.status_code == 200, answer.json()
    for key in ("ec305_ece", "ec305_cse"):
        slots[key].refresh_from_db()
        assert (slots[key].day, slots[key].period, slots[key].room.code) == (4, 3, "LH-201")
        assert slots[key].pinned


def test_an_applied_move_that_breaks_a_rule_is_refused_with_its_reasons(staff_client, draft):
    job, slots = draft
    answer = _move(
        staff_client, job, slot=slots["ec301_wed"].pk, day="FRI", period=1, room="LH-SMALL"
    )
    assert answer.status_code == 409
    body = answer.json()
    assert "LH-SMALL holds 10; EC301 (ECE-3B) has 30" in body["detail"]
    assert body["violations"] == [
        {"kind": "room_capacity", "message": "LH-SMALL holds 10; EC301 (ECE-3B) has 30"}
    ]
    slots["ec301_wed"].refresh_from_db()
    assert slots["ec301_wed"].day == 2


def test_a_swap_trades_places(staff_client, draft):
    job, slots = draft
    answer = _move(staff_client, job, slot=slots["ec301_wed"].pk, swap_with=slots["cs301"].pk)
    assert answer.status_code == 200, answer.json()
    a = TimetableSlot.objects.get(pk=slots["ec301_wed"].pk)
    b = TimetableSlot.objects.get(pk=slots["cs301"].pk)
    assert (a.day, a.period, a.room.code) == (1, 3, "LH-202")
    assert (b.day, b.period, b.room.code) == (2, 1, "LH-201")


def test_a_move_on_a_published_timetable_makes_a_new_draft(staff_client, draft):
    job, slots = draft
    GenerationJob.objects.filter(pk=job.pk).update(published_at="2026-01-05T09:00:00Z")
    TimetableSlot.objects.filter(job=job).update(active=True)
    answer = _move(staff_client, job, slot=slots["cs301"].pk, day="TUE", period=4)
    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["new_job"] is True and body["job"] != job.pk
    copy = GenerationJob.objects.get(pk=body["job"])
    assert copy.published_at is None and copy.params["edited_from"] == job.pk
    assert copy.slots.count() == 5 and not copy.slots.filter(active=True).exists()
    assert copy.slots.filter(day=1, period=4, pinned=True).count() == 1
    slots["cs301"].refresh_from_db()
    assert (slots["cs301"].day, slots["cs301"].period, slots["cs301"].active) == (1, 3, True)
    changes = staff_client.get(f"/api/generation-jobs/{copy.pk}/changes/").json()
    assert changes["time_moves"] == [
        {
            "batch": "CSE-3A",
            "subject": "CS301",
            "from": {"day": "TUE", "period": 3, "room": "LH-202"},
            "to": {"day": "TUE", "period": 4, "room": "LH-202"},
        }
    ]
    assert changes["room_moves"] == [] and changes["sessions"] == 5
    assert changes["time_share"] == 0.2


def test_where_can_this_go_lists_clean_places_best_first(
    staff_client, draft, django_assert_max_num_queries
):
    job, slots = draft
    with django_assert_max_num_queries(20):  # the problem build reads every rule once
        answer = staff_client.get(f"/api/timetable-slots/{slots['cs301'].pk}/options/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["current"] == {"day": "TUE", "period": 3, "room": "LH-202"}
    places = [(o["day"], o["period"], o["room"]) for o in body["options"]]
    assert ("MON", 1, "LH-202") not in places  # F014 teaches ECE-3B then
    assert ("THU", 2, "LH-202") not in places  # CSE-3A has EC305 then
    assert ("TUE", 4, "LH-201") in places
    assert all(room != "LH-SMALL" for _, _, room in places)  # 10 seats for 30
    totals = [o["soft_total_delta"] for o in body["options"]]
    assert totals == sorted(totals)
    limited = staff_client.get(f"/api/timetable-slots/{slots['cs301'].pk}/options/?limit=3")
    assert limited.json()["options"] == body["options"][:3]
    assert (
        staff_client.get(f"/api/timetable-slots/{slots['cs301'].pk}/options/?limit=x").status_code
        == 400
    )


def test_pins_on_drafts_only(staff_client, draft):
    job, slots = draft
    answer = staff_client.post(f"/api/timetable-slots/{slots['ec305_ece'].pk}/pin/")
    assert answer.status_code == 200
    assert {r["id"] for r in answer.json()} == {slots["ec305_ece"].pk, slots["ec305_cse"].pk}
    assert TimetableSlot.objects.filter(job=job, pinned=True).count() == 2
    staff_client.post(f"/api/timetable-slots/{slots['ec305_cse'].pk}/unpin/")
    assert not TimetableSlot.objects.filter(job=job, pinned=True).exists()
    GenerationJob.objects.filter(pk=job.pk).update(published_at="2026-01-05T09:00:00Z")
    refused = staff_client.post(f"/api/timetable-slots/{slots['cs301'].pk}/pin/")
    assert refused.status_code == 409
    assert "published" in refused.json()["detail"]


def test_editing_is_for_admin_and_staff(faculty_client, student_client, admin_client, draft):
    job, slots = draft
    TimetableSlot.objects.filter(job=job).update(active=True)  # readable by everyone
    slot = slots["cs301"].pk
    for client in (faculty_client, student_client):
        assert client.post(f"/api/timetable-slots/{slot}/pin/").status_code == 403
        assert client.post(f"/api/timetable-slots/{slot}/unpin/").status_code == 403
        assert client.get(f"/api/timetable-slots/{slot}/options/").status_code == 403
        assert _move(client, job, slot=slot, day="TUE", period=4, dry_run=True).status_code == 403
        assert client.get(f"/api/generation-jobs/{job.pk}/changes/").status_code == 403
    assert admin_client.get(f"/api/timetable-slots/{slot}/options/").status_code == 200


def test_move_requests_are_validated(staff_client, draft):
    job, slots = draft
    other = factories.TimetableSlotFactory()
    assert _move(staff_client, job, slot=slots["cs301"].pk, day="TUE").status_code == 400
    assert _move(staff_client, job, slot=other.pk, day="TUE", period=4).status_code == 400
    assert (
        _move(
            staff_client, job, slot=slots["cs301"].pk, day="TUE", period=4, room="NOPE"
        ).status_code
        == 400
    )
    running = factories.GenerationJobFactory(status="RUNNING")
    assert _move(
        staff_client, running, slot=slots["cs301"].pk, day="TUE", period=4
    ).status_code in (
        400,
        409,
    )


def test_changes_list_time_and_room_moves_and_the_page(
    client, staff_user, draft, django_assert_max_num_queries
):
    job, slots = draft
    published = factories.GenerationJobFactory(
        status="COMPLETED", published_at="2026-01-05T09:00:00Z"
    )
    for slot in TimetableSlot.objects.filter(job=job).order_by("pk"):
        slot.pk = None
        slot.job = published
        slot.active = True
        slot.save()
    TimetableSlot.objects.filter(pk=slots["cs301"].pk).update(day=4, period=2)  # time
    TimetableSlot.objects.filter(pk=slots["ec301_mon"].pk).update(
        room=Room.objects.get(code="LH-202")
    )  # room only
    client.force_login(staff_user)
    with django_assert_max_num_queries(8):
        page = client.get(f"/timetable/changes/{job.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "CSE-3A" in html and "TUE P3 LH-202" in html and "FRI P2 LH-202" in html
    assert "MON P1 LH-201" in html and "MON P1 LH-202" in html
    assert "1</strong> moved in time (20%)" in html
    with django_assert_max_num_queries(6):
        body = client.get(f"/api/generation-jobs/{job.pk}/changes/").json()
    assert [(c["batch"], c["subject"]) for c in body["time_moves"]] == [("CSE-3A", "CS301")]
    assert [(c["from"]["room"], c["to"]["room"]) for c in body["room_moves"]] == [
        ("LH-201", "LH-202")
    ]
    assert body["room_share"] == 0.2
    assert client.get("/timetable/changes/999999/").status_code == 404


def test_a_stay_close_regeneration_holds_the_scopes_pinned_sessions(draft):
    job, slots = draft
    TimetableSlot.objects.filter(pk__in=[slots["ec305_ece"].pk, slots["ec305_cse"].pk]).update(
        pinned=True
    )
    again = factories.GenerationJobFactory(status="PENDING", params={"stay_close": True})
    problem = generation_problem_build(job=again).problem
    pinned = {c.id: c.pins for c in problem.classes if c.pins}
    assert list(pinned.values()) == [
        (type(next(iter(pinned.values()))[0])(day=3, period=1, room=slots["ec305_ece"].room_id),)
    ]
    fresh = factories.GenerationJobFactory(status="PENDING", params={"stay_close": False})
    assert not any(c.pins for c in generation_problem_build(job=fresh).problem.classes)


def test_a_moved_pinned_session_says_it_is_pinned_again(staff_client, draft):
    job, slots = draft
    staff_client.post(f"/api/timetable-slots/{slots['ec305_ece'].pk}/pin/")
    body = _move(
        staff_client, job, slot=slots["ec305_ece"].pk, day="FRI", period=4, dry_run=True
    ).json()
    assert body["violations"] == []
    assert body["notes"] == [
        "EC305 (CSE-3A+ECE-3B) is pinned on THU P2: the move unpins it there and pins it on "
        "FRI P4 in LH-201"
    ]


def test_a_regeneration_saves_the_held_pins_pinned_again(admin_user):
    """One period a week: the class can only be where it is pinned, and the new job's slot
    of that session is pinned too, so the pin lasts through the next regeneration."""
    import datetime as dt

    from academics.models import TimeSlot
    from timetabling import generation

    TimeSlot.objects.create(day=0, period=1, start_time=dt.time(9), end_time=dt.time(10))
    subject = factories.SubjectFactory(sessions_per_week=1, min_days=1)
    offering = factories.OfferingFactory(subject=subject)
    room = factories.RoomFactory(capacity=60)
    draft = factories.GenerationJobFactory(status="COMPLETED")
    factories.TimetableSlotFactory(
        job=draft, offering=offering, room=room, day=0, period=1, active=False, pinned=True
    )
    job = generation.generation_job_create(
        user=admin_user, time_limit_s=5, enqueue=False, stay_close=True
    )
    job = generation.generation_job_run(job_id=job.pk)
    assert job.status == "COMPLETED", job.error
    assert list(job.slots.values_list("day", "period", "room_id", "pinned")) == [
        (0, 1, room.pk, True)
    ]


def test_the_index_links_a_drafts_changes(client, staff_user, draft):
    job, _ = draft
    client.force_login(staff_user)
    html = client.get("/timetable/").content.decode()
    assert f'href="/timetable/changes/{job.pk}/"' in html
    GenerationJob.objects.filter(pk=job.pk).update(published_at="2026-01-05T09:00:00Z")
    assert f"/timetable/changes/{job.pk}/" not in client.get("/timetable/").content.decode()


def test_a_drafts_grid_page_pins_and_unpins_a_session(client, staff_user, faculty_user, draft):
    job, slots = draft
    client.force_login(staff_user)
    page = f"/timetable/batch/CSE-3A/?job={job.pk}"
    html = client.get(page).content.decode()
    assert f'action="/timetable/pin/{slots["ec305_cse"].pk}/"' in html
    answer = client.post(f"/timetable/pin/{slots['ec305_cse'].pk}/", {"pinned": "1", "next": page})
    assert answer.status_code == 302 and answer["Location"] == page
    assert TimetableSlot.objects.filter(job=job, pinned=True).count() == 2
    html = client.get(page).content.decode()
    assert "Pinned</span>" in html and ">Unpin<" in html
    client.post(
        f"/timetable/pin/{slots['ec305_cse'].pk}/", {"pinned": "0", "next": "https://evil.example/"}
    )
    assert not TimetableSlot.objects.filter(job=job, pinned=True).exists()
    GenerationJob.objects.filter(pk=job.pk).update(published_at="2026-01-05T09:00:00Z")
    assert "/timetable/pin/" not in client.get(page).content.decode()
    assert client.post(f"/timetable/pin/{slots['cs301'].pk}/", {"pinned": "1"}).status_code == 409
    client.force_login(faculty_user)
    assert client.post(f"/timetable/pin/{slots['cs301'].pk}/", {"pinned": "1"}).status_code == 403
    assert client.get(f"/timetable/pin/{slots['cs301'].pk}/").status_code == 405


def test_http_options_still_describes_the_slot_endpoints(staff_client, draft):
    """The where-can-this-go action must not take over the OPTIONS method of the views."""
    _, slots = draft
    for url in ("/api/timetable-slots/", f"/api/timetable-slots/{slots['cs301'].pk}/"):
        answer = staff_client.options(url)
        assert answer.status_code == 200, url
        assert answer.json()["name"]


def test_compiling_the_kernels_does_not_count_against_the_solvers_safety_net(
    admin_user, monkeypatch
):
    """A process's first solve compiles numba's kernels first (half a minute on a busy
    machine with an empty cache). The run's safety net (1.5 x the limit plus a grace) must
    start after that: here a 4 s "compile" outlasts a 3 s net, and the job still completes."""
    import datetime as dt
    import time

    from academics.models import TimeSlot
    from timetabling import generation
    from timetabling import optimizer as opt
    from timetabling.generation import lease

    TimeSlot.objects.create(day=0, period=1, start_time=dt.time(9), end_time=dt.time(10))
    factories.OfferingFactory(subject=factories.SubjectFactory(sessions_per_week=1, min_days=1))
    factories.RoomFactory(capacity=60)
    warm_up = opt.warm_up
    compiled = []

    def slow_compile() -> None:
        time.sleep(4)
        warm_up()
        compiled.append(True)

    monkeypatch.setattr(opt, "warm_up", slow_compile)
    monkeypatch.setattr(lease, "_GRACE_S", 0.0)
    job = generation.generation_job_create(user=admin_user, time_limit_s=2, enqueue=False)
    job = generation.generation_job_run(job_id=job.pk)
    assert compiled == [True]  # the run compiles before it solves
    assert job.status == "COMPLETED", job.error
    assert job.slots.count() == 1
