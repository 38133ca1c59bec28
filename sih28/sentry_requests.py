"""Requests reported to Sentry without the SDK's Django integration.

That integration does its per-request work whether a request is traced or not: a span
object and a breadcrumb for every SQL query, a wrapper around every middleware, the URL
pattern resolved again, a fork of the scope for each span; on the API mix it was most of
the SDK's cost per request (``benchmarks.sentry_cost`` counts it). SIH28 leaves it out
and ``SentryRequestMiddleware`` binds each request, with the SDK's public API only:

- a fresh isolation scope per request (tags and user never leak into the next request)
  continuing an incoming ``sentry-trace`` / ``baggage``, and a request session (crash-free
  rates per release);
- an event processor that runs only when an event is sent: the request (url, method,
  query string, headers without credentials, the parsed body of an API request; the
  scrubbers clean it) and the route as the transaction, ``/api/faculty/{pk}/``, as the
  Django integration names it;
- unhandled view errors captured from Django's ``got_request_exception`` signal and
  marked unhandled (``mechanism.handled = False``), as the integration marks them;
- with tracing, an ``http.server`` transaction (``continue_trace`` + ``start_transaction``;
  the route-aware sampler decides) named after the route, with the response's status, and
  a ``db`` span per SQL query only when it is sampled (``sih28.sentry_db``). SQL queries
  are no longer breadcrumbs.

The user's id and role come from ``sih28.sentry.set_user_context`` as before.
``install`` switches it on or off (``sih28.sentry.init_sentry``); while off the middleware
costs one attribute read per request.
"""

from __future__ import annotations

import functools
import re
import sys
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import sentry_sdk
from django.core import signals
from sentry_sdk.sessions import track_session

from sih28.scrubbing import FILTERED
from sih28.sentry_db import sql_spans

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponse

#: Request bodies larger than this are not attached (the SDK's "medium" default).
MAX_BODY_BYTES = 10_000
_BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data")
_DISPATCH_UID = "sih28.sentry_requests.capture_request_exception"
#: Headers never sent as they are (credentials, cookies, client addresses).
SENSITIVE_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-csrftoken",
     "x-forwarded-for", "x-real-ip", "forwarded", "x-api-key"}
)  # fmt: skip
ORIGIN = "auto.http.sih28"


class _State:
    active = False
    tracing = False


def install(active: bool, *, tracing: bool = False) -> None:
    """Bind requests ourselves (``active``): their scope, context and errors, and with
    ``tracing`` their transactions; or leave all of it to the SDK's Django integration."""
    _State.active = active
    _State.tracing = active and tracing
    if active:
        signals.got_request_exception.connect(
            capture_request_exception, dispatch_uid=_DISPATCH_UID, weak=False
        )
    else:
        signals.got_request_exception.disconnect(dispatch_uid=_DISPATCH_UID)


def is_active() -> bool:
    return _State.active


@functools.lru_cache(maxsize=1024)
def route_name(route: str) -> str:
    """Django's matched route as a transaction name: ``api/faculty/(?P<pk>[^/.]+)/$`` and
    ``api/faculty/<int:pk>/`` are both ``/api/faculty/{pk}/``. Routes are few: cached."""
    out: list[str] = []
    i, n = 0, len(route)
    while i < n:
        if route.startswith("(?P<", i):
            end = route.index(">", i)
            out.append("{" + route[i + 4 : end] + "}")
            depth, i = 0, end + 1
            while i < n:  # skip the group's pattern, nested groups included
                if route[i] == "\\":
                    i += 2
                    continue
                if route[i] == "(":
                    depth += 1
                elif route[i] == ")":
                    if depth == 0:
                        break
                    depth -= 1
                i += 1
            i += 1
            continue
        out.append(route[i])
        i += 1
    name = "".join(out)
    name = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", name)
    name = name.removesuffix("\\Z").removesuffix("$").removeprefix("^")
    return "/" + name.lstrip("/")


