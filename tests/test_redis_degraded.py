"""Redis down or silent: reads and sign-in keep working from the database (throttles fail
open, a warning now and then), generating answers 503 at once, ``/healthz`` names it.

The cache configuration is the one ``sih28.settings`` builds for a ``REDIS_URL`` (read in a
fresh interpreter), pointed at a port where nothing answers or at a socket that accepts
connections and never replies. No shared Redis is touched.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket
import time
from collections.abc import Iterator

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from sih28.celery import app as celery_app
from sih28.redis_breaker import REDIS
from tests import factories
from tests.test_settings import _settings_probe
from timetabling.models import GenerationJob

pytestmark = pytest.mark.django_db

TIMEOUT_S = 0.5  # REDIS_TIMEOUT_S (the settings' default, checked below)


@pytest.fixture(scope="module")
def redis_caches(tmp_path_factory) -> dict:
    """``settings.CACHES`` as the settings module builds it when ``REDIS_URL`` is set."""
    result = _settings_probe(
        {
            "SECRET_KEY": "test-only-secret-key-not-for-production-0123456789abcdef",
            "REDIS_URL": "redis://127.0.0.1:1/0",
            "LOG_DIR": str(tmp_path_factory.mktemp("logs")),
        },
        "__import__('json').dumps(settings.CACHES)",
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_cache_waits_briefly_and_fails_open(redis_caches):
    options = redis_caches["default"]["OPTIONS"]
    assert options["SOCKET_CONNECT_TIMEOUT"] == options["SOCKET_TIMEOUT"] == TIMEOUT_S
    assert options["IGNORE_EXCEPTIONS"] is True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def silent_redis() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(128)
    try:
        yield server.getsockname()[1]
    finally:
        server.close()


def _point_at(settings, redis_caches: dict, port: int) -> None:
    url = f"redis://127.0.0.1:{port}/0"
    caches = json.loads(json.dumps(redis_caches))
    caches["default"]["LOCATION"] = url
    settings.CACHES = caches
    settings.REDIS_URL = url
    settings.REDIS_RETRY_AFTER_S = 30.0  # nothing comes back within these tests
    REDIS.reset()


@pytest.fixture
def redis_refused(settings, redis_caches) -> Iterator[None]:
    _point_at(settings, redis_caches, _free_port())
    yield
    REDIS.reset()


@pytest.fixture
def redis_silent(settings, redis_caches, silent_redis) -> Iterator[None]:
    _point_at(settings, redis_caches, silent_redis)
    yield
    REDIS.reset()


def _token_client(role: str = "staff") -> APIClient:
    user = factories.UserFactory(role=role)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def test_redis_down_reads_and_sign_in_keep_working(redis_refused, api_client):
    factories.DepartmentFactory(code="CSE")
    factories.UserFactory(username="ops", role="staff", password="pass-word-123")
    client = _token_client()
    # before: 500 on every request (the throttle's cache call raised ConnectionError)
    response = client.get("/api/departments/")
    assert response.status_code == 200
    assert [d["code"] for d in response.json()["results"]] == ["CSE"]
    login = api_client.post(
        "/api/auth/token/", {"username": "ops", "password": "pass-word-123"}, format="json"
    )
    assert login.status_code == 200 and login.json()["token"]
    assert REDIS.is_down()


def test_a_silent_redis_costs_one_timeout_per_retry_period_not_per_request(redis_silent):
    client = _token_client()
    durations = []
    for _ in range(8):
        started = time.monotonic()
        assert client.get("/api/departments/").status_code == 200
        durations.append(time.monotonic() - started)
    # before: every cache call waited its socket timeout (2 s), twice a request
    assert durations[0] < 2 * TIMEOUT_S + 0.5, durations
    assert max(durations[1:]) < 0.25, durations
    assert REDIS.skipped >= 7


def test_redis_down_is_a_warning_now_and_then_not_per_request(redis_refused, caplog):
    client = _token_client()
    with caplog.at_level(logging.WARNING, logger="sih28.redis_breaker"):
        for _ in range(20):
            assert client.get("/api/rooms/").status_code == 200
    warnings = [r for r in caplog.records if r.name == "sih28.redis_breaker"]
    assert len(warnings) == 1
    assert "Redis unreachable" in warnings[0].getMessage()
    assert "reads and sign-in go on from the database" in warnings[0].getMessage()


def test_generation_answers_503_at_once_while_redis_is_down(redis_refused):
    factories.small_institution(departments=1)
    client = _token_client("admin")
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.update(task_always_eager=False, broker_url="redis://127.0.0.1:1/0")
    try:
        started = time.monotonic()
        response = client.post("/api/generation-jobs/", {"time_limit_s": 5}, format="json")
        elapsed = time.monotonic() - started
    finally:
        celery_app.conf.update(task_always_eager=saved[0], broker_url=saved[1])
    assert response.status_code == 503
    assert "task queue (Redis) is unreachable" in response.json()["detail"]
    assert elapsed < 1.0
    assert not GenerationJob.objects.exists()  # nothing left PENDING, nothing to clean up
    assert client.get("/api/generation-jobs/").status_code == 200


def test_healthz_names_redis_and_says_what_still_works(redis_silent, client):
    started = time.monotonic()
    response = client.get("/healthz")
    elapsed = time.monotonic() - started
    assert response.status_code == 503
    body = response.json()
    assert body["checks"]["database"] == "ok"
    assert body["failing"] == ["cache", "broker"]
    assert body["status"] == "degraded"
    assert "reads and sign-in work from the database" in body["degraded"]
    assert elapsed < 3 * TIMEOUT_S + 0.5  # short timeouts, no retries with backoff


@pytest.mark.django_db(transaction=True)  # the job is queued when its transaction commits
def test_a_silent_broker_answers_503_within_seconds(silent_redis, settings):
    """The cache is fine, the broker accepts and never answers: queueing gives up after
    its short timeouts and one retry, and the job is FAILED, not PENDING for ever."""
    settings.REDIS_URL = f"redis://127.0.0.1:{silent_redis}/0"
    REDIS.reset()
    factories.small_institution(departments=1)
    client = _token_client("admin")
    saved = celery_app.conf.task_always_eager, celery_app.conf.broker_url
    celery_app.conf.update(task_always_eager=False, broker_url=settings.REDIS_URL)
    try:
        started = time.monotonic()
        response = client.post("/api/generation-jobs/", {"time_limit_s": 5}, format="json")
        elapsed = time.monotonic() - started
    finally:
        celery_app.conf.update(task_always_eager=saved[0], broker_url=saved[1])
        REDIS.reset()
    assert response.status_code == 503, response.json()
    assert "task queue (Redis) is unreachable" in response.json()["detail"]
    print(f"silent broker: 503 after {elapsed:.2f} s")
    assert elapsed < 4  # before: 5 s (a 5 s socket timeout)
    assert GenerationJob.objects.get().status == "FAILED"


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")
def test_redis_back_is_used_again_after_the_retry_period(settings, redis_caches, tmp_path, caplog):
    from django.core.cache import cache

    from tests.e2e.faults import RedisServer

    redis = RedisServer(tmp_path)
    redis.start()
    try:
        _point_at(settings, redis_caches, redis.port)
        settings.REDIS_RETRY_AFTER_S = 0.5
        cache.set("k", "before")
        assert cache.get("k") == "before"
        redis.stop()
        with caplog.at_level(logging.WARNING, logger="sih28.redis_breaker"):
            assert cache.get("k") is None  # a miss, not an error
            assert REDIS.is_open()
            redis.start()  # empty: no persistence
            assert cache.get("k", "skipped") == "skipped"  # still within the retry period
            time.sleep(0.6)
            cache.set("k", "after")
            assert cache.get("k") == "after"
        assert not REDIS.is_down()
        messages = [r.getMessage() for r in caplog.records if r.name == "sih28.redis_breaker"]
        assert messages[0].startswith("Redis unreachable (ConnectionError)")
        assert messages[-1].startswith("Redis answers again after ")
    finally:
        redis.stop()
        REDIS.reset()
