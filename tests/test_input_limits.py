"""Bad input gets a clean 4xx naming what was wrong: never a 500, never ignored, never echoed
in full (docs/api.md, "Limits on input")."""

from __future__ import annotations

import logging

import django_filters
import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver

from academics import limits
from sih28.errors import ECHO_LIMIT, api_exception_handler
from sih28.filtering import BooleanFilter, IntegerFilter
from tests import factories

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"


def _api_views():
    """(path prefix, view class) of every API view, from the URL configuration itself."""

    def walk(patterns, prefix):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                cls = getattr(p.callback, "cls", None)
                if cls is not None:
                    yield prefix + str(p.pattern), cls

    return list(walk(get_resolver().url_patterns, "/"))


def _list_urls() -> dict[str, type]:
    """``/api/rooms/`` -> its FilterSet, for every list endpoint with filters."""
    out = {}
    for route, cls in _api_views():
        path = route.replace("^", "").replace("$", "")
        filterset = getattr(cls, "filterset_class", None)
        if filterset is not None and path.startswith("/api/") and "(?P" not in path:
            out[path] = filterset
    return out


LIST_URLS = _list_urls()
NUMERIC_FILTERS = [
    (url, name)
    for url, filterset in sorted(LIST_URLS.items())
    for name, f in filterset.base_filters.items()
    if isinstance(f, django_filters.NumberFilter)
]
BOOLEAN_FILTERS = [
    (url, name)
    for url, filterset in sorted(LIST_URLS.items())
    for name, f in filterset.base_filters.items()
    if isinstance(f, django_filters.BooleanFilter)
]


def test_the_walk_finds_the_list_endpoints_and_their_number_filters():
    assert {"/api/timetable-slots/", "/api/attendance/", "/api/rooms/"} <= set(LIST_URLS)
    assert ("/api/timetable-slots/", "job") in NUMERIC_FILTERS
    assert ("/api/batches/", "semester") in NUMERIC_FILTERS
    assert ("/api/timetable-slots/", "active") in BOOLEAN_FILTERS


@pytest.mark.parametrize(("url", "name"), NUMERIC_FILTERS)
def test_every_number_filter_is_a_bounded_whole_number(url, name):
    f = LIST_URLS[url].base_filters[name]
    assert isinstance(f, IntegerFilter), f"{url}?{name}= is not a bounded whole number"
    assert f.extra.get("max_value") is not None


@pytest.mark.parametrize(("url", "name"), NUMERIC_FILTERS)
@pytest.mark.parametrize("value", [HUGE, "1e30", "1.5", "-" + HUGE, "abc"])
def test_a_bad_number_in_any_filter_is_a_400_naming_it(admin_client, url, name, value):
    response = admin_client.get(url, {name: value})
    assert response.status_code == 400, (url, name, value, response.content[:200])
    assert name in response.json()


@pytest.mark.parametrize(("url", "name"), BOOLEAN_FILTERS)
def test_a_boolean_filter_refuses_what_is_not_a_boolean(admin_client, url, name):
    assert isinstance(LIST_URLS[url].base_filters[name], BooleanFilter)
    response = admin_client.get(url, {name: "maybe"})
    assert response.status_code == 400 and name in response.json()
    assert admin_client.get(url, {name: "false"}).status_code == 200


def test_an_id_filter_still_filters(admin_client):
    slot = factories.TimetableSlotFactory(active=True)
    factories.TimetableSlotFactory(active=False)
    body = admin_client.get("/api/timetable-slots/", {"job": slot.job_id}).json()
    assert [r["id"] for r in body["results"]] == [slot.pk]
    body = admin_client.get("/api/timetable-slots/", {"active": "true"}).json()
    assert [r["id"] for r in body["results"]] == [slot.pk]


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1.5", "²", HUGE, HUGE * 200])
def test_page_size_must_be_a_positive_whole_number(admin_client, value):
    response = admin_client.get("/api/rooms/", {"page_size": value})
    assert response.status_code == 400 and "page_size" in response.json()


def test_a_large_page_size_is_capped_not_refused(admin_client):
    factories.RoomFactory.create_batch(3)
    response = admin_client.get("/api/rooms/", {"page_size": "1000"})
    assert response.status_code == 200 and len(response.json()["results"]) == 3


# --- search ------------------------------------------------------------------------------


def test_a_long_search_is_a_400_not_a_query_the_database_cannot_plan(admin_client):
    response = admin_client.get("/api/rooms/", {"search": " ".join(["a"] * 1200)})
    assert response.status_code == 400 and "search" in response.json()


def test_search_terms_are_capped_whatever_the_length_limit(admin_client, settings):
    settings.API_SEARCH_MAX_LENGTH = 10_000
    response = admin_client.get("/api/rooms/", {"search": " ".join(["a"] * 1200)})
    assert response.status_code == 400
    assert "search terms" in response.json()["search"][0]


