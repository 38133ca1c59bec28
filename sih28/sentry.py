"""Sentry set-up: one initialisation from settings; off (and free) without a DSN.

``init_sentry`` is called once, at the bottom of ``sih28.settings``, so every process that
loads the settings (web, ``manage.py`` commands, Celery worker and beat before they fork)
is covered. Nothing personal or secret leaves the process: the SDK's ``EventScrubber``
runs with an extended deny list, and ``before_send`` / ``before_send_transaction`` scrub
request bodies, query strings, headers, breadcrumbs, messages, extra data, contexts, span
data and the local variables of stack frames, for errors and transactions alike.

The helpers below are what the services call: ``tag_job`` / ``job_scope_context`` for a
generation job, ``phase`` for breadcrumbs, ``set_command`` / ``command_transaction`` /
``SentryCommandMixin`` for management commands, ``set_user_context`` for the user (id and
role only). They are all no-ops, and nearly free, while Sentry is off.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import re
import time
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

import sentry_sdk
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber
from sentry_sdk.transport import HttpTransport

FILTERED = "[Filtered]"

#: Paths whose transactions are never sampled (load-balancer and container health checks).
HEALTH_CHECK_PATHS = frozenset({"/healthz", "/healthz/"})

#: Secrets: always scrubbed (exact key names, case-insensitive; used by ``EventScrubber``).
SECRET_DENYLIST = [
    "password", "password1", "password2", "new_password", "old_password", "passwd", "pwd",
    "token", "access_token", "refresh_token", "auth_token", "key", "secret", "secret_key",
    "client_secret", "authorization", "http_authorization", "proxy_authorization", "cookie",
    "cookies", "http_cookie", "api_key", "apikey", "x-api-key", "x_api_key", "session",
    "sessionid", "session_id", "session_key", "csrf", "csrftoken", "csrfmiddlewaretoken",
    "x-csrftoken", "http_x_csrftoken", "dsn", "sentry_dsn", "database_url", "redis_url",
    "private_key", "credentials",
]
#: Personal fields of students, faculty and users: scrubbed because ``send_default_pii`` is off.
PII_DENYLIST = [
    "email", "email_address", "username", "user_name", "phone", "phone_number", "mobile",
    "mobile_number", "contact", "first_name", "last_name", "full_name", "middle_name", "name",
    "student_name", "faculty_name", "father_name", "mother_name", "guardian", "guardian_name",
    "roll_number", "roll_no", "rollno", "enrollment_number", "registration_number", "dob",
    "date_of_birth", "address", "aadhaar", "ip", "ip_address",
]

# Our own matcher is broader than the SDK's exact-key lists: a key is sensitive when it is
# listed above or contains one of these fragments (``HTTP_X_AUTH_TOKEN``, ``user_email`` ...).
_SENSITIVE_FRAGMENTS = (
    "password", "passwd", "secret", "token", "authorization", "cookie", "api_key", "apikey",
    "api-key", "csrf", "xsrf", "sessionid", "session_id", "session_key", "dsn", "email",
    "phone", "mobile", "first_name", "last_name", "full_name", "firstname", "lastname",
    "fullname", "roll_n", "rollno", "private_key", "credential", "date_of_birth", "guardian",
)
_SENSITIVE_KEYS = frozenset(k.lower() for k in SECRET_DENYLIST + PII_DENYLIST)

_VALUE_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    # Authorization schemes followed by a credential: "Token abc...", "Bearer abc...".
    (re.compile(r"(?i)\b(token|bearer|basic|digest)(\s+)[A-Za-z0-9._~+/=\-]{6,}"),
     r"\1\2" + FILTERED),
    # key=value / key: value / "key": "value" for secret-looking keys.
    (re.compile(
        r"(?i)(\b[\w\-]*(?:password|passwd|secret|token|api_?key|apikey|sessionid|csrf\w*|"
        r"authorization|cookie|dsn|email|phone|mobile|first_name|last_name|full_name)"
        r"[\w\-]*['\"]?\s*[=:]\s*['\"]?)(?!%[sdr])([^\s&'\",;}]+)"),
     r"\1" + FILTERED),
    # Credentials inside URLs: scheme://user:secret@host, and DSN keys scheme://key@host.
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^/\s:@'\"]+(?::[^/\s@'\"]*)?@"),
     r"\1" + FILTERED + "@"),
    # E-mail addresses anywhere.
    (re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+"), "[email]"),
    # Phone numbers: +<country code> ..., or a ten-digit Indian mobile number.
    (re.compile(r"\+\d{1,3}[\s\-]?\d[\d\s\-]{6,13}\d"), "[phone]"),
    (re.compile(r"(?<![\w.])[6-9]\d{9}(?![\w.])"), "[phone]"),
]
# ``<Student: Asha Rao (CSE-1)>``: Django model reprs in stack-frame variables carry names.
_MODEL_REPR = re.compile(r"<(\w+(?:\.\w+)*): [^<>]*>")
# Contexts the SDK itself fills (runtime name, OS, trace ids): nothing personal in them.
_SDK_CONTEXTS = frozenset({"trace", "runtime", "os", "device", "app", "profile", "otel",
                           "cloud_resource", "culture", "flags", "response"})
_HEADER_SECRETS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie",
                             "x-api-key", "x-csrftoken", "x-auth-token"})


@functools.lru_cache(maxsize=4096)
def is_sensitive_key(key: object) -> bool:
    """Is a dict key (a header, a form field, a variable name) one whose value is secret?"""
    if not isinstance(key, str):
        return False
    k = key.lower().replace("-", "_")
    if k in _SENSITIVE_KEYS or key.lower() in _SENSITIVE_KEYS:
        return True
    return any(fragment.replace("-", "_") in k for fragment in _SENSITIVE_FRAGMENTS)


# One cheap search decides whether the substitutions below can change a string at all.
_MAY_NEED_SCRUBBING = re.compile(
    r"(?i)token|bearer|basic|digest|passw|secret|api_?key|apikey|session|csrf|authoriz|cookie|"
    r"dsn|email|phone|mobile|_name|@|\+\d|[6-9]\d{9}")


def scrub_text(text: str) -> str:
    """Replace credentials, e-mail addresses and phone numbers inside free text."""
    if not _MAY_NEED_SCRUBBING.search(text):
        return text
    for pattern, replacement in _VALUE_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def scrub_data(value: Any, *, frame_vars: bool = False, depth: int = 0) -> Any:
    """Recursively scrub a JSON-like value: sensitive keys are filtered, text is cleaned."""
    if depth > 20:
        return value
    if isinstance(value, dict):
        return {
            k: (FILTERED if is_sensitive_key(k) and v not in (None, "", [], {})
                else scrub_data(v, frame_vars=frame_vars, depth=depth + 1))
            for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [scrub_data(v, frame_vars=frame_vars, depth=depth + 1) for v in value]
    if isinstance(value, str):
        if frame_vars:
            # Bulk text in a local variable (an uploaded CSV, a request body) is personal
            # data by construction; a model repr names the person it belongs to.
            # (Frame variables arrive as reprs, so a newline may be the two characters \n.)
            lines = "\n" in value or "\\n" in value
            if lines and ("," in value or "\t" in value or "\\t" in value) and len(value) > 20:
                return f"[Filtered: {len(value)} characters of bulk text]"
            value = _MODEL_REPR.sub(r"<\1: " + FILTERED + ">", value)
        return scrub_text(value)
    return value


def _scrub_query_string(qs: Any) -> Any:
    if isinstance(qs, str):
        pairs = parse_qsl(qs, keep_blank_values=True)
        if not pairs:
            return scrub_text(qs)
        return urlencode([(k, FILTERED if is_sensitive_key(k) else scrub_text(v))
                          for k, v in pairs], safe="[]")
    if isinstance(qs, list):  # [[key, value], ...]
        return [[pair[0], FILTERED if is_sensitive_key(pair[0]) else scrub_data(pair[1])]
                if isinstance(pair, list | tuple) and len(pair) == 2 else scrub_data(pair)
                for pair in qs]
    return scrub_data(qs)


def _scrub_request(request: dict[str, Any]) -> None:
    headers = request.get("headers")
    if isinstance(headers, dict):
        request["headers"] = {
            k: FILTERED if (k.lower() in _HEADER_SECRETS or is_sensitive_key(k))
            else scrub_text(v) if isinstance(v, str) else v
            for k, v in headers.items()
        }
    if request.get("cookies"):
        request["cookies"] = FILTERED
    if "query_string" in request:
        request["query_string"] = _scrub_query_string(request["query_string"])
    if "data" in request:
        data = request["data"]
        if isinstance(data, str):
            pairs = parse_qsl(data, keep_blank_values=True)
            request["data"] = (_scrub_query_string(data) if pairs and "=" in data
                               else scrub_text(data))
        else:
            request["data"] = scrub_data(data)
    if isinstance(request.get("url"), str):
        request["url"] = scrub_text(request["url"])
    if isinstance(request.get("env"), dict):
        request["env"] = {k: v for k, v in scrub_data(request["env"]).items()
                          if k not in ("REMOTE_ADDR",)}


def _scrub_frames(container: Any) -> None:
    if not isinstance(container, dict):
        return
    for frame in (container.get("stacktrace") or {}).get("frames") or []:
        if isinstance(frame, dict) and "vars" in frame:
            frame["vars"] = scrub_data(frame["vars"], frame_vars=True)


def scrub_event(event: dict[str, Any]) -> dict[str, Any]:
    """Scrub everything of an error or transaction event that can carry user input."""
    if isinstance(event.get("request"), dict):
        _scrub_request(event["request"])
    for key in ("extra", "contexts", "tags"):
        if isinstance(event.get(key), dict):
            event[key] = {
                k: (v if key == "contexts" and k in _SDK_CONTEXTS
                    else FILTERED if is_sensitive_key(k) else scrub_data(v))
                for k, v in event[key].items()
            }
    user = event.get("user")
    if isinstance(user, dict):
        # Only an id and a role ever describe a user.
        event["user"] = {k: v for k, v in user.items() if k in ("id", "role")}
    if isinstance(event.get("message"), str):
        event["message"] = scrub_text(event["message"])
    logentry = event.get("logentry")
    if isinstance(logentry, dict):
        _scrub_logentry(logentry)
    for exception in (event.get("exception") or {}).get("values") or []:
        if isinstance(exception, dict):
            if isinstance(exception.get("value"), str):
                exception["value"] = scrub_text(exception["value"])
            _scrub_frames(exception)
    for thread in (event.get("threads") or {}).get("values") or []:
        _scrub_frames(thread)
    _scrub_frames(event)
    breadcrumbs = event.get("breadcrumbs")
    values = breadcrumbs.get("values") if isinstance(breadcrumbs, dict) else breadcrumbs
    for crumb in values or []:
        if isinstance(crumb, dict):
            _scrub_breadcrumb(crumb)
    for span in event.get("spans") or []:
        if isinstance(span, dict):
            # SQL is sent with placeholders, never values: no need to scan it.
            sql = span.get("op") == "db" and (span.get("data") or {}).get("db.system")
            for key in ("description", "name"):
                if isinstance(span.get(key), str) and not sql:
                    span[key] = scrub_text(span[key])
            if isinstance(span.get("data"), dict):
                span["data"] = scrub_data(span["data"])
            if isinstance(span.get("tags"), dict):
                span["tags"] = scrub_data(span["tags"])
    if isinstance(event.get("transaction"), str):
        event["transaction"] = scrub_text(event["transaction"])
    _group_infeasible(event)
    return event


_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[sdrifgexXoc%]")
_KEY_BEFORE_PLACEHOLDER = re.compile(
    r"(?i)(password|passwd|secret|token|api_?key|sessionid|csrf\w*|authorization|cookie|dsn|"
    r"email|phone|mobile|first_name|last_name|full_name|name|user(?:name)?)['\"]?\s*[=:]?\s*"
    r"['\"]?$")


def _scrub_logentry(logentry: dict[str, Any]) -> None:
    """``logger.info("login %s password=%s", user, pw)``: a parameter that follows a
    sensitive word in the template is filtered; the others are cleaned like free text."""
    template = logentry.get("message")
    params = logentry.get("params")
    if isinstance(template, str) and isinstance(params, list):
        index = 0
        for match in _PLACEHOLDER.finditer(template):
            if match.group() == "%%":
                continue
            if index < len(params) and _KEY_BEFORE_PLACEHOLDER.search(
                    template[max(0, match.start() - 40):match.start()]):
                params[index] = FILTERED
            index += 1
    if params is not None:
        logentry["params"] = scrub_data(params)
    for key in ("message", "formatted"):
        if isinstance(logentry.get(key), str):
            logentry[key] = scrub_text(logentry[key])


def _scrub_breadcrumb(crumb: dict[str, Any]) -> dict[str, Any]:
    if isinstance(crumb.get("message"), str):
        crumb["message"] = scrub_text(crumb["message"])
    if "data" in crumb:
        crumb["data"] = scrub_data(crumb["data"])
    return crumb


def _group_infeasible(event: dict[str, Any]) -> None:
    """Infeasible-timetable failures group by scope, whatever their message says."""
    if event.get("fingerprint") or event.get("type") == "transaction":
        return
    names = [e.get("type", "") for e in (event.get("exception") or {}).get("values") or []
             if isinstance(e, dict)]
    if any("Infeasible" in (name or "") for name in names):
        scope = (event.get("tags") or {}).get("scope", "unknown")
        event["fingerprint"] = ["timetable-infeasible", str(scope)]


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrub_event(event)


def before_send_transaction(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrub_event(event)


def make_traces_sampler(rate: float):  # noqa: ANN201 - returns the SDK's sampler callable
    """Health checks are never traced; a parent's decision is kept; else ``rate``."""

    def traces_sampler(sampling_context: Mapping[str, Any]) -> float:
        environ = sampling_context.get("wsgi_environ") or {}
        path = environ.get("PATH_INFO", "") if isinstance(environ, Mapping) else ""
        name = (sampling_context.get("transaction_context") or {}).get("name") or ""
        if path in HEALTH_CHECK_PATHS or name in HEALTH_CHECK_PATHS:
            return 0.0
        parent_sampled = sampling_context.get("parent_sampled")
        if parent_sampled is not None:
            return 1.0 if parent_sampled else 0.0
        return rate

    return traces_sampler


