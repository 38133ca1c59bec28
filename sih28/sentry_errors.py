"""What kind of failure an error event is: the ``error.type`` tag that alerts and
ownership rules (``manage.py sentry_rules``) route on.

``database`` (the database failed: connection, integrity, query errors), ``authentication``
(logging in, tokens, permissions), ``optimizer`` (building or solving a timetable), ``api``
(anything else that failed while serving ``/api/``) and ``other``. Decided from the
exception (its class and the modules it passed through), never from its message.
"""

from __future__ import annotations

from types import TracebackType
from typing import Any

ERROR_TYPE_TAG = "error.type"
ERROR_TYPES = ("database", "authentication", "optimizer", "api", "other")

_DATABASE_MODULES = ("django.db", "psycopg", "psycopg2", "sqlite3", "redis")
_AUTH_MODULES = ("knox", "django.contrib.auth", "academics.auth")
_AUTH_CLASS_NAMES = frozenset(
    {"AuthenticationFailed", "NotAuthenticated", "PermissionDenied", "InvalidToken"}
)
_OPTIMIZER_MODULES = ("timetabling.optimizer", "timetabling.generation")


def _mro_modules(exc: BaseException) -> list[tuple[str, str]]:
    return [(cls.__module__ or "", cls.__name__) for cls in type(exc).__mro__]


def _frame_modules(tb: TracebackType | None) -> list[str]:
    out = []
    while tb is not None:
        out.append(str(tb.tb_frame.f_globals.get("__name__", "")))
        tb = tb.tb_next
    return out


def _starts(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def error_type(exc: BaseException | None, *, transaction: str = "", url: str = "") -> str:
    """The ``error.type`` of an exception (None: a message event)."""
    if exc is None:
        return "other"
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and seen not in chain:
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    for one in chain:
        if any(_starts(module, _DATABASE_MODULES) for module, _ in _mro_modules(one)):
            return "database"
    for one in chain:
        classes = _mro_modules(one)
        if any(name in _AUTH_CLASS_NAMES for _, name in classes) or any(
            _starts(module, _AUTH_MODULES) for module, _ in classes
        ):
            return "authentication"
    for one in chain:
        modules = [m for m, _ in _mro_modules(one)] + _frame_modules(one.__traceback__)
        if any(_starts(module, _OPTIMIZER_MODULES) for module in modules):
            return "optimizer"
    if transaction.startswith("/api/") or "/api/" in url:
        return "api"
    return "other"


def tag_error_type(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    """Set the ``error.type`` tag on an error event (transactions are left alone)."""
    if event.get("type") == "transaction":
        return event
    tags = event.setdefault("tags", {})
    if ERROR_TYPE_TAG in tags:
        return event
    exc_info = hint.get("exc_info") if hint else None
    exc = exc_info[1] if exc_info and len(exc_info) > 1 else None
    request = event.get("request") or {}
    tags[ERROR_TYPE_TAG] = error_type(
        exc if isinstance(exc, BaseException) else None,
        transaction=str(event.get("transaction") or ""),
        url=str(request.get("url") or "") if isinstance(request, dict) else "",
    )
    return event
