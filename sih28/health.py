"""``/healthz``: is the database answering, and the cache/broker when one is configured."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache() -> None:
    key = "healthz:probe"
    cache.set(key, "ok", 10)
    if cache.get(key) != "ok":
        raise RuntimeError("cache did not return the value it stored")


def _check_broker() -> None:
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
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
    body = {
        "status": "ok" if not failing else "unavailable",
        "checks": results,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
    }
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=200 if not failing else 503)
