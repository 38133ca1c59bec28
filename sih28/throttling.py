"""API throttles that count requests in fixed windows with one atomic cache increment.

DRF's stock throttles keep a list of every request time in the window and write it back on
each request; at a rate of thousands per minute that list is re-pickled and sent to Redis
on every call. A counter per client and window costs one ``INCR``. The price is the usual
fixed-window one: a client may spend its allowance at the end of one window and again at
the start of the next.

Counter keys are hashed: DRF's keys name the client's IP address or user id, and cache
keys travel into traces (the Redis integration's span descriptions) and ``MONITOR``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework import throttling


class FixedWindowMixin:
    """Replaces ``SimpleRateThrottle``'s request-history bookkeeping with a counter."""

    def allow_request(self: Any, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        window = int(self.now // self.duration)
        self.window_end = (window + 1) * self.duration
        key = f"throttle:{hashlib.sha256(self.key.encode()).hexdigest()[:32]}:{window}"
        try:
            count = self.cache.incr(key)
        except ValueError:  # first request of this window (or the counter just expired)
            count = 1 if self.cache.add(key, 1, self.duration + 1) else self.cache.incr(key)
        return count <= self.num_requests

    def wait(self: Any) -> float:
        return max(0.0, self.window_end - self.now)


class AnonThrottle(FixedWindowMixin, throttling.AnonRateThrottle):
    pass


class UserThrottle(FixedWindowMixin, throttling.UserRateThrottle):
    pass


class ScopedThrottle(FixedWindowMixin, throttling.ScopedRateThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        # As ScopedRateThrottle: the rate is known only once the view names its scope.
        self.scope = getattr(view, self.scope_attr, None)
        if not self.scope:
            return True
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)
