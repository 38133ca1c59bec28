"""The project's FilterSet base and backend: same results as django-filter, less work."""

from __future__ import annotations

import django_filters
import pytest
from django.http import QueryDict
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from academics.filters import FacultyFilter, StudentFilter
from academics.models import Faculty
from sih28.filters import FilterSet, uses_filters
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


def test_form_class_is_built_once_and_filters_are_per_instance():
    one, two = StudentFilter(QueryDict("batch=A")), StudentFilter(QueryDict("batch=B"))
    assert one.get_form_class() is two.get_form_class()
    assert one.filters["batch"] is not two.filters["batch"]
    assert one.filters["batch"].parent is one and two.filters["batch"].parent is two
    assert getattr(StudentFilter.base_filters["batch"], "parent", None) is None
    assert one.is_valid() and two.is_valid()
    assert one.form.cleaned_data["batch"] == "A" and two.form.cleaned_data["batch"] == "B"


def test_invalid_values_still_fail_validation_with_a_shared_form_class():
    from timetabling.filters import AttendanceFilter

    assert AttendanceFilter(QueryDict("date=2026-02-02")).is_valid()
    bad = AttendanceFilter(QueryDict("date=yesterday"))
    assert not bad.is_valid() and "date" in bad.errors


class _MethodFilter(FilterSet):
    starts = django_filters.CharFilter(method="filter_starts")

    class Meta:
        model = Faculty
        fields = ["starts"]

    def filter_starts(self, queryset, name, value):
        return queryset.filter(employee_id__startswith=value)


def test_filtersets_with_method_filters_keep_django_filters_own_copying():
    factories.FacultyFactory(employee_id="AB1")
    factories.FacultyFactory(employee_id="CD1")
    first = _MethodFilter(QueryDict("starts=AB"), queryset=Faculty.objects.all())
    second = _MethodFilter(QueryDict("starts=CD"), queryset=Faculty.objects.all())
    assert [f.employee_id for f in first.qs] == ["AB1"]
    assert [f.employee_id for f in second.qs] == ["CD1"]
    assert "_form_class" not in _MethodFilter.__dict__
