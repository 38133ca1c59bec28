"""One small exception hierarchy for the services, mapped to clean JSON 4xx responses.

Services raise ``ApplicationError`` subclasses; the API's exception handler turns them (and
Django's own validation and integrity errors) into ``{"detail": ...}`` responses. Nothing
reaches the client as an HTML page or a stack trace.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import (
    DataError,
    Error,
    IntegrityError,
    InterfaceError,
    OperationalError,
    connections,
)
from django.db.models import ProtectedError, RestrictedError
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
from rest_framework.exceptions import ErrorDetail
from rest_framework.response import Response
from rest_framework.views import exception_handler

logger = logging.getLogger(__name__)


class ApplicationError(Exception):
    """A rule of the domain was broken by the caller's input."""

    status_code = status.HTTP_400_BAD_REQUEST

    def __init__(self, message: str, *, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.extra = extra or {}


class NotFoundError(ApplicationError):
    status_code = status.HTTP_404_NOT_FOUND


class ConflictError(ApplicationError):
    status_code = status.HTTP_409_CONFLICT


class ServiceUnavailableError(ApplicationError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


#: The longest text an error body repeats back: an input is never echoed in full.
ECHO_LIMIT = 500


def _shorten(data: Any) -> Any:
    """Every string of an error body cut to ``ECHO_LIMIT`` characters (messages that quote
    the input, such as "Object with code=... does not exist", stay readable and small)."""
    if isinstance(data, str) and len(data) > ECHO_LIMIT:
        short = data[: ECHO_LIMIT - 1] + "…"
        return ErrorDetail(short, code=data.code) if isinstance(data, ErrorDetail) else short
    if isinstance(data, dict):
        return {key: _shorten(value) for key, value in data.items()}
    if isinstance(data, list):
        return [_shorten(value) for value in data]
    return data


def _referenced_by(exc: ProtectedError | RestrictedError) -> str:
    """``3 students, 2 offerings``: what still refers to the row, counted by kind, never
    the rows themselves (their ``__str__`` is personal data such as a roll number)."""
    counts: dict[str, int] = {}
    objects = getattr(exc, "protected_objects", None) or getattr(exc, "restricted_objects", None)
    for obj in objects or ():
        meta = obj._meta
        counts[str(meta.verbose_name_plural)] = counts.get(str(meta.verbose_name_plural), 0) + 1
    return ", ".join(f"{n} {name}" for name, n in sorted(counts.items()))


def _integrity_response(exc: IntegrityError) -> Response:
    if isinstance(exc, ProtectedError | RestrictedError):
        using = _referenced_by(exc)
        logger.warning("delete refused: still referenced by %s", using)
        return Response(
            {"detail": f"This record cannot be deleted: it is still used by {using}."},
            status=status.HTTP_409_CONFLICT,
        )
    # The database's first line names the constraint; the lines after it (PostgreSQL's
    # DETAIL) repeat the conflicting values, which may be personal data.
    first_line = str(exc).splitlines()[0][:ECHO_LIMIT] if str(exc) else ""
    logger.warning("integrity error turned into 409: %s", first_line)
    return Response(
        {
            "detail": "This change conflicts with existing data (a duplicate or a record "
            "still in use)."
        },
        status=status.HTTP_409_CONFLICT,
    )


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _handle(exc, context)
    if response is not None and response.status_code < 500:
        data = response.data
        if isinstance(data, list):  # a bare list of messages: one object like every error
            data = {"detail": data[0] if len(data) == 1 else data}
        response.data = _shorten(data)
    return response


def _handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, **exc.extra}, status=exc.status_code)
    if isinstance(exc, OverflowError | DataError):
        # A value the database cannot hold (SQLite: OverflowError from the driver;
        # PostgreSQL: "out of range"), in any parameter or body value that slipped past its
        # field's bounds: the caller's input, not a fault of the server.
        logger.warning("value refused by the database: %s", type(exc).__name__)
        return Response(
            {"detail": "A value in the request is too large (a number or a text)."},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            data: Any = exc.message_dict
        else:
            data = {"detail": exc.messages[0] if len(exc.messages) == 1 else exc.messages}
        exc = exceptions.ValidationError(data)
    elif isinstance(exc, IntegrityError):
        return _integrity_response(exc)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    return exception_handler(exc, context)


DATABASE_UNAVAILABLE = "The database is unreachable at the moment; try again in a few seconds."
RETRY_AFTER_S = 5
_WARN_EVERY_S = 60.0
_last_warning = 0.0


def database_unavailable(exc: BaseException | None) -> bool:
    """``exc`` means the database cannot be reached (refused, restarting, connection lost),
    not that a query was wrong: a lost connection is an ``InterfaceError``; an
    ``OperationalError`` counts only when a connection is now unusable or missing (so
    SQLite's "database is locked" or a query the database refuses is not taken for it)."""
    if isinstance(exc, InterfaceError):
        return True
    if not isinstance(exc, OperationalError):
        return False
    for conn in connections.all(initialized_only=True):
        if conn.connection is None or not conn.is_usable():
            return True
    return False


def database_unavailable_response(exc: Error) -> JsonResponse:
    """503 with ``Retry-After``, and a warning at most once a minute (not a traceback per
    request while the database restarts)."""
    global _last_warning
    now = time.monotonic()
    if now - _last_warning >= _WARN_EVERY_S:
        _last_warning = now
        logger.warning("database unreachable (%s): answering 503", type(exc).__name__)
    response = JsonResponse({"detail": DATABASE_UNAVAILABLE}, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def json_404(request, exception=None):
    return JsonResponse({"detail": "Not found."}, status=404)


def json_500(request):
    exc = sys.exc_info()[1]  # Django calls this while handling the exception
    if isinstance(exc, Error) and database_unavailable(exc):
        return database_unavailable_response(exc)
    return JsonResponse({"detail": "Internal server error."}, status=500)


def json_400(request, exception=None):
    return JsonResponse({"detail": "Bad request."}, status=400)


def json_403(request, exception=None):
    return JsonResponse({"detail": "Permission denied."}, status=403)