def test_a_search_longer_than_the_limit_is_refused(admin_client, settings):
    settings.API_SEARCH_MAX_LENGTH = 20
    response = admin_client.get("/api/rooms/", {"search": "x" * 21})
    assert response.status_code == 400 and "search" in response.json()


def test_a_search_up_to_the_cap_works(admin_client):
    room = factories.RoomFactory(code="LH-101")
    terms = " ".join(["LH"] * 9 + ["101"])
    body = admin_client.get("/api/rooms/", {"search": terms}).json()
    assert [r["code"] for r in body["results"]] == [room.code]


def test_a_nul_in_search_is_an_object_naming_the_parameter(admin_client):
    response = admin_client.get("/api/rooms/?search=%00")
    assert response.status_code == 400
    assert isinstance(response.json(), dict) and "search" in response.json()


# --- bodies ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"slot": 10**23, "date": "2026-03-02", "entries": [{"student": 1, "status": "present"}]},
        {"slot": 1, "date": "2026-03-02", "entries": [{"student": 10**23, "status": "present"}]},
        {"slot": 1, "date": "2026-03-02", "entries": [{"student": 1e23, "status": "present"}]},
    ],
)
def test_huge_ids_in_an_attendance_body_are_a_400(admin_client, body):
    response = admin_client.post("/api/attendance/", body, format="json")
    assert response.status_code == 400, response.content


def _schema() -> dict:
    from drf_spectacular.generators import SchemaGenerator

    return SchemaGenerator().get_schema(request=None, public=True)


def _request_components() -> dict[str, dict]:
    """The request bodies of the published schema (``COMPONENT_SPLIT_REQUEST``), by name."""
    return {
        name: component
        for name, component in _schema()["components"]["schemas"].items()
        if name.endswith("Request")
    }


def test_every_integer_query_parameter_has_bounds_in_the_schema():
    """What the filters refuse, the schema says (a schema fuzzer sends what it allows)."""
    parameters = [
        (path, parameter["name"], parameter["schema"])
        for path, operations in _schema()["paths"].items()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]
    assert ("/api/timetable-slots/", "job") in {(p, n) for p, n, _ in parameters}
    unbounded = [
        (path, name, schema)
        for path, name, schema in parameters
        if schema.get("type") in ("integer", "number")
        and "enum" not in schema
        and ("minimum" not in schema or "maximum" not in schema)
    ]
    assert unbounded == []


def test_every_integer_of_every_request_body_has_bounds_in_the_schema():
    components = _request_components()
    assert {"AttendanceMarkRequest", "AttendanceEntryRequest", "TimeSlotRequest"} <= set(components)
    unbounded = [
        f"{name}.{prop}"
        for name, component in components.items()
        for prop, spec in component.get("properties", {}).items()
        if spec.get("type") == "integer"
        and not spec.get("readOnly")
        and ("maximum" not in spec or "minimum" not in spec)
    ]
    # Related ids are looked up by Django, which answers "Invalid pk" for any integer (below).
    assert sorted(unbounded) == sorted(
        f"{prefix}{name}Request.user" for prefix in ("", "Patched") for name in RELATED_USER
    )


RELATED_USER = {"Faculty": "/api/faculty/", "Student": "/api/students/"}


