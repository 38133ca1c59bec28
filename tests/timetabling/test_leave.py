"""Teacher leave and substitution: which sessions a leave touches, ranked cover, one-day
moves when nobody is free, accepting cover, the gaps left, and attendance on such dates."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests import factories
from timetabling import leave
from timetabling.models import FacultyLeave, SessionOverride

pytestmark = pytest.mark.django_db


def _last_monday() -> dt.date:
    today = timezone.localdate()
    return today - dt.timedelta(days=today.weekday() or 7)


MONDAY = _last_monday()


@pytest.fixture
def school(grid):
    """Department CSE: absent teacher A teaches S to batch X on Mondays P1; B also teaches
    S (to batch Y, Tuesdays); C is of CSE but teaches something else; E is of another
    department."""
    cse, ece = factories.DepartmentFactory(code="CSE"), factories.DepartmentFactory(code="ECE")
    subject = factories.SubjectFactory(code="S1", department=cse)
    a, b, c = (factories.FacultyFactory(employee_id=f"T{n}", department=cse) for n in "ABC")
    e = factories.FacultyFactory(employee_id="TE", department=ece)
    x = factories.BatchFactory(code="X", department=cse)
    y = factories.BatchFactory(code="Y", department=cse)
    room, other_room = factories.RoomFactory(code="R1"), factories.RoomFactory(code="R2")
    job = factories.GenerationJobFactory()
    slot = factories.TimetableSlotFactory(
        job=job, offering=factories.OfferingFactory(batch=x, subject=subject, faculty=a),
        room=room, day=0, period=1,
    )  # fmt: skip
    factories.TimetableSlotFactory(
        job=job, offering=factories.OfferingFactory(batch=y, subject=subject, faculty=b),
        room=other_room, day=1, period=1,
    )  # fmt: skip
    c_subject = factories.SubjectFactory(code="S2", department=cse)
    factories.OfferingFactory(batch=y, subject=c_subject, faculty=c)
    return {"a": a, "b": b, "c": c, "e": e, "x": x, "y": y, "slot": slot, "job": job,
            "room": room, "subject": subject}  # fmt: skip


def _leave(teacher, start=MONDAY, end=None) -> FacultyLeave:
    return FacultyLeave.objects.create(faculty=teacher, start=start, end=end or start)


def test_substitutes_are_ranked_by_department_subject_and_load(school):
    gaps = leave.leave_gaps(leave=_leave(school["a"]))
    assert [(g.date, g.session.slot_id) for g in gaps] == [(MONDAY, school["slot"].pk)]
    ranked = [c.employee_id for c in gaps[0].candidates]
    assert ranked == ["TB", "TC", "TE"]  # teaches S1, then same department, then the rest
    assert gaps[0].moves == []


def test_busy_away_and_full_teachers_are_not_proposed(school):
    b, c, e = school["b"], school["c"], school["e"]
    # B teaches Monday P1 elsewhere, C is on leave too, E has reached the day's maximum
    factories.TimetableSlotFactory(
        job=school["job"], offering=factories.OfferingFactory(faculty=b), day=0, period=1
    )
    _leave(c)
    e.max_hours_per_day = 1
    e.save()
    factories.TimetableSlotFactory(
        job=school["job"], offering=factories.OfferingFactory(faculty=e), day=0, period=3
    )
    gap = leave.leave_gaps(leave=_leave(school["a"]))[0]
    assert gap.candidates == []


def test_fewest_substitutions_this_month_come_first(school, staff_user):
    b = school["b"]
    # B already covered a session earlier this month
    b_slot = factories.TimetableSlotFactory(
        job=school["job"], offering=factories.OfferingFactory(faculty=school["c"]), day=3, period=4
    )
    earlier = MONDAY.replace(day=1) if MONDAY.day > 3 else MONDAY
    SessionOverride.objects.create(slot=b_slot, date=earlier, substitute=b)
    gap = leave.leave_gaps(leave=_leave(school["a"]))[0]
    counts = {c.employee_id: c.substitutions_this_month for c in gap.candidates}
    assert counts["TB"] == 1 and counts["TC"] == 0
    assert gap.candidates[0].employee_id == "TB"  # department and subject still first


def test_nobody_free_proposes_a_move_to_a_free_period_that_day(school):
    for teacher in ("b", "c", "e"):
        factories.TimetableSlotFactory(
            job=school["job"],
            offering=factories.OfferingFactory(faculty=school[teacher]),
            day=0,
            period=1,
        )
    gap = leave.leave_gaps(leave=_leave(school["a"]))[0]
    assert gap.candidates == []
    assert gap.moves and gap.moves[0].period == 2
    assert gap.moves[0].substitute.employee_id == "TB"


def test_accepting_cover_writes_an_override_and_closes_the_gap(staff_client, school):
    absence = _leave(school["a"], MONDAY, MONDAY + dt.timedelta(days=6))
    query = f"start={MONDAY.isoformat()}&end={(MONDAY + dt.timedelta(days=6)).isoformat()}"
    gaps = staff_client.get(f"/api/leave-gaps/?{query}")
    assert gaps.status_code == 200
    assert [(g["session"]["slot_id"], g["date"]) for g in gaps.json()] == [
        (school["slot"].pk, MONDAY.isoformat())
    ]
    proposals = staff_client.get(f"/api/faculty-leaves/{absence.pk}/proposals/").json()
    best = proposals[0]["candidates"][0]["faculty_id"]
    accepted = staff_client.post(
        f"/api/faculty-leaves/{absence.pk}/accept/",
        {"slot": school["slot"].pk, "date": MONDAY.isoformat(), "substitute": best},
        format="json",
    )
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()[0]["substitute"] == school["b"].pk
    assert staff_client.get(f"/api/leave-gaps/?{query}").json() == []
    # the weekly timetable is unchanged
    school["slot"].refresh_from_db()
    assert (school["slot"].faculty_id, school["slot"].period) == (school["a"].pk, 1)
    again = staff_client.post(
        f"/api/faculty-leaves/{absence.pk}/accept/",
        {"slot": school["slot"].pk, "date": MONDAY.isoformat(), "substitute": best},
        format="json",
    )
    assert again.status_code == 409


def test_a_proposal_that_no_longer_fits_is_refused(staff_user, school):
    absence = _leave(school["a"])
    factories.TimetableSlotFactory(
        job=school["job"], offering=factories.OfferingFactory(faculty=school["b"]), day=0, period=1
    )
    with pytest.raises(Exception, match="no longer fits"):
        leave.session_override_accept(
            user=staff_user,
            leave_id=absence.pk,
            slot_id=school["slot"].pk,
            date=MONDAY,
            substitute_id=school["b"].pk,
        )


def test_an_accepted_substitution_counts_against_the_substitutes_day(staff_user, school):
    b = school["b"]
    b.max_hours_per_day = 1
    b.save()
    second = factories.TimetableSlotFactory(
        job=school["job"],
        offering=factories.OfferingFactory(faculty=school["a"], batch=school["y"]),
        day=0,
        period=3,
    )
    absence = _leave(school["a"])
    leave.session_override_accept(
        user=staff_user, leave_id=absence.pk, slot_id=school["slot"].pk, date=MONDAY,
        substitute_id=b.pk,
    )  # fmt: skip
    gaps = {g.session.slot_id: g for g in leave.leave_gaps(leave=absence)}
    assert gaps[school["slot"].pk].covered_by is not None
    assert "TB" not in [c.employee_id for c in gaps[second.pk].candidates]


def test_leave_is_recorded_by_staff_only(staff_client, faculty_client, school):
    body = {"faculty": school["a"].pk, "start": "2026-03-02", "end": "2026-03-06"}
    assert faculty_client.post("/api/faculty-leaves/", body, format="json").status_code == 403
    created = staff_client.post("/api/faculty-leaves/", body, format="json")
    assert created.status_code == 201 and created.json()["faculty_code"] == "TA"
    backwards = {**body, "end": "2026-03-01"}
    assert staff_client.post("/api/faculty-leaves/", backwards, format="json").status_code == 400


def test_list_endpoints_stay_within_their_query_budget(
    staff_client, school, django_assert_max_num_queries
):
    for n in range(5):
        _leave(school["a"], MONDAY - dt.timedelta(days=7 * n))
    with django_assert_max_num_queries(6):
        listed = staff_client.get("/api/faculty-leaves/")
    assert listed.json()["count"] == 5
    start, end = MONDAY - dt.timedelta(days=28), MONDAY + dt.timedelta(days=6)
    with django_assert_max_num_queries(12):
        gaps = staff_client.get(f"/api/leave-gaps/?start={start}&end={end}")
    assert len(gaps.json()) == 5


def test_the_substitute_marks_attendance_and_the_absent_teacher_cannot(client_for, school):
    a_user = factories.UserFactory(username="teacher-a", role="faculty")
    b_user = factories.UserFactory(username="teacher-b", role="faculty")
    school["a"].user = a_user
    school["a"].save()
    school["b"].user = b_user
    school["b"].save()
    student = factories.StudentFactory(batch=school["x"])
    body = {
        "slot": school["slot"].pk,
        "date": MONDAY.isoformat(),
        "entries": [{"student": student.pk, "status": "present"}],
    }
    _leave(school["a"])
    refused = client_for(a_user).post("/api/attendance/", body, format="json")
    assert refused.status_code == 403 and "on leave" in refused.json()["detail"]
    SessionOverride.objects.create(slot=school["slot"], date=MONDAY, substitute=school["b"])
    assert client_for(a_user).post("/api/attendance/", body, format="json").status_code == 403
    assert client_for(b_user).post("/api/attendance/", body, format="json").status_code == 201
    # on another Monday, with no leave, the substitute cannot mark it
    week_before = {**body, "date": (MONDAY - dt.timedelta(days=7)).isoformat()}
    assert (
        client_for(b_user).post("/api/attendance/", week_before, format="json").status_code == 403
    )


def test_calendar_feeds_show_cover_as_exceptions(client, staff_user, school):
    SessionOverride.objects.create(slot=school["slot"], date=MONDAY, substitute=school["b"])
    client.force_login(staff_user)

    def feed(kind: str, key: str) -> str:
        url = reverse(f"timetable-{kind}-export", kwargs={"key": key, "fmt": "ics"})
        response = client.get(url)
        assert response.status_code == 200
        return response.content.decode().replace("\r\n ", "")

    exdate = f"EXDATE:{MONDAY:%Y%m%d}T090000"
    one_off = f"DTSTART:{MONDAY:%Y%m%d}T090000"
    batch = feed("batch", "X")
    assert exdate in batch and one_off in batch and "substitute Teacher" in batch
    absent = feed("faculty", "TA")
    assert exdate in absent and one_off not in absent
    substitute = feed("faculty", "TB")
    assert one_off in substitute and f"slot{school['slot'].pk}-{MONDAY:%Y%m%d}" in substitute


def test_pages_note_the_dates_a_substitute_teaches(
    client, staff_user, school, django_assert_max_num_queries
):
    today = timezone.localdate()
    next_monday = today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7)
    SessionOverride.objects.create(slot=school["slot"], date=next_monday, substitute=school["b"])
    client.force_login(staff_user)
    with django_assert_max_num_queries(14):
        batch_page = client.get(reverse("timetable-batch", kwargs={"key": "X"}))
    html = batch_page.content.decode()
    assert 'id="date-changes"' in html and f"{next_monday:%Y-%m-%d}" in html
    assert "taught by Teacher" in html and "(TB)" in html
    substitute_page = client.get(reverse("timetable-faculty", kwargs={"key": "TB"})).content
    assert f"{next_monday:%Y-%m-%d}".encode() in substitute_page
    other = client.get(reverse("timetable-faculty", kwargs={"key": "TE"})).content
    assert b'id="date-changes"' not in other


def test_accepting_a_move_changes_the_period_of_that_date_only(staff_user, school):
    for teacher in ("b", "c", "e"):
        factories.TimetableSlotFactory(
            job=school["job"],
            offering=factories.OfferingFactory(faculty=school[teacher]),
            day=0,
            period=1,
        )
    absence = _leave(school["a"])
    move = leave.leave_gaps(leave=absence)[0].moves[0]
    (override,) = leave.session_override_accept(
        user=staff_user,
        leave_id=absence.pk,
        slot_id=school["slot"].pk,
        date=MONDAY,
        substitute_id=move.substitute.faculty_id,
        period=move.period,
    )
    assert (override.period, override.room_id) == (move.period, move.room_id)
    gap = leave.leave_gaps(leave=absence)[0]
    assert gap.covered_by == override.pk
    # the batch is now busy at the new period that date, so nothing else may move there
    busy = leave.Calendar(MONDAY, MONDAY).day(MONDAY)
    assert (school["x"].pk, move.period) in busy.batch
    assert (school["x"].pk, 1) not in busy.batch


def test_date_changes_are_read_as_the_timetable_is(
    client_for, staff_client, school, django_assert_max_num_queries
):
    SessionOverride.objects.create(slot=school["slot"], date=MONDAY, substitute=school["b"])
    other = factories.TimetableSlotFactory(job=school["job"], day=2, period=2)
    SessionOverride.objects.create(slot=other, date=MONDAY, substitute=school["c"])
    mine = factories.StudentFactory(batch=school["x"], user=factories.UserFactory(username="sx"))
    with django_assert_max_num_queries(6):
        seen = client_for(mine.user).get("/api/date-changes/")
    assert seen.status_code == 200
    rows = seen.json()["results"]
    assert [(r["batch_code"], r["substitute_code"], r["date"]) for r in rows] == [
        ("X", "TB", MONDAY.isoformat())
    ]
    with django_assert_max_num_queries(6):
        everything = staff_client.get(f"/api/date-changes/?date_from={MONDAY.isoformat()}")
    assert everything.json()["count"] == 2
