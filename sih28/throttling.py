"""DRF's throttles, with the client's address or user id hashed out of their cache keys.

Cache keys travel into traces (the Redis integration's span descriptions) and ``MONITOR``,
so DRF's own keys (``throttle_anon_203.0.113.7``) would carry an IP address or user id
there. Each class is DRF's, changed only at its public ``get_cache_key`` hook; the rates
come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``.
"""

from __future__ import annotations

import hashlib
from typing import Any

from rest_framework import throttling


def hashed(key: str | None) -> str | None:
    """The throttle key with everything after the scope replaced by a hash."""
    if key is None:
        return None
    return "throttle:" + hashlib.sha256(key.encode()).hexdigest()[:32]


class AnonThrottle(throttling.AnonRateThrottle):
    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return hashed(super().get_cache_key(request, view))


class UserThrottle(throttling.UserRateThrottle):
    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return hashed(super().get_cache_key(request, view))


class ScopedThrottle(throttling.ScopedRateThrottle):
    def get_cache_key(self, request: Any, view: Any) -> str | None:
        return hashed(super().get_cache_key(request, view))
