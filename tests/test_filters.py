"""The filter backend: same results as django-filter, without a FilterSet nobody asked for."""

from __future__ import annotations

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from academics.filters import FacultyFilter
from sih28.filters import uses_filters
from tests import factories

pytestmark = pytest.mark.django_db


def _request(query: str) -> Request:
    return Request(APIRequestFactory().get(f"/x/?{query}"))


@pytest.mark.parametrize(("query", "used"), [
    ("", False), ("page=2", False), ("page=1&page_size=5&ordering=name", False),
    ("department=CSE", True), ("page=1&employee_id=F1", True), ("department_min=1", True),
])
def test_uses_filters_sees_only_the_filtersets_own_parameters(query, used):
    assert uses_filters(_request(query), FacultyFilter) is used


def test_lists_without_filter_parameters_skip_the_filterset(admin_client, monkeypatch):
    factories.FacultyFactory.create_batch(3)
    built = []
    original = FacultyFilter.__init__
    monkeypatch.setattr(FacultyFilter, "__init__",
                        lambda self, *a, **k: built.append(1) or original(self, *a, **k))
    assert admin_client.get("/api/faculty/?page=1").json()["count"] == 3
    assert built == []
    assert admin_client.get("/api/faculty/?department=NOPE").json()["count"] == 0
    assert built == [1]


def test_switched_off_every_list_runs_its_filterset(admin_client, monkeypatch, settings):
    settings.API_FILTER_ONLY_WHEN_ASKED = False
    factories.FacultyFactory.create_batch(2)
    built = []
    original = FacultyFilter.__init__
    monkeypatch.setattr(FacultyFilter, "__init__",
                        lambda self, *a, **k: built.append(1) or original(self, *a, **k))
    assert admin_client.get("/api/faculty/?page=1").json()["count"] == 2
    assert built == [1]


def test_invalid_filter_values_are_refused(admin_client):
    response = admin_client.get("/api/attendance/?date=yesterday")
    assert response.status_code == 400 and "date" in response.json()
