"""Real services for tests: PostgreSQL, Redis and Celery worker processes.

- ``requires_postgres`` / ``requires_redis``: skip markers that say why (run with
  ``DATABASE_URL=postgres://...`` and ``REDIS_URL=redis://...`` to enable them).
- ``celery_worker``: a fixture that starts ``celery -A sih28 worker --pool=prefork
  --concurrency=1`` as a subprocess against the pytest-django test database (so it needs
  ``transactional_db``: rows must be committed to be visible to the worker) and the test
  Redis, waits until it is ready and kills it at teardown. ``celery_workers`` starts more
  (with extra environment), e.g. a fresh worker after one was killed.

Use them from a test module (import the fixtures in the folder's ``conftest.py``)::

    from tests.services import requires_postgres, requires_redis

    pytestmark = [pytest.mark.services, requires_postgres, requires_redis]

    def test_something(celery_worker): ...
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from django.conf import settings
from django.db import connection

READY_TIMEOUT_S = 40


def _reachable(host: str, port: int, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def postgres_skip_reason() -> str | None:
    """None when the tests run on a reachable PostgreSQL, else why not."""
    if connection.vendor != "postgresql":
        return (
            "needs PostgreSQL: this run uses SQLite; set "
            "DATABASE_URL=postgres://postgres@127.0.0.1:5432/sih28"
        )
    db = settings.DATABASES["default"]
    host, port = db.get("HOST") or "127.0.0.1", int(db.get("PORT") or 5432)
    if not _reachable(host, port):
        return f"needs PostgreSQL: nothing answers on {host}:{port}"
    return None


def redis_skip_reason() -> str | None:
    """None when REDIS_URL is set and Redis answers PING, else why not."""
    url = getattr(settings, "REDIS_URL", "")
    if not url:
        return (
            "needs Redis: REDIS_URL is not set (tasks run in-process); set "
            "REDIS_URL=redis://127.0.0.1:6379/15"
        )
    import redis

    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        client.close()
    except redis.RedisError as exc:
        parts = urlsplit(url)
        return f"needs Redis: {parts.hostname}:{parts.port or 6379} does not answer ({exc})"
    return None


_pg_reason = postgres_skip_reason()
_redis_reason = redis_skip_reason()
requires_postgres = pytest.mark.skipif(_pg_reason is not None, reason=_pg_reason or "")
requires_redis = pytest.mark.skipif(_redis_reason is not None, reason=_redis_reason or "")


def test_database_url() -> str:
    """A DATABASE_URL for the database the tests use right now (pytest-django's
    ``test_<name>``), so that a worker process sees the test's committed rows."""
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{db['NAME']}"


test_database_url.__test__ = False  # not a test


def worker_env(**extra: str) -> dict[str, str]:
    """The test's environment, pointed at the test database, with Sentry off."""
    env = dict(os.environ)
    env.update(
        DATABASE_URL=test_database_url(),
        REDIS_URL=settings.REDIS_URL,
        SECRET_KEY=env.get("SECRET_KEY")
        or "test-only-secret-key-not-for-production-0123456789abcdef",
        SENTRY_DSN="",
        DEBUG="0",
        PYTHONUNBUFFERED="1",
    )
    env.update({k: str(v) for k, v in extra.items()})
    return env


class CeleryWorker:
    """One ``celery worker`` process (and its prefork child) in its own process group."""

    def __init__(self, log_path: Path, env: dict[str, str]) -> None:
        self.name = f"e2e-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
        self.log_path = log_path
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> CeleryWorker:
        cmd = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "sih28",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "--loglevel=INFO",
            "-n",
            self.name,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        ]
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(
            cmd,
            cwd=settings.BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.wait_ready()
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"celery worker exited with {self.proc.returncode}:\n{self.log()}"
                )
            if f"{self.name} ready." in self.log():
                return
            time.sleep(0.2)
        raise RuntimeError(f"celery worker not ready after {timeout} s:\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the worker and its pool children at once (no warm shutdown, no acks)."""
        if self.alive:
            assert self.proc is not None
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, timeout: float = 10) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL if it does not stop in time."""
        if not self.alive:
            return
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        except ProcessLookupError:
            pass


class CeleryWorkers:
    """Starts workers for one test and stops every one of them at teardown."""

    def __init__(self, log_dir: Path) -> None:
        self.log_dir = log_dir
        self.started: list[CeleryWorker] = []

    def start(self, **env: str) -> CeleryWorker:
        log = self.log_dir / f"worker-{len(self.started) + 1}.log"
        worker = CeleryWorker(log, worker_env(**env))
        self.started.append(worker)
        return worker.start()

    def kill_all(self) -> None:
        for worker in self.started:
            worker.kill()


def purge_task_queue() -> int:
    """Drop messages (and unacknowledged ones) left in the test broker by earlier tests."""
    import redis

    from sih28.celery import app

    purged = app.control.purge()
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        client.delete("unacked", "unacked_index")
    finally:
        client.close()
    return purged


@pytest.fixture
def celery_workers(transactional_db, tmp_path) -> Iterator[CeleryWorkers]:
    """Start Celery workers on demand (``celery_workers.start(**env)``)."""
    purge_task_queue()
    workers = CeleryWorkers(tmp_path)
    try:
        yield workers
    finally:
        workers.kill_all()  # fast; what they left in the broker is purged below
        purge_task_queue()


@pytest.fixture
def celery_worker(celery_workers: CeleryWorkers) -> CeleryWorker:
    """One running Celery worker on the test database and the test Redis."""
    return celery_workers.start()
