"""Sentry in one process, with the REAL SDK and a recording transport: what is sent for API
requests, errors, commands, imports and generation jobs, and that nothing secret or
personal is in it."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import warnings

import pytest
import sentry_sdk
from django.core.management import CommandError, call_command
from knox.models import AuthToken

from sih28 import scrubbing, sentry_requests
from sih28 import sentry as s
from tests import factories
from tests.observability.conftest import FAKE_DSN, ROOT, dead_dsn, sentry_off, wsgi_request

pytestmark = pytest.mark.django_db

PASSWORD = "pass-word-123-secret"
COOKIE = "cookie-secret-value-42"


def _token_for(user) -> str:
    return AuthToken.objects.create(user=user)[1]


def _assert_absent(raw: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret, "empty secret in the test itself"
        assert secret not in raw, f"{secret!r} reached Sentry"


# --- initialisation ---------------------------------------------------------------------


def test_no_dsn_means_off_and_nothing_loaded():
    """A process without a DSN: the client is the non-recording one and no integration is
    even imported (no patches, no cost)."""
    code = (
        "import sys, django; django.setup(); import sentry_sdk; "
        "from sih28.sentry import init_sentry; "
        "print(sentry_sdk.get_client().is_active(), "
        "'sentry_sdk.integrations.django' in sys.modules, "
        "init_sentry(dsn='', environment='x', release=None, traces_sample_rate=1.0, "
        "profiles_sample_rate=0.0), sentry_sdk.get_client().is_active())"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "test-only-secret-key-not-for-production-0123456789abcdef",
        "SENTRY_DSN": "",
        "DJANGO_SETTINGS_MODULE": "sih28.settings",
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
    assert out.stdout.split() == ["False", "False", "False", "False"]
    assert not sentry_sdk.get_client().is_active()


def test_init_options_from_settings_without_deprecation_warnings(settings):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert s.init_sentry(
            dsn=FAKE_DSN,
            environment="staging",
            release="sih28@abc123",
            traces_sample_rate=0.25,
            profiles_sample_rate=0.5,
            transport=_NullTransport,
        )
    try:
        from_sdk = [
            w
            for w in caught
            if "sentry_sdk" in (w.filename or "") or "sentry" in str(w.message).lower()
        ]
        assert not [w for w in from_sdk if issubclass(w.category, DeprecationWarning)], [
            str(w.message) for w in from_sdk
        ]
        client = sentry_sdk.get_client()
        assert client.is_active()
        opts = client.options
        assert opts["environment"] == "staging"
        assert opts["release"] == "sih28@abc123"
        assert not client.should_send_default_pii()
        assert opts["data_collection"]["user_info"] is False
        assert opts["profile_session_sample_rate"] == 0.5
        assert opts["profile_lifecycle"] == "trace"
        scrubber = opts["event_scrubber"]
        assert scrubber.recursive
        for key in [
            "password",
            "token",
            "authorization",
            "cookie",
            "api_key",
            "email",
            "first_name",
            "last_name",
            "full_name",
            "name",
            "phone",
            "dsn",
        ]:
            assert key in scrubber.denylist, key
        names = {type(i).__name__: i for i in client.integrations.values()}
        assert names["CeleryIntegration"].propagate_traces is True
        assert names["CeleryIntegration"].monitor_beat_tasks is True
        # measured too dear per request: requests are bound by sih28.sentry_requests
        assert "RedisIntegration" not in names
        assert "DjangoIntegration" not in names
        assert sentry_requests.is_active() and sentry_requests._State.tracing
        assert opts["auto_enabling_integrations"] is False
        logging_integration = names["LoggingIntegration"]
        assert logging_integration._breadcrumb_handler.level == logging.INFO
        assert logging_integration._handler.level == logging.ERROR
        assert logging_integration._sentry_logs_handler is None
        sampler = opts["traces_sampler"]
        assert sampler({"wsgi_environ": {"PATH_INFO": "/healthz"}, "parent_sampled": None}) == 0
        assert sampler({"wsgi_environ": {"PATH_INFO": "/healthz"}, "parent_sampled": True}) == 0
        assert sampler({"wsgi_environ": {"PATH_INFO": "/api/x/"}, "parent_sampled": None}) == 0.25
        assert sampler({"parent_sampled": True}) == 1.0
        assert sampler({"parent_sampled": False}) == 0.0
    finally:
        sentry_off()


def test_errors_only_mode_leaves_tracing_off():
    from sih28.sentry import init_sentry

    try:
        init_sentry(
            dsn="http://public@127.0.0.1:9/1",
            environment="e",
            release=None,
            traces_sample_rate=0.0,
            profiles_sample_rate=0.0,
        )
        client = sentry_sdk.get_client()
        assert client.is_active()
        assert client.options["traces_sampler"] is None
        assert not sentry_sdk.tracing_utils.has_tracing_enabled(client.options)
    finally:
        sentry_off()


class _NullTransport(sentry_sdk.transport.Transport):
    def capture_envelope(self, envelope) -> None:
        pass


# --- requests -----------------------------------------------------------------------------


def test_token_authenticated_list_call(sentry, request_log):
    user = factories.UserFactory(username="ops-lead", role="staff", email="ops@example.edu")
    teacher = factories.FacultyFactory(
        name="Asha Raghunathan", email="asha.r@example.edu", employee_id="EMP77"
    )
    token = _token_for(user)
    status, headers, body = wsgi_request(
        "GET",
        f"/api/faculty/?search=Asha&token={token}",
        headers={
            "Authorization": f"Token {token}",
            "Cookie": f"sessionid={COOKIE}",
            "X-Request-ID": "req-list-1",
        },
    )
    assert status == 200, body
    assert teacher.name in body.decode()  # the API answered with the data ...
    sentry_sdk.flush()
    [txn] = sentry.transactions
    assert txn["transaction"] == "/api/faculty/"
    assert txn["contexts"]["trace"]["op"] == "http.server"
    assert str(txn["transaction_info"]["source"]) in ("route", "TransactionSource.ROUTE")
    assert txn["user"] == {"id": str(user.pk), "role": "staff"}
    assert txn["tags"]["user.role"] == "staff"
    assert any(sp["op"] == "db" for sp in txn["spans"])
    assert txn["request"]["headers"].get("Authorization") in (None, scrubbing.FILTERED)
    # ... but none of it, nor a credential, went to Sentry.
    _assert_absent(
        sentry.raw(),
        token,
        COOKIE,
        "ops-lead",
        "ops@example.edu",
        "Asha Raghunathan",
        "asha.r@example.edu",
        "203.0.113.7",
    )
    # The request log line carries this transaction's trace id.
    [line] = [r for r in request_log if "req-list-1" in r]
    assert f"trace_id={txn['contexts']['trace']['trace_id']}" in line


def test_view_error_is_reported_with_user_and_scrubbed_request(sentry, settings):
    settings.ROOT_URLCONF = "tests.observability.urls"
    user = factories.UserFactory(username="admin-x", role="admin", email="admin-x@example.edu")
    student = factories.StudentFactory(
        name="Meera Krishnan", email="meera.k@example.edu", roll_number="CS21R042"
    )
    token = _token_for(user)
    body = json.dumps(
        {
            "password": PASSWORD,
            "first_name": "Meera",
            "last_name": "Krishnan",
            "full_name": student.name,
            "email": student.email,
            "phone": "+91 98450 12345",
            "note": "call 9845012345",
        }
    ).encode()
    status, _, content = wsgi_request(
        "POST",
        f"/api/_boom/?password={PASSWORD}&api_key=k-{PASSWORD}",
        body=body,
        headers={"Authorization": f"Token {token}", "Cookie": f"csrftoken={COOKIE}"},
    )
    assert status == 500
    assert json.loads(content) == {"detail": "Internal server error."}
    sentry_sdk.flush()
    [error] = [e for e in sentry.events if e.get("exception")]
    assert error["exception"]["values"][-1]["type"] == "BoomError"
    assert error["user"] == {"id": str(user.pk), "role": "admin"}
    assert error["tags"]["user.role"] == "admin"
    assert error["transaction"] == "/api/_boom/"
    assert error["request"]["method"] == "POST"
    frames = error["exception"]["values"][-1]["stacktrace"]["frames"]
    assert any(f.get("vars") for f in frames)  # local variables are sent, scrubbed
    [txn] = sentry.transactions
    assert txn["contexts"]["trace"]["status"] == "internal_error"
    assert txn["contexts"]["trace"]["trace_id"] == error["contexts"]["trace"]["trace_id"]
    _assert_absent(
        sentry.raw(),
        PASSWORD,
        token,
        COOKIE,
        "admin-x",
        "admin-x@example.edu",
        "Meera",
        "Krishnan",
        "meera.k@example.edu",
        "98450",
        "9845012345",
        "203.0.113.7",
    )


def test_health_checks_are_not_traced(sentry):
    status, _, _ = wsgi_request("GET", "/healthz")
    assert status == 200
    sentry_sdk.flush()
    assert sentry.transactions == []


def test_request_log_trace_id_when_off(request_log):
    assert not sentry_sdk.get_client().is_active()
    wsgi_request("GET", "/healthz", headers={"X-Request-ID": "req-off-1"})
    [line] = [r for r in request_log if "req-off-1" in r]
    trace_id = line.split("trace_id=")[1].split()[0]
    assert trace_id == "-" or len(trace_id) == 32


@pytest.fixture
def request_log():
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    handler = Capture()
    logger = logging.getLogger("sih28.requests")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


# --- scrubbing, unit ------------------------------------------------------------------------


def test_scrub_event_covers_every_place_user_input_lands():
    event = {
        "request": {
            "url": "http://u:pw-secret@testserver/api/x/",
            "query_string": "token=tok-secret-1&page=2&email=a%40b.cd",
            "headers": {
                "Authorization": "Token tok-secret-2",
                "Cookie": "sessionid=ck",
                "X-Api-Key": "k-secret",
                "Accept": "application/json",
            },
            "cookies": {"sessionid": "ck-secret"},
            "data": {
                "password": "pw-secret",
                "profile": {"first_name": "Ravi", "mobile": "9876543210"},
                "rows": [{"name": "Ravi Kumar", "roll_number": "R1"}],
                "page": 3,
            },
            "env": {"REMOTE_ADDR": "198.51.100.4", "SERVER_NAME": "testserver"},
        },
        "user": {"id": "7", "role": "staff", "email": "x@y.org", "username": "ravi"},
        "extra": {"api_key": "k-secret-3", "info": "Bearer abcdefghij-secret"},
        "logentry": {
            "message": "login for %s with password=%s",
            "params": ["ravi@example.org", "pw-secret-4"],
        },
        "message": "dsn=http://abc@host/1 and token: tok-secret-5",
        "breadcrumbs": {
            "values": [
                {
                    "message": "Authorization: Token tok-secret-6",
                    "data": {"http.query": "api_key=k-secret-7", "email": "ravi@example.org"},
                }
            ]
        },
        "exception": {
            "values": [
                {
                    "type": "ValueError",
                    "value": "bad email ravi@example.org",
                    "stacktrace": {
                        "frames": [
                            {
                                "vars": {
                                    "password": "'pw-secret-8'",
                                    "student": "<Student: Ravi Kumar (R1)>",
                                    "upload": "'roll_number,name\\nR1,Ravi Kumar\\nR2,Sita'",
                                    "count": 3,
                                }
                            }
                        ]
                    },
                }
            ]
        },
        "spans": [
            {"description": "GET /x?token=tok-secret-9", "data": {"rows": 5, "email": "s@x.io"}}
        ],
        "contexts": {"runtime": {"name": "CPython"}, "job": {"password": "pw-secret-10"}},
        "tags": {"feature": "import", "session_key": "sk-secret"},
    }
    scrubbed = json.dumps(scrubbing.scrub_event(event))
    for secret in [
        "pw-secret",
        "tok-secret",
        "k-secret",
        "ck-secret",
        "Ravi",
        "Sita",
        "ravi@example.org",
        "x@y.org",
        "a%40b.cd",
        "9876543210",
        "198.51.100.4",
        "abcdefghij-secret",
        "sk-secret",
        "abc@host",
    ]:
        assert secret not in scrubbed, secret
    assert event["request"]["data"]["page"] == 3
    assert event["spans"][0]["data"]["rows"] == 5
    assert event["contexts"]["runtime"]["name"] == "CPython"
    assert event["user"] == {"id": "7", "role": "staff"}
    assert event["tags"]["feature"] == "import"
    assert event["exception"]["values"][0]["stacktrace"]["frames"][0]["vars"]["count"] == 3


def test_infeasible_exceptions_group_by_scope():
    event = {
        "exception": {"values": [{"type": "InfeasibleTimetable", "value": "x"}]},
        "tags": {"scope": "semester 3"},
    }
    assert scrubbing.scrub_event(event)["fingerprint"] == ["timetable-infeasible", "semester 3"]


# --- commands -----------------------------------------------------------------------------


def test_sentry_check_without_dsn_fails_clearly(settings):
    settings.SENTRY_DSN = ""
    with pytest.raises(CommandError, match="SENTRY_DSN"):
        call_command("sentry_check")


def test_sentry_check_sends_a_message_and_an_exception(sentry, capsys):
    call_command("sentry_check", timeout=1)
    out = capsys.readouterr().out
    sentry_sdk.flush()
    events = sentry.events
    message = next(e for e in events if e.get("message", "").startswith("sentry_check"))
    error = next(e for e in events if e.get("exception"))
    assert message["event_id"] in out and error["event_id"] in out
    assert "http://127.0.0.1:9 (project 1)" in out
    assert "public" not in out  # the DSN's key is never printed
    assert message["tags"]["command"] == "sentry_check"
    assert error["exception"]["values"][0]["type"] == "SentryCheckError"
    [txn] = sentry.transactions
    assert txn["contexts"]["trace"]["op"] == "command"
    assert txn["transaction"] == "sentry_check"
    assert txn["tags"]["command"] == "sentry_check"


# --- services -------------------------------------------------------------------------------


def test_import_csv_is_one_transaction_without_personal_data(sentry, tmp_path):
    pytest.importorskip("imports.services", reason="the import service is not there yet")
    (tmp_path / "departments.csv").write_text("code,name\nCSE,Computer Science\n")
    (tmp_path / "batches.csv").write_text(
        "code,name,department,semester,size\nCSE-A,CSE A,CSE,3,60\n"
    )
    (tmp_path / "students.csv").write_text(
        "roll_number,name,email,batch\n"
        "CS23A001,Lakshmi Venkataraman,lakshmi.v@example.edu,CSE-A\n"
        "CS23A002,Arjun Subramaniam,arjun.s@example.edu,CSE-A\n"
    )
    call_command("import_csv", dir=str(tmp_path))
    from academics.models import Student

    assert Student.objects.count() == 2
    sentry_sdk.flush()
    [txn] = [t for t in sentry.transactions if t["contexts"]["trace"]["op"] == "data.import"]
    assert txn["transaction"] == "import_csv"
    assert txn["tags"]["command"] == "import_csv"
    assert txn["tags"]["import.origin"] == "import_csv"
    ops = [sp["op"] for sp in txn["spans"]]
    for op in ["data.parse", "data.validate", "db.bulk_create"]:
        assert op in ops, ops
    save = next(sp for sp in txn["spans"] if sp["op"] == "db.bulk_create")
    assert save["data"]["rows"] == 4
    [done] = [e for e in sentry.events if e.get("level") == "info"]
    assert done["message"] == "Import finished (import_csv): 4 created, 0 updated, 0 unchanged"
    assert done["tags"]["import.origin"] == "import_csv"
    _assert_absent(
        sentry.raw(),
        "Lakshmi",
        "Venkataraman",
        "lakshmi.v@example.edu",
        "Arjun",
        "Subramaniam",
        "arjun.s@example.edu",
    )


def test_api_upload_is_tagged_as_an_upload_not_as_import_csv(sentry, admin_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    csv_file = SimpleUploadedFile(
        "departments.csv", b"code,name\nCSE,Computer Science\n", content_type="text/csv"
    )
    response = admin_client.post("/api/imports/", {"departments": csv_file})
    assert response.status_code == 200, response.content
    sentry_sdk.flush()
    # The test client runs the middleware: the upload is a span of the request's transaction.
    [txn] = [t for t in sentry.transactions if t["contexts"]["trace"]["op"] == "http.server"]
    assert txn["transaction"] == "/api/imports/"
    [upload] = [sp for sp in txn["spans"] if sp["op"] == "data.import"]
    assert upload["description"] == "import.upload"
    assert upload["tags"]["import.origin"] == "import.upload"
    assert upload["tags"]["feature"] == "import"
    assert "command" not in upload["tags"]


def test_import_csv_validation_failure_reports_nothing_personal(sentry, tmp_path):
    pytest.importorskip("imports.services", reason="the import service is not there yet")
    (tmp_path / "students.csv").write_text(
        "roll_number,name,email,batch\nCS23A009,Kavya Iyer,kavya.i@example.edu,NOPE\n"
    )
    with pytest.raises(CommandError):
        call_command("import_csv", "students", str(tmp_path / "students.csv"))
    sentry_sdk.flush()
    assert not [e for e in sentry.events if e.get("exception")]  # a user error, not a bug
    [txn] = [t for t in sentry.transactions if t["contexts"]["trace"]["op"] == "data.import"]
    assert txn["contexts"]["trace"]["status"] != "ok"
    _assert_absent(sentry.raw(), "Kavya", "Iyer", "kavya.i@example.edu")


def _generation_run(user, **scope):
    from timetabling.generation import generation_job_create, generation_job_run

    job = generation_job_create(user=user, time_limit_s=10, enqueue=False, **scope)
    return generation_job_run(job_id=job.pk)


def test_generation_job_transaction_spans_tags_and_user(sentry):
    pytest.importorskip("timetabling.generation", reason="generation service not there yet")
    factories.small_institution(
        departments=1, batches_per_department=1, theory_per_department=2, labs=False, combined=False
    )
    factories.StudentFactory(
        name="Zoya Farooqui", email="zoya.f@example.edu", batch=factories.am.Batch.objects.first()
    )
    user = factories.UserFactory(username="gen-admin", role="admin", email="gen-admin@example.edu")
    job = _generation_run(user, semester=3)
    assert job.status == "COMPLETED", job.error
    sentry_sdk.flush()
    [txn] = [t for t in sentry.transactions if t["contexts"]["trace"]["op"] == "timetable.generate"]
    assert txn["transaction"] == "Generate Timetable"
    tags = txn["tags"]
    assert tags["job_id"] == str(job.pk)
    assert tags["semester"] == "3"
    assert tags["scope"] == job.scope_label
    assert tags["feature"]
    assert txn["user"] == {"id": str(user.pk), "role": "admin"}
    assert txn["contexts"]["timetable_params"]["time_limit_s"] == 10
    spans = {
        sp["description"]: sp
        for sp in txn["spans"]
        if sp["op"] in ("db", "optimize", "db.bulk_create")
    }
    assert spans["Fetch constraints"]["op"] == "db"
    assert spans["Fetch constraints"]["data"]["classes"] > 0
    optimize = spans["Optimize"]
    for key in ["variables", "sessions", "objective", "bound", "status"]:
        assert key in optimize["data"], key
    assert optimize["data"]["sessions"] > 0
    assert spans["Save timetable slots"]["op"] == "db.bulk_create"
    assert spans["Save timetable slots"]["data"]["rows"] > 0
    [info] = [e for e in sentry.events if e.get("level") == "info"]
    assert info["tags"]["job_id"] == str(job.pk)
    assert info["user"] == {"id": str(user.pk), "role": "admin"}
    _assert_absent(sentry.raw(), "gen-admin", "Zoya", "Farooqui", "zoya.f@example.edu")


def test_infeasible_generation_groups_by_cause(sentry):
    pytest.importorskip("timetabling.generation", reason="generation service not there yet")
    # Four theory subjects of 3 sessions for one batch but a 2x2 grid: cannot fit.
    factories.small_institution(
        departments=1,
        batches_per_department=1,
        theory_per_department=4,
        labs=False,
        combined=False,
        days=2,
        periods=2,
    )
    user = factories.UserFactory(username="gen-admin2", role="staff")
    job = _generation_run(user)
    assert job.status == "FAILED"
    sentry_sdk.flush()
    [failure] = [e for e in sentry.events if e.get("level") == "error"]
    from timetabling.generation.telemetry import infeasibility_cause

    assert failure["fingerprint"] == ["timetable-infeasible", infeasibility_cause(job.error)]
    assert failure["user"] == {"id": str(user.pk), "role": "staff"}
    assert failure["tags"]["job_id"] == str(job.pk)


def test_unreachable_server_trips_the_circuit_breaker():
    """With nothing listening at the DSN, the first failed send stops all sending for a
    while: later events are dropped at once instead of queued and retried."""
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
        queued = transport._worker._queue.qsize()
        sentry_sdk.capture_message("second, dropped at once")
        assert transport._worker._queue.qsize() == queued
    finally:
        sentry_off()


def test_transaction_or_span_opens_a_transaction_or_a_child_span(sentry):
    with s.transaction_or_span(op="work.outer", name="Outer", data={"rows": 3}) as outer:
        assert outer.containing_transaction is outer
        with s.transaction_or_span(op="work.inner", name="Inner", data={"rows": 2}) as inner:
            assert inner.containing_transaction is outer
    sentry_sdk.flush()
    [txn] = sentry.transactions
    assert (txn["transaction"], txn["contexts"]["trace"]["op"]) == ("Outer", "work.outer")
    assert txn["contexts"]["trace"]["data"]["rows"] == 3
    [child] = [sp for sp in txn["spans"] if sp["op"] == "work.inner"]
    assert child["description"] == "Inner" and child["data"]["rows"] == 2


def test_job_tags_carry_the_scope_label_they_are_given(sentry):
    class Job:
        pk, semester, params, time_limit_s, created_by = 7, 3, {}, 5, None

    with (
        s.job_scope_context(Job(), scope="semester 3 · CSE", feature="timetable"),
        s.transaction_or_span(op="timetable.generate", name="Generate Timetable"),
    ):
        pass
    sentry_sdk.flush()
    [txn] = sentry.transactions
    assert txn["tags"]["scope"] == "semester 3 · CSE"
    assert txn["contexts"]["timetable_params"]["scope"] == "semester 3 · CSE"
