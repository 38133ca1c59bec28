"""Redis unreachable: skip it for a moment instead of waiting on it in every request.

The cache (``django-redis``) is configured with short socket timeouts and
``IGNORE_EXCEPTIONS``, so a failed cache call is a miss and throttles fail open. That alone
still costs every request the timeout when Redis accepts connections and never answers.
:class:`BreakerConnectionPool` (django-redis's ``CONNECTION_POOL_CLASS`` option) makes the
pool's connections :class:`BreakerConnection` s (redis-py's ``connection_class`` hook):
after a connection error or timeout, every call fails at once, without touching the
network, for ``REDIS_RETRY_AFTER_S``; then one call tries again. So while Redis is down a
process pays the timeout about once per retry period, and learns within that period that
Redis is back.

The state is per process (:data:`REDIS`). It logs one warning when Redis stops answering,
one a minute while it stays down, and one when it answers again; ``/healthz`` and the
generation service read :meth:`Breaker.is_open`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from django.conf import settings
from redis.connection import Connection, ConnectionPool
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

WARN_EVERY_S = 60.0
_FAILURES = (RedisConnectionError, RedisTimeoutError)


class RedisSkipped(RedisConnectionError):
    """Not sent: Redis failed moments ago and is skipped until the retry time."""


class Breaker:
    """Open (skip Redis) for a while after a failure; closed again on the first answer."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._lock = threading.Lock()
        self.retry_at = 0.0  # monotonic time before which calls are skipped
        self.down_since: float | None = None
        self.last_warning = 0.0
        self.skipped = 0

    def reset(self) -> None:
        with self._lock:
            self.retry_at, self.down_since, self.last_warning, self.skipped = 0.0, None, 0.0, 0

    def is_open(self) -> bool:
        """True while Redis is being skipped after a failure."""
        return time.monotonic() < self.retry_at

    def is_down(self) -> bool:
        """True from a failure until Redis answers again."""
        return self.down_since is not None

    def check(self) -> None:
        if self.is_open():
            self.skipped += 1
            raise RedisSkipped(f"{self.name} skipped: it failed less than a moment ago")

    def failed(self, exc: BaseException) -> None:
        now = time.monotonic()
        with self._lock:
            self.retry_at = now + float(getattr(settings, "REDIS_RETRY_AFTER_S", 3.0))
            first = self.down_since is None
            if first:
                self.down_since = now
            warn = first or now - self.last_warning >= WARN_EVERY_S
            if warn:
                self.last_warning = now
            down_for, skipped = now - (self.down_since or now), self.skipped
        if warn:
            logger.warning(
                "%s unreachable (%s) for %.0f s: cache misses, throttles off, generation "
                "refused with 503; reads and sign-in go on from the database (%d calls skipped)",
                self.name,
                type(exc).__name__,
                down_for,
                skipped,
            )

    def answered(self) -> None:
        if self.down_since is None:
            return
        with self._lock:
            if self.down_since is None:
                return
            down_for = time.monotonic() - self.down_since
            self.retry_at, self.down_since, self.skipped = 0.0, None, 0
        logger.warning("%s answers again after %.1f s", self.name, down_for)


#: The Redis of ``REDIS_URL`` (cache and broker), as this process sees it.
REDIS = Breaker("Redis")


class BreakerConnection(Connection):
    """A redis-py TCP connection that reports to :data:`REDIS` and is skipped while open."""

    def connect(self) -> None:
        REDIS.check()
        try:
            super().connect()
        except _FAILURES as exc:
            REDIS.failed(exc)
            raise

    def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        REDIS.check()
        try:
            super().send_packed_command(command, check_health=check_health)
        except _FAILURES as exc:
            REDIS.failed(exc)
            raise

    def read_response(self, *args: Any, **kwargs: Any) -> Any:
        try:
            response = super().read_response(*args, **kwargs)
        except _FAILURES as exc:
            REDIS.failed(exc)
            raise
        REDIS.answered()
        return response


class BreakerConnectionPool(ConnectionPool):
    """redis-py's pool, making :class:`BreakerConnection` s (for ``redis://`` URLs)."""

    def __init__(self, connection_class: type[Connection] = BreakerConnection, **kwargs: Any):
        super().__init__(connection_class=connection_class, **kwargs)