def _request_data(request: HttpRequest) -> Any:
    """The body as the view read it: DRF's parsed ``data`` of an API request (remembered by
    ``sih28.authentication``), or the form fields; None when there is none or it is large."""
    content_type = (request.content_type or "").lower()
    if not content_type.startswith(_BODY_TYPES):
        return None
    try:
        if int(request.META.get("CONTENT_LENGTH") or 0) > MAX_BODY_BYTES:
            return None
    except ValueError:
        return None
    drf_ref = getattr(request, "sentry_api_request", None)
    drf_request = drf_ref() if drf_ref is not None else None
    try:
        if drf_request is not None:
            data = drf_request.data
            return _fields(data) if hasattr(data, "getlist") else data
        if content_type.startswith("application/json"):
            return None  # never read by a view: reading it now would need the stream
        return _fields(request.POST)
    except Exception:  # noqa: BLE001 - a body that cannot be parsed is left out
        return None


def _fields(form: Any) -> dict[str, list[str]]:
    """A form's text fields; uploaded files are left out (their content and names)."""
    return {k: [v for v in form.getlist(k) if isinstance(v, str)] for k in form}


def request_event_processor(
    request_ref: weakref.ReferenceType[HttpRequest],
) -> Callable[[Any, Any], Any]:
    # Events are plain dicts; typed Any as the SDK's own ``Event`` type is not public.
    def processor(event: Any, hint: Any) -> Any:
        request = request_ref()
        if request is None:
            return event
        try:
            info = event.setdefault("request", {})
            info.setdefault("url", request.build_absolute_uri(request.path))
            info.setdefault("method", request.method)
            info.setdefault("query_string", request.META.get("QUERY_STRING", ""))
            info.setdefault(
                "headers",
                {
                    k: FILTERED if k.lower() in SENSITIVE_HEADERS else v
                    for k, v in request.headers.items()
                },
            )
            data = _request_data(request)
            if data:
                info.setdefault("data", data)
            match = getattr(request, "resolver_match", None)
            if match is not None and match.route and not event.get("transaction"):
                event["transaction"] = route_name(match.route)
                event["transaction_info"] = {"source": "route"}
        except Exception:  # noqa: BLE001 - the event is sent with what could be added
            pass
        return event

    return processor


def _mark_unhandled(event: Any, hint: Any) -> Any:
    values = (event.get("exception") or {}).get("values") or []
    if values:
        values[-1]["mechanism"] = {"type": "django", "handled": False}
    return event


def capture_request_exception(sender: Any, request: HttpRequest | None = None, **_: Any) -> None:
    """``got_request_exception``: Django answers 500 for an exception nothing handled."""
    exc_info = sys.exc_info()
    if exc_info[1] is None:
        return
    with sentry_sdk.new_scope() as scope:
        scope.add_event_processor(_mark_unhandled)
        sentry_sdk.capture_exception(exc_info)


class SentryRequestMiddleware:
    """First in ``MIDDLEWARE``: the request's own isolation scope, its session, the request
    context of its events and, with tracing, its transaction, while ``install(True)`` is
    in force."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _State.active:
            return self.get_response(request)
        with sentry_sdk.isolation_scope() as scope, track_session(scope, session_mode="request"):
            scope.add_event_processor(request_event_processor(weakref.ref(request)))
            incoming = _trace_headers(request.META)
            if not _State.tracing:
                scope.generate_propagation_context(incoming_data=incoming)
                return self.get_response(request)
            return self._traced(request, incoming)

    def _traced(self, request: HttpRequest, incoming: dict[str, str]) -> HttpResponse:
        transaction = sentry_sdk.continue_trace(
            incoming, op="http.server", name=request.path, source="url", origin=ORIGIN
        )
        # The sampler (``sih28.sentry_sampling``) reads the method and path from the environ.
        with sentry_sdk.start_transaction(
            transaction, custom_sampling_context={"wsgi_environ": request.META}
        ):
            if transaction.sampled:
                with sql_spans():
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
            transaction.set_http_status(response.status_code)
            return response

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        """The URL is resolved: name the transaction (and the errors) after its route."""
        match = request.resolver_match
        if _State.tracing and match is not None and match.route:
            sentry_sdk.get_current_scope().set_transaction_name(
                route_name(match.route), source="route"
            )


def _trace_headers(meta: dict[str, Any]) -> dict[str, str]:
    """An incoming trace to continue (empty: a new trace of its own for this request)."""
    trace = meta.get("HTTP_SENTRY_TRACE")
    if not trace:
        return {}
    return {"sentry-trace": trace, "baggage": meta.get("HTTP_BAGGAGE", "")}
