"""Password guessing on the sign-in pages meets the token endpoint's limit.

``/timetable/login/`` and ``/admin/login/`` are Django views, not DRF's, so DRF's throttling
does not reach them. ``throttled_login`` applies the same DRF throttle (scope ``auth``,
rate ``THROTTLE_AUTH``, per client address, the address hashed in the cache key) to every
``POST`` of a sign-in view: the three ways to try a password share one counter, and the
eleventh attempt in a minute (by default) answers 429 with ``Retry-After``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import wraps
from types import SimpleNamespace
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.html import escape

from sih28.throttling import ScopedThrottle

# What DRF's ScopedRateThrottle reads from a view: the scope of the token endpoint.
_AUTH_SCOPE = SimpleNamespace(throttle_scope="auth")


def _too_many(wait: float | None) -> HttpResponse:
    seconds = max(1, math.ceil(wait or 1))
    text = f"Too many sign-in attempts from your address. Try again in {seconds} seconds."
    response = HttpResponse(
        f"<!doctype html><title>Too many attempts</title><h1>Too many attempts</h1>"
        f"<p>{escape(text)}</p>",
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


def throttled_login(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """``view`` with its POSTs counted against the ``auth`` throttle."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method == "POST":
            throttle = ScopedThrottle()
            if not throttle.allow_request(request, _AUTH_SCOPE):
                return _too_many(throttle.wait())
        return view(request, *args, **kwargs)

    return wrapper
