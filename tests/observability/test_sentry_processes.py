"""Sentry across processes, against real receivers: a web request and the Celery worker
(prefork child) that runs the job it queued share one trace; an error reaches a running
Bugsink with release and environment set."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import sentry_sdk
from django.conf import settings as django_settings
from django.db import connection
from knox.models import AuthToken

from sih28.sentry import init_sentry
from tests import factories
from tests.observability.conftest import (
    ROOT,
    celery_worker_process,
    redis_available,
    sentry_off,
    wsgi_request,
)


def _needs_postgres_and_redis() -> None:
    if connection.vendor != "postgresql":
        pytest.skip(
            "needs PostgreSQL (set DATABASE_URL): the worker process must see the test database"
        )
    if not django_settings.REDIS_URL or not redis_available(django_settings.REDIS_URL):
        pytest.skip("needs Redis (set REDIS_URL) as the Celery broker")


def _database_url() -> str:
    d = connection.settings_dict
    auth = d["USER"] + (f":{d['PASSWORD']}" if d.get("PASSWORD") else "")
    return f"postgres://{auth}@{d['HOST'] or '127.0.0.1'}:{d['PORT'] or 5432}/{d['NAME']}"


@pytest.mark.services
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_request_and_celery_job_are_one_trace(receiver, tmp_path):
    _needs_postgres_and_redis()
    from sih28.celery import app as celery_app

    factories.small_institution(
        departments=1, batches_per_department=1, theory_per_department=2, labs=False, combined=False
    )
    user = factories.UserFactory(
        username="trace-admin", role="admin", email="trace-admin@example.edu"
    )
    _, token = AuthToken.objects.create(user=user)
    queue = f"sentry-test-{os.getpid()}-{int(time.time())}"
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": django_settings.REDIS_URL,
        "SENTRY_DSN": receiver.dsn,
        "SENTRY_ENVIRONMENT": "test",
        "SENTRY_RELEASE": "sih28@t1",
        # Near zero on its own (0 would switch tracing off in the worker altogether): the
        # worker traces this job only because it follows the request's sampling decision.
        "SENTRY_TRACES_SAMPLE_RATE": "0.000001",
        "SECRET_KEY": "test-only-secret-key-not-for-production-0123456789abcdef",
        "DEBUG": "0",
        "LOG_DIR": str(tmp_path),
        "GENERATION_WORKERS": "1",
    }
    old_queue = celery_app.conf.task_default_queue
    init_sentry(
        dsn=receiver.dsn,
        environment="test",
        release="sih28@t1",
        traces_sample_rate=1.0,
        profiles_sample_rate=0.0,
    )
    try:
        celery_app.conf.task_default_queue = queue
        with celery_worker_process(env, queue, log=tmp_path / "worker.log"):
            status, _, body = wsgi_request(
                "POST",
                "/api/generation-jobs/",
                body=json.dumps({"semester": 3, "time_limit_s": 5}).encode(),
                headers={"Authorization": f"Token {token}"},
            )
            assert status == 202, body
            job_id = json.loads(body)["id"]
            sentry_sdk.flush(timeout=5)
            task_txns = receiver.wait_for(
                lambda r: [
                    t
                    for t in r.of_type("transaction")
                    if t["contexts"]["trace"]["op"] == "queue.task.celery"
                ],
                timeout=60,
            )
        assert task_txns, (tmp_path / "worker.log").read_text()[-4000:]
    finally:
        celery_app.conf.task_default_queue = old_queue
        sentry_off()

    [web] = [
        t for t in receiver.of_type("transaction") if t["transaction"] == "/api/generation-jobs/"
    ]
    [task] = task_txns
    trace_id = web["contexts"]["trace"]["trace_id"]
    assert task["contexts"]["trace"]["trace_id"] == trace_id  # one trace, two processes
    submit = {sp["span_id"] for sp in web["spans"] if sp["op"] == "queue.submit.celery"}
    assert task["contexts"]["trace"]["parent_span_id"] in submit  # child of the publish
    assert task["transaction"] == "timetabling.tasks.generate_timetable_task"
    # The job ran (and reported) in a forked prefork child, not the worker's main process.
    worker_log = (tmp_path / "worker.log").read_text()
    assert "ForkPoolWorker-1] Task timetabling.tasks.generate_timetable_task" in worker_log
    assert task["release"] == "sih28@t1" and task["environment"] == "test"
    assert task["tags"]["job_id"] == str(job_id)
    assert task["user"] == {"id": str(user.pk), "role": "admin"}
    ops = {sp["op"] for sp in task["spans"]}
    assert {"timetable.generate", "db", "optimize", "db.bulk_create"} <= ops, ops
    assert web["user"] == {"id": str(user.pk), "role": "admin"}
    messages = [e for e in receiver.of_type("event") if e.get("level") == "info"]
    assert messages and messages[0]["contexts"]["trace"]["trace_id"] == trace_id
    assert messages[0]["tags"]["job_id"] == str(job_id)
    raw = json.dumps(receiver.items, default=str)
    for secret in [token, "trace-admin", "trace-admin@example.edu"]:
        assert secret not in raw


# --- Bugsink ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bugsink_venv(tmp_path_factory: pytest.TempPathFactory) -> Path | None:
    """Reuse ``.dashboard/venv`` (``make dashboard``) or install Bugsink into a temp venv."""
    existing = ROOT / ".dashboard" / "venv"
    if (existing / "bin" / "bugsink-manage").exists():
        return existing
    venv = tmp_path_factory.mktemp("bugsink") / "venv"
    python = shutil.which("python3") or sys.executable
    try:
        subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=120)
        subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "bugsink>=2,<3"],
            check=True,
            timeout=600,
            capture_output=True,
        )
    except (subprocess.SubprocessError, OSError):
        return None
    return venv


@pytest.mark.slow
def test_error_reaches_a_running_bugsink(tmp_path, tmp_path_factory):
    venv = _bugsink_venv(tmp_path_factory)
    if venv is None:
        pytest.skip("Bugsink could not be installed from PyPI (offline?)")
    port = _free_port()
    env = {
        **os.environ,
        "DASHBOARD_DIR": str(tmp_path / "dash"),
        "DASHBOARD_VENV": str(venv),
        "DASHBOARD_PORT": str(port),
    }
    log = (tmp_path / "dashboard.log").open("w")
    proc = subprocess.Popen(
        ["bash", str(ROOT / "sih28" / "dashboard.sh")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    dsn_file = tmp_path / "dash" / "dsn"
    try:
        deadline = time.monotonic() + 120
        while not (dsn_file.exists() and dsn_file.read_text().strip()):
            assert proc.poll() is None, (tmp_path / "dashboard.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "dashboard.log").read_text()
            time.sleep(0.3)
        dsn = dsn_file.read_text().strip()
        token = (tmp_path / "dash" / "api-token").read_text().strip()
        assert dsn.startswith("http://") and f"@127.0.0.1:{port}/" in dsn

        # A real SIH28 process (settings from the environment) reports an error.
        code = (
            "import django; django.setup(); import sentry_sdk\n"
            "try:\n    raise ZeroDivisionError('bugsink check password=hunter2-secret')\n"
            "except ZeroDivisionError as exc:\n"
            "    print(sentry_sdk.capture_exception(exc))\n"
            "sentry_sdk.flush(10)\n"
        )
        run_env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "sih28.settings",
            "SECRET_KEY": "test-only-secret-key-not-for-production-0123456789abcdef",
            "SENTRY_DSN": dsn,
            "SENTRY_ENVIRONMENT": "ci-check",
            "SENTRY_RELEASE": "sih28@bugsink-test",
            "LOG_DIR": str(tmp_path),
        }
        out = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=run_env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        event_id = out.stdout.strip().splitlines()[-1]
        project = dsn.rstrip("/").rsplit("/", 1)[-1]

        found = None
        for _ in range(50):
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/canonical/0/events/lookup/"
                f"?project={project}&event_id={event_id}",
                headers={"Authorization": f"Bearer {token}"},
            )
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    found = json.loads(resp.read())
                    break
            except urllib.error.HTTPError as exc:
                if exc.code != 404:
                    raise
                time.sleep(0.2)
        assert found, "the event never showed up in Bugsink"
        data = found["data"]
        assert data["release"] == "sih28@bugsink-test"
        assert data["environment"] == "ci-check"
        assert data["exception"]["values"][0]["type"] == "ZeroDivisionError"
        assert "hunter2-secret" not in json.dumps(found)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        log.close()