class ResilientTransport(HttpTransport):
    """The SDK's HTTP transport with a circuit breaker: when the Sentry server cannot be
    reached, stop trying (dropping events, counted as lost) for 5 s, doubling up to 60 s,
    instead of retrying every envelope; so an outage of Sentry costs the app (nearly)
    nothing. Built on sentry-sdk 2.x's ``HttpTransport`` internals (pinned version)."""

    BACKOFF_MIN_S = 5.0
    BACKOFF_MAX_S = 60.0

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self._down_until = 0.0
        self._backoff_s = 0.0

    def _get_pool_options(self) -> dict[str, Any]:
        import urllib3

        options = super()._get_pool_options()
        options["retries"] = urllib3.Retry(total=0, connect=0, read=0, redirect=0)
        return options

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def capture_envelope(self, envelope: Any) -> None:
        if self.is_down:
            for item in envelope.items:
                self.record_lost_event("network_error", item=item)
            return
        super().capture_envelope(envelope)

    def _send_request(self, *args: Any, **kwargs: Any) -> None:
        try:
            super()._send_request(*args, **kwargs)
        except Exception:
            self._backoff_s = min(self.BACKOFF_MAX_S,
                                  max(self.BACKOFF_MIN_S, self._backoff_s * 2))
            self._down_until = time.monotonic() + self._backoff_s
            raise
        self._backoff_s = 0.0


