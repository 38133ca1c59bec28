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
from django.db import Error, IntegrityError, InterfaceError, OperationalError, connections
from django.http import Http404, JsonResponse
from rest_framework import exceptions, status
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


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ApplicationError):
        return Response({"detail": exc.message, **exc.extra}, status=exc.status_code)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "message_dict"):
            data: Any = exc.message_dict
        else:
            data = {"detail": exc.messages[0] if len(exc.messages) == 1 else exc.messages}
        exc = exceptions.ValidationError(data)
    elif isinstance(exc, IntegrityError):
        logger.warning("integrity error turned into 409: %s", exc)
        return Response(
            {
                "detail": "This change conflicts with existing data (a duplicate or a record "
                "still in use)."
            },
            status=status.HTTP_409_CONFLICT,
        )
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
