"""The master-data API as clients see it: auth, roles, validation, pagination, errors."""

from __future__ import annotations

import pytest
from django.test import override_settings

from academics.models import Department, Room
from tests import factories

pytestmark = pytest.mark.django_db


def test_anonymous_requests_get_401(api_client):
    response = api_client.get("/api/departments/")
    assert response.status_code == 401
    assert response.json()["detail"]


def test_token_login_and_use(api_client):
    factories.UserFactory(username="ops", role="staff")
    response = api_client.post(
        "/api/auth/token/", {"username": "ops", "password": "pass-word-123"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/departments/").status_code == 200


def test_wrong_password_is_400_json(api_client):
    factories.UserFactory(username="ops")
    response = api_client.post(
        "/api/auth/token/", {"username": "ops", "password": "nope"}, format="json"
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()


def test_token_endpoint_is_rate_limited(api_client, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # Mid-window, so the fixed window cannot roll over between the 15 requests.
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 60 * 29_000_000 + 30.0))
    factories.UserFactory(username="ops")
    codes = [
        api_client.post(
            "/api/auth/token/", {"username": "ops", "password": f"guess{i}"}, format="json"
        ).status_code
        for i in range(15)
    ]
    assert codes[0] == 400
    assert codes[-1] == 429


def test_admin_creates_and_updates_master_data(admin_client):
    response = admin_client.post(
        "/api/departments/", {"code": "CSE", "name": "Computing"}, format="json"
    )
    assert response.status_code == 201, response.content
    response = admin_client.post(
        "/api/rooms/", {"code": "L1", "capacity": 60, "kind": "lab"}, format="json"
    )
    assert response.status_code == 201
    response = admin_client.post(
        "/api/batches/",
        {"code": "CSE-3A", "name": "CSE 3A", "department": "CSE", "semester": 3, "size": 60},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["department"] == "CSE"
    response = admin_client.patch(
        f"/api/rooms/{Room.objects.get().pk}/", {"capacity": 80}, format="json"
    )
    assert response.status_code == 200
    assert Room.objects.get().capacity == 80


@pytest.mark.parametrize("role_client", ["faculty_client", "student_client"])
def test_faculty_and_students_cannot_write_master_data(role_client, request):
    client = request.getfixturevalue(role_client)
    response = client.post("/api/departments/", {"code": "X", "name": "X"}, format="json")
    assert response.status_code == 403
    assert not Department.objects.exists()
    assert client.get("/api/departments/").status_code == 200


def test_students_see_only_themselves(student_client, student_user, staff_client):
    me = factories.StudentFactory(user=student_user)
    factories.StudentFactory.create_batch(3)
    rows = student_client.get("/api/students/").json()["results"]
    assert [r["roll_number"] for r in rows] == [me.roll_number]
    assert staff_client.get("/api/students/").json()["count"] == 4


@pytest.mark.parametrize(
    ("url", "payload", "field"),
    [
        ("/api/rooms/", {"code": "R", "capacity": "many", "kind": "lecture"}, "capacity"),
        ("/api/rooms/", {"code": "R", "capacity": 0, "kind": "lecture"}, "capacity"),
        ("/api/rooms/", {"code": "R", "capacity": 10, "kind": "garage"}, "kind"),
        (
            "/api/batches/",
            {"code": "B", "name": "B", "department": "NOPE", "semester": 1, "size": 5},
            "department",
        ),
        (
            "/api/timeslots/",
            {"day": 0, "period": 1, "start_time": "10:00", "end_time": "09:00"},
            "end_time",
        ),
        (
            "/api/subjects/",
            {
                "code": "S",
                "name": "S",
                "department": "NOPE",
                "kind": "theory",
                "sessions_per_week": 2,
            },
            "department",
        ),
    ],
)
def test_bad_input_names_the_field(admin_client, url, payload, field):
    response = admin_client.post(url, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_malformed_json_is_400(admin_client):
    response = admin_client.generic(
        "POST", "/api/departments/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert "JSON" in response.json()["detail"]


def test_page_out_of_range_is_404_json(admin_client):
    factories.DepartmentFactory()
    response = admin_client.get("/api/departments/?page=99")
    assert response.status_code == 404
    assert response.json()["detail"]


def test_invalid_filter_value_is_400(admin_client):
    assert admin_client.get("/api/rooms/?kind=garage").status_code == 400
    assert admin_client.get("/api/timetable-slots/?batch=abc").status_code == 400
    assert admin_client.get("/api/attendance/?date=yesterday").status_code == 400


def test_filters_narrow_the_list(admin_client):
    cse = factories.DepartmentFactory(code="CSE")
    factories.BatchFactory(department=cse, semester=3)
    factories.BatchFactory(department=cse, semester=5)
    factories.BatchFactory(semester=3)
    assert admin_client.get("/api/batches/?department=CSE").json()["count"] == 2
    assert admin_client.get("/api/batches/?department=CSE&semester=3").json()["count"] == 1


def test_deleting_referenced_rows_is_409(admin_client):
    batch = factories.BatchFactory()
    response = admin_client.delete(f"/api/departments/{batch.department_id}/")
    assert response.status_code == 409
    assert response.json()["detail"]


def test_unknown_api_path_is_json_404(admin_client):
    response = admin_client.get("/api/nothing-here/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@override_settings(DEBUG=False)
def test_server_errors_are_json_without_a_trace(admin_client, monkeypatch):
    from academics import api

    def boom(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api.DepartmentViewSet, "list", boom)
    admin_client.raise_request_exception = False
    response = admin_client.get("/api/departments/")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal server error."}


def test_openapi_schema_and_docs(admin_client):
    schema = admin_client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert set(schema.json()["components"]["securitySchemes"]) == {"tokenAuth", "cookieAuth"}
    paths = schema.json()["paths"]
    for path in [
        "/api/faculty/",
        "/api/students/",
        "/api/attendance/",
        "/api/timetable-slots/",
        "/api/generation-jobs/",
        "/api/faculty/workload/",
    ]:
        assert path in paths
    assert admin_client.get("/api/docs/").status_code == 200


def test_user_throttle_refuses_beyond_its_rate(admin_client, monkeypatch):
    from sih28.throttling import UserThrottle

    monkeypatch.setattr(UserThrottle, "THROTTLE_RATES", {"user": "3/minute", "anon": None})
    codes = [admin_client.get("/api/departments/").status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    response = admin_client.get("/api/departments/")
    assert 0 < int(response["Retry-After"]) <= 60
    assert response.json()["detail"]


def test_throttle_keys_name_no_client_address(api_client, admin_client, admin_user, monkeypatch):
    """Cache keys reach traces (Redis span descriptions): no IP address or user id in them."""
    from django.core.cache import cache

    keys = []
    for name in ("get", "set"):
        real = getattr(cache, name)
        monkeypatch.setattr(
            cache, name, lambda key, *a, _real=real, **k: keys.append(key) or _real(key, *a, **k)
        )
    api_client.post(
        "/api/auth/token/",
        {"username": "x", "password": "y"},
        format="json",
        REMOTE_ADDR="203.0.113.77",
    )
    admin_client.get("/api/departments/")
    throttle_keys = [k for k in keys if k.startswith("throttle")]
    assert len({k for k in throttle_keys}) == 2  # the auth scope and the user
    assert not [k for k in throttle_keys if "203.0.113" in k or f"_{admin_user.pk}" in k]


def test_schema_generates_without_warnings():
    import io

    from django.core.management import call_command

    err = io.StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=io.StringIO(), stderr=err)
    assert "Warning" not in err.getvalue()
