"""The API of subgroups, shifts, room features and closures, teacher limits and preferences,
fixed sessions, elective baskets, their options and students' enrollments."""

from __future__ import annotations

import pytest

from academics.models import Basket, Batch, Enrollment, Offering, Room, Subject
from tests import factories

pytestmark = pytest.mark.django_db


# --- new fields on existing resources ---------------------------------------------------------


def test_a_batch_names_its_parent_and_shift_by_code(admin_client):
    dept = factories.DepartmentFactory(code="CSE")
    parent = factories.BatchFactory(code="CSE-3A", department=dept)
    factories.ShiftFactory(code="MORNING", periods="1-4")
    response = admin_client.post(
        "/api/batches/",
        {
            "code": "CSE-3A-L1",
            "name": "Lab group 1",
            "department": "CSE",
            "semester": 3,
            "size": 20,
            "parent": "CSE-3A",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    assert (response.json()["parent"], response.json()["shift"]) == ("CSE-3A", None)
    assert Batch.objects.get(code="CSE-3A-L1").parent == parent
    response = admin_client.patch(f"/api/batches/{parent.pk}/", {"shift": "MORNING"}, format="json")
    assert response.json()["shift"] == "MORNING"
    listed = admin_client.get("/api/batches/", {"parent": "CSE-3A"}).json()["results"]
    assert [b["code"] for b in listed] == ["CSE-3A-L1"]


def test_a_batch_cannot_become_a_subgroup_of_its_own_subgroup(admin_client):
    group = factories.SubgroupFactory(code="G1")
    response = admin_client.patch(
        f"/api/batches/{group.parent_id}/", {"parent": "G1"}, format="json"
    )
    assert response.status_code == 400
    assert "parent" in response.json()


def test_a_subgroup_keeps_its_parents_shift(admin_client):
    factories.ShiftFactory(code="EVENING", periods="5-8")
    group = factories.SubgroupFactory(code="G1")
    response = admin_client.patch(f"/api/batches/{group.pk}/", {"shift": "EVENING"}, format="json")
    assert response.status_code == 400
    assert "parent's shift" in response.json()["shift"][0]


def test_room_and_subject_tags_are_normalised_and_checked(admin_client):
    room = factories.RoomFactory(code="LAB-9")
    response = admin_client.patch(
        f"/api/rooms/{room.pk}/", {"features": " Projector;computers ;projector"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["features"] == "computers;projector"
    assert Room.objects.get(pk=room.pk).features == "computers;projector"
    subject = factories.SubjectFactory()
    bad = admin_client.patch(
        f"/api/subjects/{subject.pk}/", {"room_features": "smart board"}, format="json"
    )
    assert bad.status_code == 400
    assert "room_features" in bad.json()
    good = admin_client.patch(
        f"/api/subjects/{subject.pk}/", {"room_features": "Computers"}, format="json"
    )
    assert good.json()["room_features"] == "computers"


@pytest.mark.parametrize(
    ("field", "value", "ok"),
    [
        ("max_consecutive", 0, False),
        ("max_consecutive", 3, True),
        ("max_consecutive", 49, False),
        ("max_gaps_per_day", 0, True),
        ("max_gaps_per_day", -1, False),
        ("max_consecutive", None, True),
    ],
)
def test_teacher_limits_follow_the_model_bounds(admin_client, field, value, ok):
    teacher = factories.FacultyFactory()
    response = admin_client.patch(f"/api/faculty/{teacher.pk}/", {field: value}, format="json")
    assert (response.status_code == 200) is ok, response.content
    if ok:
        assert admin_client.get(f"/api/faculty/{teacher.pk}/").json()[field] == value
    else:
        assert field in response.json()


# --- placement data ---------------------------------------------------------------------------


def test_shifts_take_period_ranges_and_refuse_anything_else(admin_client):
    ok = admin_client.post(
        "/api/shifts/", {"code": "M", "name": "Morning", "periods": "1-3; 6-8"}, format="json"
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["periods"] == "1-3;6-8"
    bad = admin_client.post(
        "/api/shifts/", {"code": "E", "name": "Evening", "periods": "8-3"}, format="json"
    )
    assert bad.status_code == 400
    assert "periods" in bad.json()


def test_room_closures_preferences_and_fixed_sessions_by_code(admin_client):
    room = factories.RoomFactory(code="LH-1")
    teacher = factories.FacultyFactory(employee_id="T9")
    batch = factories.BatchFactory(code="B1")
    subject = factories.SubjectFactory(code="MA101")
    closure = admin_client.post(
        "/api/room-unavailability/", {"room": "LH-1", "day": 2, "period": 3}, format="json"
    )
    assert closure.status_code == 201, closure.content
    wish = admin_client.post(
        "/api/faculty-preferences/",
        {"faculty": "T9", "day": 0, "period": 1, "preference": "prefer"},
        format="json",
    )
    assert wish.status_code == 201, wish.content
    wrong = admin_client.post(
        "/api/faculty-preferences/",
        {"faculty": "T9", "day": 0, "period": 2, "preference": "maybe"},
        format="json",
    )
    assert wrong.status_code == 400
    fixed = admin_client.post(
        "/api/fixed-sessions/",
        {"batch": "B1", "subject": "MA101", "day": 4, "period": 2, "room": "LH-1"},
        format="json",
    )
    assert fixed.status_code == 201, fixed.content
    assert room.unavailability.get().period == 3
    assert teacher.preferences.get().preference == "prefer"
    assert batch.fixed_sessions.get().subject == subject
    listed = admin_client.get("/api/fixed-sessions/", {"batch": "B1"}).json()["results"]
    assert listed == [fixed.json()]


# --- baskets and options ----------------------------------------------------------------------


@pytest.fixture
def basket(db):
    """Basket EL5 for batches A and B; a third batch C outside it."""
    a = factories.BatchFactory(code="A")
    b = factories.BatchFactory(code="B")
    factories.BatchFactory(code="C")
    factories.SubjectFactory(code="ML")
    factories.SubjectFactory(code="NLP")
    factories.FacultyFactory(employee_id="T1")
    factories.FacultyFactory(employee_id="T2")
    return factories.BasketFactory(code="EL5", batches=[a, b])


def _offerings(subject: str) -> list[tuple[str, str, str, str]]:
    return sorted(
        (o.batch.code, o.faculty.employee_id, o.group, o.basket_option.basket.code)
        for o in Offering.objects.filter(subject__code=subject).select_related(
            "batch", "faculty", "basket_option__basket"
        )
    )


def test_an_option_written_through_the_api_owns_one_offering_per_batch(admin_client, basket):
    response = admin_client.post(
        "/api/basket-options/", {"basket": "EL5", "subject": "ML", "faculty": "T1"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert _offerings("ML") == [
        ("A", "T1", "basket:EL5:ML", "EL5"),
        ("B", "T1", "basket:EL5:ML", "EL5"),
    ]
    option_id = response.json()["id"]
    changed = admin_client.patch(
        f"/api/basket-options/{option_id}/", {"faculty": "T2"}, format="json"
    )
    assert changed.status_code == 200
    assert {f for _, f, _, _ in _offerings("ML")} == {"T2"}


def test_changing_a_baskets_batches_resyncs_its_options(admin_client, basket):
    factories.BasketOptionFactory(
        basket=basket, subject=Subject.objects.get(code="ML"), faculty=factories.FacultyFactory()
    )
    response = admin_client.patch(
        f"/api/baskets/{basket.pk}/", {"batches": ["B", "C"]}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["batches"] == ["B", "C"]
    assert [b for b, *_ in _offerings("ML")] == ["B", "C"]
    renamed = admin_client.patch(f"/api/baskets/{basket.pk}/", {"code": "EL6"}, format="json")
    assert renamed.status_code == 200
    assert {g for _, _, g, _ in _offerings("ML")} == {"basket:EL6:ML"}


def test_an_option_cannot_take_over_an_ordinary_class(admin_client, basket):
    factories.OfferingFactory(
        batch=Batch.objects.get(code="A"), subject=Subject.objects.get(code="ML")
    )
    response = admin_client.post(
        "/api/basket-options/", {"basket": "EL5", "subject": "ML", "faculty": "T1"}, format="json"
    )
    assert response.status_code == 400
    assert "already taught to A" in response.json()["subject"][0]
    assert Offering.objects.filter(basket_option__isnull=False).count() == 0


def test_offerings_refuse_the_group_names_of_options(admin_client, basket):
    response = admin_client.post(
        "/api/offerings/",
        {"batch": "C", "subject": "NLP", "faculty": "T1", "group": "basket:EL5:NLP"},
        format="json",
    )
    assert response.status_code == 400
    assert "group" in response.json()


def test_an_options_offerings_are_changed_through_the_option_only(admin_client, basket):
    option = factories.BasketOptionFactory(basket=basket, subject=Subject.objects.get(code="ML"))
    offering = option.offerings.first()
    response = admin_client.patch(
        f"/api/offerings/{offering.pk}/", {"faculty": "T2"}, format="json"
    )
    assert response.status_code == 400
    assert "/api/basket-options/" in response.json()["detail"][0]
    assert Offering.objects.get(pk=offering.pk).faculty == option.faculty


def test_baskets_are_written_with_batch_codes_and_checked(admin_client, basket):
    created = admin_client.post(
        "/api/baskets/",
        {"code": "EL7", "name": "Open electives", "batches": ["A", "C"], "sessions_per_week": 2},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert sorted(Basket.objects.get(code="EL7").batches.values_list("code", flat=True)) == [
        "A",
        "C",
    ]
    bad = admin_client.post(
        "/api/baskets/",
        {"code": "EL8", "name": "x", "batches": ["NOPE"], "sessions_per_week": 2, "min_days": 1},
        format="json",
    )
    assert bad.status_code == 400
    assert "batches" in bad.json()
    listed = admin_client.get("/api/baskets/", {"batch": "C"}).json()["results"]
    assert [b["code"] for b in listed] == ["EL7"]


# --- enrollments ------------------------------------------------------------------------------


@pytest.fixture
def options(basket):
    ml = factories.BasketOptionFactory(basket=basket, subject=Subject.objects.get(code="ML"))
    factories.BasketOptionFactory(basket=basket, subject=Subject.objects.get(code="NLP"))
    return ml


def _enroll(client, roll, basket="EL5", subject="ML"):
    return client.post(
        "/api/enrollments/",
        {"student": roll, "basket": basket, "subject": subject},
        format="json",
    )


def test_a_student_of_a_baskets_batch_or_its_subgroup_enrolls(admin_client, options):
    factories.StudentFactory(roll_number="R1", batch=Batch.objects.get(code="A"))
    group = factories.SubgroupFactory(code="B-L1", parent=Batch.objects.get(code="B"))
    factories.StudentFactory(roll_number="R2", batch=group)
    assert _enroll(admin_client, "R1").status_code == 201
    response = _enroll(admin_client, "R2", subject="NLP")
    assert response.status_code == 201, response.content
    assert response.json() == {
        "id": response.json()["id"],
        "student": "R2",
        "basket": "EL5",
        "subject": "NLP",
    }
    assert Enrollment.objects.get(student__roll_number="R2").option.subject.code == "NLP"


def test_enrollment_errors_name_the_field(admin_client, options):
    factories.StudentFactory(roll_number="R3", batch=Batch.objects.get(code="C"))
    factories.StudentFactory(roll_number="R4", batch=Batch.objects.get(code="A"))
    outside = _enroll(admin_client, "R3")
    assert outside.status_code == 400
    assert "R3 is in batch C" in outside.json()["student"][0]
    not_an_option = _enroll(admin_client, "R4", subject="ML-X")
    assert not_an_option.status_code == 400 and "subject" in not_an_option.json()
    factories.SubjectFactory(code="DB")
    wrong = _enroll(admin_client, "R4", subject="DB")
    assert wrong.status_code == 400
    assert "DB is not an option of basket EL5" in wrong.json()["subject"][0]
    assert _enroll(admin_client, "R4").status_code == 201
    twice = _enroll(admin_client, "R4", subject="NLP")
    assert twice.status_code == 400
    assert "already chose" in twice.json()["student"][0]
    moved = admin_client.patch(
        f"/api/enrollments/{Enrollment.objects.get().pk}/", {"subject": "NLP"}, format="json"
    )
    assert moved.status_code == 200, moved.content
    assert Enrollment.objects.get().option.subject.code == "NLP"


def test_a_student_reads_only_their_own_choices_and_writes_none(
    client_for, student_user, options, faculty_client
):
    me = factories.StudentFactory(batch=Batch.objects.get(code="A"), user=student_user)
    factories.EnrollmentFactory(option=options, student=me)
    factories.EnrollmentFactory(option=options)
    client = client_for(student_user)
    rows = client.get("/api/enrollments/").json()["results"]
    assert [r["student"] for r in rows] == [me.roll_number]
    assert len(faculty_client.get("/api/enrollments/").json()["results"]) == 2
    assert _enroll(client, me.roll_number, subject="NLP").status_code == 403
    assert faculty_client.post("/api/shifts/", {}, format="json").status_code == 403
