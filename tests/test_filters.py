"""django-filter as shipped: filters narrow lists, bad values are a 400, no filter no change."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_a_filter_narrows_the_list_and_no_filter_lists_all(admin_client):
    one, _ = factories.FacultyFactory.create_batch(2)
    assert admin_client.get("/api/faculty/?page=1").json()["count"] == 2
    body = admin_client.get(f"/api/faculty/?employee_id={one.employee_id}").json()
    assert [r["employee_id"] for r in body["results"]] == [one.employee_id]


def test_invalid_filter_values_are_refused(admin_client):
    response = admin_client.get("/api/attendance/?date=yesterday")
    assert response.status_code == 400 and "date" in response.json()
