"""A ``db`` span per SQL query, only inside a sampled transaction.

The SDK's Django integration wraps every query of every request (a span object and a
breadcrumb each, sampled or not). Here Django's own instrumentation hook,
``connection.execute_wrapper``, is entered only by work that is traced (a sampled request,
command, task or generation): everything else runs its queries untouched. The span holds
the SQL text with its placeholders (never the parameters) and the database's system, name,
host and port, as the Sentry queries view expects.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator
from typing import Any

import sentry_sdk

_installed: contextvars.ContextVar[bool] = contextvars.ContextVar("sih28_sql_spans", default=False)
ORIGIN = "auto.db.sih28"


def _sql_span(
    execute: Callable[..., Any], sql: str, params: Any, many: bool, context: dict[str, Any]
) -> Any:
    parent = sentry_sdk.get_current_span()
    if parent is None or not parent.sampled:
        return execute(sql, params, many, context)
    connection = context["connection"]
    settings = connection.settings_dict
    with parent.start_child(op="db", name=str(sql), origin=ORIGIN) as span:
        span.set_data("db.system", connection.vendor)
        span.set_data("db.name", settings.get("NAME"))
        if settings.get("HOST"):
            span.set_data("server.address", settings["HOST"])
        if settings.get("PORT"):
            span.set_data("server.port", settings["PORT"])
        if many:
            span.set_data("db.executemany", True)
        return execute(sql, params, many, context)


@contextlib.contextmanager
def sql_spans() -> Iterator[None]:
    """``with sql_spans():`` the queries of the block on this thread's default database
    connection are spans of the current (sampled) span; nested blocks add nothing."""
    if _installed.get():
        yield
        return
    from django.db import connection

    token = _installed.set(True)
    try:
        with connection.execute_wrapper(_sql_span):
            yield
    finally:
        _installed.reset(token)