@pytest.mark.parametrize("url", RELATED_USER.values())
@pytest.mark.parametrize("user", [10**23, 1e23, -(10**23)])
def test_a_huge_related_id_in_a_body_is_a_400(admin_client, url, user):
    response = admin_client.post(url, {"user": user}, format="json")
    assert response.status_code == 400 and "user" in response.json()


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/timeslots/", {"day": 0, "period": 1_000_000_000}, "period"),
        ("/api/timeslots/", {"day": 0, "period": limits.MAX_PERIODS_PER_DAY + 1}, "period"),
        ("/api/rooms/", {"code": "R1", "capacity": 10**9, "kind": "lecture"}, "capacity"),
        ("/api/batches/", {"code": "B1", "name": "B", "semester": 99, "size": 30}, "semester"),
        ("/api/batches/", {"code": "B1", "name": "B", "semester": 3, "size": 10**6}, "size"),
        (
            "/api/subjects/",
            {"code": "S1", "name": "S", "sessions_per_week": 51},
            "sessions_per_week",
        ),
        (
            "/api/subjects/",
            {"code": "S1", "name": "S", "periods_per_session": 13},
            "periods_per_session",
        ),
        ("/api/subjects/", {"code": "S1", "name": "S", "min_days": 8}, "min_days"),
        ("/api/faculty/", {"employee_id": "F1", "max_hours_per_week": 169}, "max_hours_per_week"),
        ("/api/faculty/", {"employee_id": "F1", "max_hours_per_day": 25}, "max_hours_per_day"),
        ("/api/faculty-unavailability/", {"day": 0, "period": 49}, "period"),
    ],
)
def test_numbers_beyond_the_domain_are_refused_by_the_api(admin_client, url, body, field):
    response = admin_client.post(url, body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_huge_value_is_not_echoed_back_in_full(admin_client):
    value = "x" * 100_000
    response = admin_client.post(
        "/api/faculty/",
        {"employee_id": "F1", "name": "N", "department": value},
        format="json",
    )
    assert response.status_code == 400
    assert len(response.content) < 2 * ECHO_LIMIT
    assert response.json()["department"][0].endswith("…")


def test_a_number_too_large_for_the_database_is_a_400_wherever_it_comes_from():
    response = api_exception_handler(OverflowError("int too large"), {})
    assert response is not None and response.status_code == 400
    assert "too large" in response.data["detail"]


# --- codes -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", ["A/B", "A B", "../x", "-A", "A?b", "Ä1", ""])
def test_codes_a_url_cannot_carry_are_refused_by_the_api(admin_client, code):
    department = factories.DepartmentFactory()
    response = admin_client.post(
        "/api/batches/",
        {"code": code, "name": "B", "department": department.code, "semester": 3, "size": 30},
        format="json",
    )
    assert response.status_code == 400 and "code" in response.json()


@pytest.mark.parametrize(
    "code", ["CSE-3A", "F001", "a.b_c-d", "9", "A/B", "A B", "-A", ".x", "A?b", "Ä1", "A%2FB"]
)
def test_the_page_urls_accept_exactly_the_codes_the_validator_accepts(code):
    from django.core.exceptions import ValidationError
    from django.urls import NoReverseMatch, Resolver404, resolve, reverse

    try:
        limits.code_validator(code)
        valid = True
    except ValidationError:
        valid = False
    for kind in ("batch", "faculty", "room"):
        try:
            url = reverse(f"timetable-{kind}", kwargs={"key": code})
            routed = resolve(url).kwargs["key"] == code
        except (NoReverseMatch, Resolver404):
            routed = False
        assert routed is valid, (kind, code)


def test_every_valid_code_has_a_page_and_the_index_links_it(client, admin_user):
    batch = factories.BatchFactory(code="CSE-3A.x_1")
    client.force_login(admin_user)
    index = client.get("/timetable/")
    assert index.status_code == 200
    assert "/timetable/batch/CSE-3A.x_1/" in index.content.decode()
    assert client.get(f"/timetable/batch/{batch.code}/").status_code == 200
    assert client.get(f"/timetable/batch/{batch.code}.csv").status_code == 200


# --- refused deletes ---------------------------------------------------------------------


def test_a_refused_delete_names_no_one(admin_client, caplog):
    batch = factories.BatchFactory()
    students = factories.StudentFactory.create_batch(3, batch=batch)
    with caplog.at_level(logging.WARNING):
        response = admin_client.delete(f"/api/batches/{batch.pk}/")
    assert response.status_code == 409
    assert "3 students" in response.json()["detail"]
    text = caplog.text + response.content.decode()
    for student in students:
        assert student.roll_number not in text
        assert student.name not in text
    assert "still referenced by 3 students" in caplog.text


# --- request bodies ----------------------------------------------------------------------


def test_a_json_body_over_the_limit_is_refused_unread(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = {"code": "D1", "name": "x" * 2_000}
    response = admin_client.post("/api/departments/", body, format="json")
    assert response.status_code == 400 and response.json() == {"detail": "Bad request."}


def test_a_multipart_body_over_the_limit_is_a_413_on_any_endpoint(admin_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    body = {"code": "D1", "name": "x" * 2_000}
    response = admin_client.post("/api/departments/", body, format="multipart")
    assert response.status_code == 413
    assert "at most 1,000 bytes" in response.json()["detail"]


def test_json_nested_too_deeply_is_a_400(admin_client):
    body = "[" * 100_000 + "]" * 100_000
    response = admin_client.post("/api/departments/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


# --- admin search ------------------------------------------------------------------------

SEARCHABLE_ADMINS = sorted(
    (model._meta.app_label, model._meta.model_name)
    for model, model_admin in admin.site._registry.items()
    if model_admin.search_fields and model._meta.app_label in {"academics", "timetabling"}
)


def test_the_admins_with_a_search_are_found():
    assert ("academics", "room") in SEARCHABLE_ADMINS
    assert ("academics", "user") in SEARCHABLE_ADMINS
    assert ("timetabling", "attendance") in SEARCHABLE_ADMINS


@pytest.mark.parametrize(("app", "model"), SEARCHABLE_ADMINS)
def test_a_long_admin_search_shows_an_error_not_a_500(client, app, model):
    superuser = factories.UserFactory(
        role="admin", username="root", is_staff=True, is_superuser=True
    )
    client.force_login(superuser)
    response = client.get(f"/admin/{app}/{model}/", {"q": " ".join(["a"] * 1200)})
    assert response.status_code == 200
    assert "Search with at most" in response.content.decode()
    assert client.get(f"/admin/{app}/{model}/", {"q": "a b"}).status_code == 200


def test_a_value_the_database_refuses_is_a_400_not_a_500():
    from django.db import DataError

    response = api_exception_handler(DataError("integer out of range"), {})
    assert response is not None and response.status_code == 400
