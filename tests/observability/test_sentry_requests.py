"""Requests bound to Sentry without the SDK's Django integration (``sih28.sentry_requests``,
``sih28.sentry_db``): errors keep the user, role, url, route and error type; each request
has a trace of its own; SQL spans only in sampled work."""

from __future__ import annotations

import json

import pytest
import sentry_sdk

from sih28 import scrubbing, sentry_requests
from sih28 import sentry as s
from sih28.sentry_sampling import TraceRates
from tests import factories
from tests.observability.conftest import FAKE_DSN, RecordingTransport, sentry_off, wsgi_request

PASSWORD = "pass-word-77-secret"


def _token(role: str = "admin") -> tuple[object, str]:
    from knox.models import AuthToken

    user = factories.UserFactory(role=role, email=f"{role}-x@example.edu")
    return user, AuthToken.objects.create(user=user)[1]


@pytest.mark.parametrize(
    ("route", "name"),
    [
        ("api/faculty/$", "/api/faculty/"),
        ("api/faculty/(?P<pk>[^/.]+)/$", "/api/faculty/{pk}/"),
        ("api/generation-jobs/(?P<pk>[^/.]+)/cancel/$", "/api/generation-jobs/{pk}/cancel/"),
        ("api/x/(?P<a>(?:ab|cd)+)/(?P<b>\\d+)/$", "/api/x/{a}/{b}/"),
        ("office/jobs/<int:pk>/review/", "/office/jobs/{pk}/review/"),
        ("timetable/<slug>/", "/timetable/{slug}/"),
        ("healthz", "/healthz"),
    ],
)
def test_route_name_is_the_url_pattern(route, name):
    assert sentry_requests.route_name(route) == name


@pytest.mark.django_db
def test_errors_only_error_carries_user_role_url_route_and_body_scrubbed(errors_only):
    """No Django integration, yet the error is as useful: user id and role, the request
    (url, method, headers, body) scrubbed, the route as transaction, error.type, unhandled."""
    assert sentry_requests.is_active()
    assert sentry_sdk.get_client().get_integration("django") is None
    user, token = _token("staff")
    body = json.dumps({"password": PASSWORD, "email": "meera.k@example.edu", "note": "kept"})
    status, _, _ = wsgi_request(
        "POST",
        f"/api/_boom/?api_key={PASSWORD}&page=2",
        body=body.encode(),
        headers={"Authorization": f"Token {token}", "Cookie": f"sessionid={PASSWORD}"},
    )
    assert status == 500
    sentry_sdk.flush()
    assert errors_only.transactions == []
    [error] = [e for e in errors_only.events if e.get("exception")]
    assert error["exception"]["values"][-1]["type"] == "BoomError"
    assert error["exception"]["values"][-1]["mechanism"]["handled"] is False
    assert error["user"] == {"id": str(user.pk), "role": "staff"}
    assert error["tags"]["user.role"] == "staff"
    assert error["tags"]["error.type"] == "api"
    assert error["transaction"] == "/api/_boom/"
    request = error["request"]
    assert request["url"] == "http://testserver/api/_boom/"
    assert request["method"] == "POST"
    assert "page=2" in request["query_string"]
    assert request["headers"]["Authorization"] == scrubbing.FILTERED
    assert request["data"]["note"] == "kept"
    raw = errors_only.raw()
    for secret in (PASSWORD, token, "meera.k@example.edu", "staff-x@example.edu"):
        assert secret not in raw


@pytest.mark.django_db
def test_each_request_has_its_own_scope_and_trace(errors_only):
    """The user of a request stays in it, and errors of two requests are two traces (an
    incoming sentry-trace header is continued)."""
    _, admin = _token("admin")
    _, staff = _token("staff")
    incoming = "771a43a4192642f0b136d5159a501700-1234567890abcdef-1"
    sentry_sdk.set_user({"id": "outside"})
    sentry_sdk.get_isolation_scope().remove_tag("user.role")
    for token, headers in ((admin, {}), (staff, {}), (staff, {"Sentry-Trace": incoming})):
        headers["Authorization"] = f"Token {token}"
        assert wsgi_request("POST", "/api/_boom/", headers=headers)[0] == 500
    sentry_sdk.capture_message("outside any request")
    sentry_sdk.flush()
    first, second, continued = [e for e in errors_only.events if e.get("exception")]
    [outside] = [e for e in errors_only.events if not e.get("exception")]
    assert (first["user"]["role"], second["user"]["role"]) == ("admin", "staff")
    assert outside["user"] == {"id": "outside"} and "user.role" not in outside.get("tags", {})
    assert first["tags"]["error.type"] == "api"
    traces = [e["contexts"]["trace"]["trace_id"] for e in (first, second, continued)]
    assert traces[0] != traces[1]
    assert traces[2] == incoming.split("-")[0]


@pytest.mark.django_db
def test_sql_spans_only_in_sampled_work(settings):
    """Traced: the request's transaction has a db span per query (SQL text with
    placeholders, never the values); an unsampled request builds none."""
    settings.SENTRY_DSN = FAKE_DSN
    factories.FacultyFactory(name="Asha Raghunathan")
    _, token = _token()
    for reads, expected in ((1.0, True), (0.0, False)):
        s.init_sentry(
            dsn=FAKE_DSN,
            environment="test",
            release="sih28@test",
            traces_sample_rate=1.0,
            trace_rates=TraceRates(reads=reads),
            profiles_sample_rate=0.0,
            transport=RecordingTransport,
        )
        transport = sentry_sdk.get_client().transport
        try:
            status, _, _ = wsgi_request(
                "GET", "/api/faculty/?search=Asha", headers={"Authorization": f"Token {token}"}
            )
            assert status == 200
            sentry_sdk.flush()
            if not expected:
                assert transport.transactions == []
                continue
            [txn] = transport.transactions
            assert txn["transaction"] == "/api/faculty/"
            assert txn["contexts"]["trace"]["status"] == "ok"
            db = [sp for sp in txn["spans"] if sp["op"] == "db"]
            assert db and all(sp["data"]["db.system"] for sp in db)
            assert any("academics_faculty" in sp["description"] for sp in db)
            assert not [sp for sp in db if "Asha" in json.dumps(sp)]  # no parameters
        finally:
            sentry_off()