def init_sentry(
    *,
    dsn: str,
    environment: str,
    release: str | None,
    traces_sample_rate: float,
    profiles_sample_rate: float,
    spotlight: str = "",
    **overrides: Any,
) -> bool:
    """Initialise the SDK once. Returns False (and does nothing) without a DSN.

    ``spotlight`` (``SENTRY_SPOTLIGHT``: ``1`` or the sidecar's URL) also switches the SDK on
    without a DSN, for local development with the Spotlight sidecar. ``overrides`` are passed
    to ``sentry_sdk.init`` (tests use them for a recording ``transport``).
    """
    if not dsn and not spotlight:
        return False
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration
    from sentry_sdk.integrations.redis import RedisIntegration

    options: dict[str, Any] = {
        "dsn": dsn or None,
        "environment": environment,
        "release": release or None,
        # ``send_default_pii`` is left at its default (off). sentry-sdk 2.75 deprecates
        # passing it at all (DeprecationWarning), and its replacement, ``data_collection``,
        # switches ``event_scrubber`` off; the default means exactly send_default_pii=False.
        "event_scrubber": EventScrubber(
            denylist=DEFAULT_DENYLIST + SECRET_DENYLIST,
            pii_denylist=DEFAULT_PII_DENYLIST + PII_DENYLIST,
            recursive=True,
        ),
        "before_send": before_send,
        "before_send_transaction": before_send_transaction,
        "in_app_include": ["sih28", "academics", "timetabling", "imports"],
        "transport": ResilientTransport,
        "integrations": [
            # Signal spans (one per receiver of request_started/finished ...) are noise and
            # cost every traced request; SQL, cache and Redis spans stay.
            DjangoIntegration(transaction_style="url", signals_spans=False),
            CeleryIntegration(propagate_traces=True, monitor_beat_tasks=True),
            RedisIntegration(),
            LoggingIntegration(level=logging.INFO, event_level=logging.ERROR),
        ],
    }
    if traces_sample_rate > 0:
        # With a rate of 0 tracing stays off altogether: a sampler, even one that always
        # says no, makes the SDK build (unsampled) transactions and spans for every request.
        options["traces_sampler"] = make_traces_sampler(traces_sample_rate)
    if profiles_sample_rate > 0:
        # Continuous profiling while a sampled transaction runs (transaction-based
        # ``profiles_sample_rate`` is deprecated in sentry-sdk 2.x).
        options["profile_session_sample_rate"] = profiles_sample_rate
        options["profile_lifecycle"] = "trace"
    if spotlight:
        options["spotlight"] = spotlight if "://" in spotlight else True
    options.update(overrides)
    sentry_sdk.init(**options)
    return True


