"""Request logging: one line per request to ``logs/django.log``.

The line holds method, path (without the query string), status, duration, user id, request
id (taken from a valid ``X-Request-ID`` header or made up, and returned in the response) and
the Sentry trace id. Never bodies, query strings, tokens, cookies or passwords.

The line is ``key=value`` pairs separated by spaces: the method and path are written
percent-encoded, so a path cannot add a field (``/x%20status=200``) or a line; the log
formatter (``sih28.logs.OneLineFormatter``) escapes control characters in every record.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import quote

import sentry_sdk
from django.db import Error as DatabaseFailure
from django.http import HttpRequest, HttpResponse

from sih28.errors import database_unavailable, database_unavailable_response
from sih28.sentry import set_user_context

logger = logging.getLogger("sih28.requests")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._\-]{1,64}")
# A path's own characters (RFC 3986 pchar and "/"); everything else, "%" and spaces
# included, is percent-encoded.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"


def current_trace_id() -> str:
    span = sentry_sdk.get_current_span()
    if span is not None:
        return span.trace_id
    return "-"


def _user_id(request: HttpRequest) -> object:
    user = getattr(request, "user", None)
    try:
        return user.pk if user is not None and user.is_authenticated else "-"
    except DatabaseFailure:  # the session could not be read: the line is written all the same
        return "-"


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        response = self.get_response(request)
        duration_ms = (time.perf_counter() - started) * 1000
        response["X-Request-ID"] = request_id
        user_id = _user_id(request)
        logger.info(
            "request method=%s path=%s status=%s duration_ms=%.1f user_id=%s request_id=%s "
            "trace_id=%s",
            quote(request.method or "-", safe=""),
            quote(request.path, safe=_PATH_SAFE),
            response.status_code,
            duration_ms,
            user_id,
            request_id,
            current_trace_id(),
        )
        return response


class SentryUserMiddleware:
    """Tags Sentry events of an authenticated request with the user's id and role."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            set_user_context(getattr(request, "user", None))
        except DatabaseFailure:
            pass  # the session cannot be read: untagged; the view's own query answers 503
        return self.get_response(request)


class DatabaseUnavailableMiddleware:
    """A view (or DRF, which re-raises what its handler leaves) that fails because the
    database cannot be reached answers 503 with ``Retry-After``, at once: no 500, no
    traceback per request. The next request connects again (``CONN_HEALTH_CHECKS``), so
    the app recovers by itself when the database is back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, DatabaseFailure) and database_unavailable(exception):
            return database_unavailable_response(exception)
        return None
