"""The admin shows the data of colleges as they are, and saving a basket there updates the
offerings its options own, as the CSV import does."""

from __future__ import annotations

import pytest

from academics import models as am
from academics.baskets import basket_offerings_sync
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = [
    "shift",
    "roomunavailability",
    "facultypreference",
    "basket",
    "basketoption",
    "enrollment",
    "fixedsession",
    "batch",
    "room",
    "offering",
]


@pytest.fixture
def superuser_client(client):
    user = factories.UserFactory(role="admin", username="root", is_staff=True, is_superuser=True)
    client.force_login(user)
    return client


@pytest.fixture
def college(db):
    shift = am.Shift.objects.create(code="M", name="Morning", periods="1-4")
    parent = factories.BatchFactory(code="A", shift=shift)
    sub = factories.BatchFactory(code="A1", parent=parent)
    room = factories.RoomFactory(code="LAB", kind="lab", features="computers")
    teacher = factories.FacultyFactory(employee_id="F1")
    basket = am.Basket.objects.create(code="OE", name="OE", sessions_per_week=2, min_days=2)
    basket.batches.add(parent)
    option = am.BasketOption.objects.create(
        basket=basket, subject=factories.SubjectFactory(code="E1"), faculty=teacher
    )
    student = factories.StudentFactory(batch=sub)
    am.Enrollment.objects.create(student=student, basket=basket, option=option)
    am.RoomUnavailability.objects.create(room=room, day=0, period=1)
    am.FacultyPreference.objects.create(faculty=teacher, day=1, period=2, preference="avoid")
    am.FixedSession.objects.create(batch=parent, subject=option.subject, day=2, period=1)
    basket_offerings_sync(basket_ids=[basket.pk])
    return basket


@pytest.mark.parametrize("model", PAGES)
def test_changelists_show_rows_in_a_few_queries(
    superuser_client, college, model, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        response = superuser_client.get(f"/admin/academics/{model}/")
    assert response.status_code == 200
    assert response.context["cl"].result_count >= 1


def test_saving_a_basket_in_the_admin_gives_its_options_offerings(superuser_client, college):
    other = factories.BatchFactory(code="B")
    option = college.options.get()
    form = {
        "code": "OE",
        "name": "Open elective",
        "batches": [college.batches.get().pk, other.pk],
        "sessions_per_week": 2,
        "periods_per_session": 1,
        "min_days": 2,
        "options-TOTAL_FORMS": 1,
        "options-INITIAL_FORMS": 1,
        "options-0-id": option.pk,
        "options-0-basket": college.pk,
        "options-0-subject": option.subject_id,
        "options-0-faculty": option.faculty_id,
    }
    response = superuser_client.post(f"/admin/academics/basket/{college.pk}/change/", form)
    assert response.status_code == 302, response.content[:2000]
    assert set(
        am.Offering.objects.values_list("batch__code", "subject__code", "group", "basket_option")
    ) == {("A", "E1", "basket:OE:E1", option.pk), ("B", "E1", "basket:OE:E1", option.pk)}