def is_enabled() -> bool:
    return sentry_sdk.get_client().is_active()


# --- Context helpers for the services ---------------------------------------------------


def set_user_context(user) -> None:  # noqa: ANN001 - any Django user
    """Attach the user's id and role (never name or email) to the current scope."""
    if user is None or not getattr(user, "is_authenticated", False):
        return
    role = getattr(user, "role", "") or "unknown"
    sentry_sdk.set_user({"id": str(user.pk), "role": role})
    sentry_sdk.set_tag("user.role", role)


def _set_tags(tags: Mapping[str, Any]) -> None:
    """Tag the scope (errors) and the running transaction (its event and its spans)."""
    clean = {k: str(v) for k, v in tags.items() if v not in (None, "")}
    sentry_sdk.set_tags(clean)
    span = sentry_sdk.get_current_span()
    transaction = getattr(span, "containing_transaction", None) if span is not None else None
    if transaction is not None:
        for key, value in clean.items():
            transaction.set_tag(key, value)


def job_scope(job: Any) -> str:
    """A short, stable name of a generation job's scope: ``institution``, ``semester-3``,
    ``semester-3/department-CSE``, ``batch-CSE-A`` ... (codes, never names of people)."""
    parts = []
    if getattr(job, "semester", None):
        parts.append(f"semester-{job.semester}")
    if getattr(job, "department_id", None):
        parts.append(f"department-{getattr(job.department, 'code', job.department_id)}")
    if getattr(job, "batch_id", None):
        parts.append(f"batch-{getattr(job.batch, 'code', job.batch_id)}")
    return "/".join(parts) or "institution"


