"""Sentry that operations can afford and act on: tracing by kind of work, errors-only mode
without per-request transactions, the ``error.type`` tag that alerts and ownership route
on, and the circuit breaker of the transport (public SDK surface only)."""

from __future__ import annotations

import time

import pytest
import sentry_sdk

from sih28 import sentry as s
from sih28.sentry_errors import error_type
from sih28.sentry_sampling import TraceRates, make_traces_sampler
from tests import factories
from tests.observability.conftest import (
    FAKE_DSN,
    dead_dsn,
    sentry_off,
    wsgi_request,
)


def _auth() -> dict[str, str]:
    from knox.models import AuthToken

    user = factories.UserFactory(role="admin")
    return {"Authorization": f"Token {AuthToken.objects.create(user=user)[1]}"}


RATES = TraceRates(generation=1.0, writes=0.3, reads=0.01, other=0.5)


def _request(method: str, path: str, parent: bool | None = None) -> dict:
    return {
        "wsgi_environ": {"REQUEST_METHOD": method, "PATH_INFO": path},
        "transaction_context": {"name": "generic WSGI request", "op": "http.server"},
        "parent_sampled": parent,
    }


def _work(name: str, op: str, parent: bool | None = None) -> dict:
    return {"transaction_context": {"name": name, "op": op}, "parent_sampled": parent}


@pytest.mark.parametrize(
    ("context", "rate"),
    [
        (_request("POST", "/api/generation-jobs/"), 1.0),
        (_request("POST", "/api/generation-jobs/7/cancel/"), 1.0),
        (_request("POST", "/api/imports/"), 1.0),
        (_request("GET", "/api/generation-jobs/7/"), 0.01),  # polling a job is a read
        (_request("GET", "/api/faculty/"), 0.01),
        (_request("PATCH", "/api/faculty/3/"), 0.3),
        (_request("DELETE", "/api/rooms/3/"), 0.3),
        (_request("GET", "/healthz"), 0.0),
        (_request("GET", "/healthz", parent=True), 0.0),
        (_work("timetabling.tasks.generate_timetable_task", "queue.task.celery"), 1.0),
        (_work("Generate Timetable", "timetable.generate"), 1.0),
        (_work("import_csv", "data.import"), 1.0),
        (_work("timetabling.tasks.mark_stale_jobs_task", "queue.task.celery"), 0.5),
        (_work("sentry_check", "command"), 0.5),
        # a parent's decision is kept, whatever the kind of work
        (_request("GET", "/api/faculty/", parent=True), 1.0),
        (_work("timetabling.tasks.generate_timetable_task", "queue.task.celery", False), 0.0),
    ],
)
def test_traces_sampler_by_kind_of_work(context, rate):
    assert make_traces_sampler(RATES)(context) == rate


def test_settings_pass_the_rates_from_the_environment(monkeypatch):
    import subprocess
    import sys

    from tests.observability.conftest import ROOT

    code = (
        "import django; django.setup(); import sentry_sdk\n"
        "sampler = sentry_sdk.get_client().options['traces_sampler']\n"
        "env = lambda m, p: {'wsgi_environ': {'REQUEST_METHOD': m, 'PATH_INFO': p}}\n"
        "print(sampler(env('GET', '/api/x/')), sampler(env('POST', '/api/x/')),"
        " sampler(env('POST', '/api/imports/')),"
        " sampler({'transaction_context': {'name': 'x', 'op': 'command'}}))\n"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "test-only-secret-key-not-for-production-0123456789abcdef",
        "DJANGO_SETTINGS_MODULE": "sih28.settings",
        "ENV_FILE": "",
        "SENTRY_DSN": FAKE_DSN,
        "SENTRY_RELEASE": "sih28@t",
        "SENTRY_TRACES_SAMPLE_RATE": "0.4",
        "SENTRY_TRACES_READ_RATE": "0.05",
        "SENTRY_TRACES_WRITE_RATE": "0.3",
        "SENTRY_TRACES_GENERATION_RATE": "0.9",
    }
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert out.stdout.split() == ["0.05", "0.3", "0.9", "0.4"]


