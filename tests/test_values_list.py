"""List pages served from .values() must equal what the serializer would have produced."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from academics import api as academics_api
from sih28.viewsets import ValuesListMixin, values_plan
from tests import factories
from timetabling import api as timetabling_api

pytestmark = pytest.mark.django_db

VIEWSETS = {
    "/api/departments/": academics_api.DepartmentViewSet,
    "/api/rooms/": academics_api.RoomViewSet,
    "/api/timeslots/": academics_api.TimeSlotViewSet,
    "/api/faculty/": academics_api.FacultyViewSet,
    "/api/faculty-unavailability/": academics_api.FacultyUnavailabilityViewSet,
    "/api/subjects/": academics_api.SubjectViewSet,
    "/api/batches/": academics_api.BatchViewSet,
    "/api/students/": academics_api.StudentViewSet,
    "/api/offerings/": academics_api.OfferingViewSet,
    "/api/shifts/": academics_api.ShiftViewSet,
    "/api/room-unavailability/": academics_api.RoomUnavailabilityViewSet,
    "/api/faculty-preferences/": academics_api.FacultyPreferenceViewSet,
    "/api/fixed-sessions/": academics_api.FixedSessionViewSet,
    "/api/basket-options/": academics_api.BasketOptionViewSet,
    "/api/enrollments/": academics_api.EnrollmentViewSet,
    "/api/timetable-slots/": timetabling_api.TimetableSlotViewSet,
    "/api/attendance/": timetabling_api.AttendanceViewSet,
}


@pytest.fixture
def everything(admin_user):
    """At least one row of every kind, with nulls and non-null links both present."""
    factories.TimeSlotFactory(day=2, period=3)
    factories.FacultyUnavailabilityFactory()
    linked = factories.StudentFactory(user=factories.UserFactory(role="student"))
    factories.FacultyFactory(user=factories.UserFactory(role="faculty"))
    slot = factories.TimetableSlotFactory(
        offering=factories.OfferingFactory(batch=linked.batch, group="G1"), day=4, length=2
    )
    factories.AttendanceFactory(
        slot=slot, student=linked, date=dt.date(2026, 3, 6), status="late", marked_by=admin_user
    )
    factories.AttendanceFactory(slot=slot, date=dt.date(2026, 3, 13))
    factories.RoomFactory(kind="lab", building="", features="computers;projector")
    factories.SubgroupFactory(
        shift=None, parent=factories.BatchFactory(shift=factories.ShiftFactory())
    )
    factories.RoomUnavailabilityFactory()
    factories.FacultyPreferenceFactory()
    factories.FixedSessionFactory()
    factories.FixedSessionFactory(room=factories.RoomFactory(), day=3)
    factories.EnrollmentFactory()
    assert factories.TimetableSlotFactory._meta.model.objects.exists()
    assert timezone.now()


@pytest.mark.parametrize("url", sorted(VIEWSETS))
def test_values_pages_equal_serializer_output(url, everything, admin_client, admin_user):
    viewset = VIEWSETS[url]
    assert issubclass(viewset, ValuesListMixin)
    serializer_class = viewset.serializer_class
    assert values_plan(serializer_class) is not None, "this endpoint fell back to DRF's path"
    rows = admin_client.get(url).json()["results"]
    assert rows
    # Instances from the view's own queryset: some fields are its annotations.
    queryset = viewset(request=SimpleNamespace(user=admin_user)).get_queryset()
    objects = {o.pk: o for o in queryset.filter(pk__in=[r["id"] for r in rows])}
    expected = [dict(serializer_class(objects[r["id"]]).data) for r in rows]
    # Through the same JSON renderer as the page, so dates and times compare as text.
    import json

    from rest_framework.renderers import JSONRenderer

    assert rows == json.loads(JSONRenderer().render(expected))


@pytest.mark.parametrize("url", sorted(VIEWSETS))
def test_switched_off_the_serializer_serves_the_same_page(
    url, everything, admin_client, settings, monkeypatch
):
    from sih28 import viewsets

    rendered = []
    real = viewsets.render_values
    monkeypatch.setattr(viewsets, "render_values", lambda *a: rendered.append(url) or real(*a))
    from_values = admin_client.get(url).json()
    assert rendered == [url]
    settings.API_LIST_FROM_VALUES = False
    from_serializer = admin_client.get(url).json()
    assert rendered == [url]  # the second page came through the serializer
    assert from_serializer == from_values


def test_serializers_the_plan_cannot_translate_fall_back():
    from timetabling.serializers import GenerationJobSerializer

    assert values_plan(GenerationJobSerializer) is None


def test_page_count_skips_the_joins_of_the_page_columns(everything, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        body = admin_client.get("/api/attendance/?page_size=1").json()
    assert body["count"] == 2
    assert len(body["results"]) == 1
    [count_sql] = [q["sql"] for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    assert "JOIN" not in count_sql


def test_a_short_first_page_needs_no_count_query(everything, admin_client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        body = admin_client.get("/api/attendance/").json()
    assert body["count"] == 2
    assert body["next"] is None
    assert not [q for q in ctx.captured_queries if "COUNT(" in q["sql"]]
    second = admin_client.get("/api/attendance/?page_size=1&page=2").json()
    assert second["count"] == 2
    assert len(second["results"]) == 1
    assert second["next"] is None


def test_large_counts_are_cached_and_zero_seconds_counts_every_time(
    everything, admin_client, settings
):
    settings.API_COUNT_CACHE_MIN_ROWS = 1
    assert admin_client.get("/api/attendance/?page_size=1").json()["count"] == 2
    factories.AttendanceFactory()
    assert admin_client.get("/api/attendance/?page_size=1").json()["count"] == 2  # cached
    settings.API_COUNT_CACHE_SECONDS = 0
    assert admin_client.get("/api/attendance/?page_size=1").json()["count"] == 3


def test_switched_off_a_short_first_page_is_counted(everything, admin_client, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.API_COUNT_CACHE_SECONDS = 0
    with CaptureQueriesContext(connection) as ctx:
        assert admin_client.get("/api/attendance/").json()["count"] == 2
    assert [q for q in ctx.captured_queries if "COUNT(" in q["sql"]]


@pytest.mark.parametrize("tz", ["UTC", "Asia/Kolkata", "America/New_York"])
def test_timestamps_equal_serializer_output_in_any_time_zone(
    tz, settings, everything, admin_client
):
    import json

    from rest_framework.renderers import JSONRenderer

    from timetabling.selectors import attendance_list
    from timetabling.serializers import AttendanceSerializer

    settings.TIME_ZONE = tz
    rows = admin_client.get("/api/attendance/").json()["results"]
    expected = [dict(AttendanceSerializer(attendance_list().get(pk=r["id"])).data) for r in rows]
    assert [r["marked_at"] for r in rows] == [
        r["marked_at"] for r in json.loads(JSONRenderer().render(expected))
    ]
    assert tz == "UTC" or not rows[0]["marked_at"].endswith("Z")


def test_plain_columns_pass_through_and_conversions_stay():
    """Columns whose serializer field would return them unchanged skip the call; the rest
    keep the field's own conversion (the parity tests above check the output)."""
    from academics.serializers import StudentSerializer
    from timetabling.serializers import AttendanceSerializer

    plan = {name: transform for name, _, transform in values_plan(AttendanceSerializer)}
    assert plan["status"] is None
    # Annotations (no model field to check the type against) keep the field's conversion.
    assert plan["roll_number"] is not None and plan["subject"] is not None
    assert plan["student"] is None  # a primary key without pk_field is the column itself
    # BigIntegerField may turn ids into strings (COERCE_BIG_INT_TO_STRING): kept.
    assert plan["id"] is not None
    assert plan["date"] is not None and plan["marked_at"] is not None
    assert {name for name, _, t in values_plan(StudentSerializer) if t is not None} == {"id"}