def tag_job(job: Any, *, feature: str = "timetable.generate", scope: str | None = None) -> None:
    """Tags ``feature``, ``job_id``, ``scope``, ``semester``, the ``timetable_params``
    context and the user (id, role) who started the job, on the current scope and on the
    running transaction."""
    if not is_enabled():
        return
    scope = scope or job_scope(job)
    _set_tags({
        "feature": feature,
        "job_id": job.pk,
        "scope": scope,
        "semester": getattr(job, "semester", None) or "all",
    })
    params = dict(getattr(job, "params", None) or {})
    sentry_sdk.set_context("timetable_params", scrub_data({
        "time_limit_s": getattr(job, "time_limit_s", None),
        "scope": scope,
        **{k: v for k, v in params.items() if isinstance(v, int | float | bool | str)},
    }))
    set_user_context(getattr(job, "created_by", None))


@contextlib.contextmanager
def job_scope_context(job: Any, *, feature: str = "timetable.generate",
                      scope: str | None = None) -> Iterator[None]:
    """``with job_scope_context(job): ...``: the block's events carry the job's tags,
    context and user.

    Inside a running transaction (a Celery task, which has an isolation scope of its own,
    or a request) the tags go on that scope, so the task's transaction and the errors the
    Celery integration captures carry them too; otherwise the block gets a fresh isolation
    scope, so nothing leaks into the caller's.
    """
    if sentry_sdk.get_current_span() is None:
        with sentry_sdk.isolation_scope():
            tag_job(job, feature=feature, scope=scope)
            yield
    else:
        tag_job(job, feature=feature, scope=scope)
        yield