@pytest.mark.django_db
def test_errors_only_reports_request_errors_without_a_transaction(errors_only):
    """Errors-only mode starts no transaction per request, yet an error still names its
    route, carries the request and is tagged for routing."""
    factories.StudentFactory()
    status, _, _ = wsgi_request(
        "POST", "/api/_boom/", body=b'{"password": "pw-1"}', headers=_auth()
    )
    assert status == 500
    ok, _, _ = wsgi_request("GET", "/healthz")
    assert ok == 200
    sentry_sdk.flush()
    assert errors_only.transactions == []
    [error] = [e for e in errors_only.events if e.get("exception")]
    assert error["exception"]["values"][-1]["type"] == "BoomError"
    assert error["transaction"] == "/api/_boom/"
    assert error["request"]["method"] == "POST"
    assert error["tags"]["error.type"] == "api"
    assert "pw-1" not in errors_only.raw()


@pytest.mark.django_db
def test_database_errors_are_tagged_database(sentry, settings):
    settings.ROOT_URLCONF = "tests.observability.urls"
    status, _, _ = wsgi_request("GET", "/api/_boom_db/", headers=_auth())
    assert status == 500
    sentry_sdk.flush()
    [error] = [e for e in sentry.events if e.get("exception")]
    assert error["tags"]["error.type"] == "database"


def test_error_type_of_authentication_optimizer_and_other_failures(sentry):
    from rest_framework.exceptions import AuthenticationFailed

    from timetabling.optimizer.domain import prepare

    def optimizer_failure() -> None:
        prepare(None)  # type: ignore[arg-type]  # fails inside the optimizer

    for raise_it in [
        lambda: (_ for _ in ()).throw(AuthenticationFailed("bad token")),
        optimizer_failure,
        lambda: (_ for _ in ()).throw(ValueError("plain")),
    ]:
        try:
            raise_it()
        except Exception as exc:  # noqa: BLE001 - reported, as the app would
            sentry_sdk.capture_exception(exc)
    sentry_sdk.capture_message("just a message", level="error")
    sentry_sdk.flush()
    tags = [e["tags"]["error.type"] for e in sentry.events]
    assert tags == ["authentication", "optimizer", "other", "other"]


def test_error_type_follows_the_cause_chain():
    from django.db import IntegrityError

    try:
        try:
            raise IntegrityError("duplicate key")
        except IntegrityError as inner:
            raise RuntimeError("saving failed") from inner
    except RuntimeError as exc:
        assert error_type(exc) == "database"
    assert error_type(None) == "other"
    assert error_type(KeyError("x"), transaction="/api/faculty/") == "api"


def test_a_dead_sentry_does_not_slow_requests_and_recovers_its_pace():
    """Nothing listens at the DSN: the first failed send pauses all sending (5 s, doubling
    while the outage lasts), capture calls return at once, and nothing is queued."""
    s.init_sentry(
        dsn=dead_dsn(),
        environment="test",
        release=None,
        traces_sample_rate=1.0,
        profiles_sample_rate=0.0,
    )
    try:
        transport = sentry_sdk.get_client().transport
        assert isinstance(transport, s.ResilientTransport)
        sentry_sdk.capture_message("first, fails to send")
        sentry_sdk.flush(timeout=5)
        assert transport.is_down
        first_pause = transport._down_until - time.monotonic()
        assert 3 < first_pause <= s.ResilientTransport.BACKOFF_MIN_S
        started = time.perf_counter()
        for i in range(20):
            sentry_sdk.capture_message(f"dropped at once {i}")
        assert time.perf_counter() - started < 1.0
        assert transport.is_healthy() or transport.is_down
        # The outage goes on when the pause ends: the next pause is twice as long.
        transport._down_until = time.monotonic() - 0.1
        transport.on_dropped_event("network")
        assert transport._down_until - time.monotonic() > s.ResilientTransport.BACKOFF_MIN_S
    finally:
        sentry_off()
