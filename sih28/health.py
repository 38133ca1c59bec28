"""``/healthz``: is the database answering, and the cache/broker when one is configured.

200 when every part answers; 503 naming the failing parts otherwise. When only Redis fails
the app is degraded, not down (docs/operations.md), and the body says what still works.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse

DEGRADED = (
    "Redis is unreachable: reads and sign-in work from the database, throttles are off, "
    "generating a timetable answers 503 until it is back."
)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    if settings.REDIS_URL:
        # The cache ignores Redis errors (a miss), so ask its connection directly.
        from django_redis import get_redis_connection

        get_redis_connection("default").ping()
        return
    key = "healthz:probe"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value it stored")


def _check_broker() -> None:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    timeout = settings.REDIS_TIMEOUT_S
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_connect_timeout=timeout,
        socket_timeout=timeout,
        retry=Retry(NoBackoff(), 0),  # one try: the answer is "now", not after backoffs
    )
    try:
        client.ping()
    finally:
        client.close()


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": _check_database, "cache": _check_cache}
    if settings.REDIS_URL:
        checks["broker"] = _check_broker
    results: dict[str, str] = {}
    failing: list[str] = []
    started = time.perf_counter()
    for name, check in checks.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - a health check reports every failure
            results[name] = f"error: {type(exc).__name__}"
            failing.append(name)
        else:
            results[name] = "ok"
    body: dict[str, object] = {
        "status": "ok" if not failing else "unavailable",
        "checks": results,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    if failing:
        body["failing"] = failing
        if "database" not in failing and settings.REDIS_URL:
            body["status"] = "degraded"
            body["degraded"] = DEGRADED
    return JsonResponse(body, status=200 if not failing else 503)