def tag(**tags: Any) -> None:
    """Set tags (``feature=``, ``scope=``, ``semester=`` ...) on the scope and transaction."""
    if is_enabled():
        _set_tags(tags)


def phase(message: str, *, category: str = "timetable", **data: Any) -> None:
    """A breadcrumb for one phase of a job or an import (counts only, never personal data)."""
    if is_enabled():
        crumb: dict[str, Any] = {"category": category, "message": message, "level": "info"}
        if data:
            crumb["data"] = data
        sentry_sdk.add_breadcrumb(crumb)


def report_infeasible(scope: str, message: str, **data: Any) -> None:
    """An infeasible timetable: one issue per scope, whatever the message says."""
    if not is_enabled():
        return
    with sentry_sdk.new_scope() as s:
        s.fingerprint = ["timetable-infeasible", scope]
        if data:
            s.set_context("timetable_result", scrub_data(data))
        sentry_sdk.capture_message(message, level="error")


def set_command(name: str) -> None:
    """Tag events of a management command with ``command=<name>``."""
    if is_enabled():
        _set_tags({"command": name})


@contextlib.contextmanager
def command_transaction(name: str) -> Iterator[None]:
    """Run a management command in its own transaction (op ``command``) tagged with its name;
    inside an already running transaction it becomes a child span instead."""
    if not is_enabled():
        yield
        return
    with sentry_sdk.isolation_scope():
        if sentry_sdk.get_current_span() is None:
            cm: Any = sentry_sdk.start_transaction(op="command", name=name, source="task")
        else:
            cm = sentry_sdk.start_span(op="command", name=name)
        with cm:
            set_command(name)
            yield


class SentryCommandMixin:
    """Mix into a ``BaseCommand``: the command runs in a ``command`` transaction and its
    events carry ``command=<name>``. Errors other than ``CommandError`` are reported."""

    def execute(self, *args: Any, **options: Any) -> Any:
        from django.core.management.base import CommandError

        name = getattr(self, "sentry_command_name", None) or type(self).__module__.rsplit(
            ".", 1)[-1]
        with command_transaction(name):
            try:
                return super().execute(*args, **options)  # type: ignore[misc]
            except CommandError:
                raise
            except Exception:
                sentry_sdk.capture_exception()
                raise
