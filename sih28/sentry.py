"""Sentry set-up: one initialisation from settings; off (and free) without a DSN.

``init_sentry`` is called once, at the bottom of ``sih28.settings``, so every process that
loads the settings (web, ``manage.py`` commands, Celery worker and beat before they fork)
is covered. Nothing personal or secret leaves the process: the SDK's ``EventScrubber``
runs with an extended deny list, and ``before_send`` / ``before_send_transaction`` run
``sih28.scrubbing.scrub_event`` on errors and transactions alike.

The helpers below are what the services call: ``transaction_or_span`` for the root of a
piece of work (a transaction, or a child span inside a request's or task's transaction),
``tag_job`` / ``job_scope_context`` for a generation job, ``command_transaction`` /
``SentryCommandMixin`` for management commands, ``set_user_context`` for the user (id and
role only). The tagging helpers are no-ops, and nearly free, while Sentry is off.
"""

from __future__ import annotations

import contextlib
import logging
import subprocess
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import sentry_sdk
from sentry_sdk.scrubber import DEFAULT_DENYLIST, DEFAULT_PII_DENYLIST, EventScrubber
from sentry_sdk.tracing import Span
from sentry_sdk.transport import HttpTransport

from sih28.scrubbing import PII_DENYLIST, SECRET_DENYLIST, scrub_data, scrub_event
from sih28.sentry_db import sql_spans
from sih28.sentry_errors import tag_error_type
from sih28.sentry_sampling import TraceRates, make_traces_sampler

#: The logger the SDK writes its own diagnostics to.
SDK_LOGGER = "sentry_sdk.errors"
#: Loggers whose records are neither breadcrumbs nor events: the request log line is
#: written after the response, when nothing of the request can be reported any more;
#: Django's own line for each 4xx/5xx response (its errors are captured as exceptions by
#: ``sih28.sentry_requests``; the SDK's Django integration, not used, ignored both too).
SENTRY_IGNORED_LOGGERS = ("sih28.requests", "django.request", "django.server")


def before_send(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrub_event(tag_error_type(event, hint))


def before_send_transaction(event: dict[str, Any], hint: dict[str, Any]) -> dict[str, Any]:
    return scrub_event(event)


class ResilientTransport(HttpTransport):
    """The SDK's HTTP transport with a circuit breaker: when the Sentry server cannot be
    reached, stop trying (dropping events, counted as lost) for 5 s, doubling up to 60 s
    while the outage lasts, instead of sending every envelope into it; so an outage of
    Sentry costs the app (nearly) nothing. Built only on the transport's public surface:
    ``on_dropped_event`` (told of every network failure), ``capture_envelope``,
    ``record_lost_event`` and the ``TIMEOUT`` of one send (the SDK's 30 s is far longer
    than a reachable Sentry ever needs)."""

    BACKOFF_MIN_S = 5.0
    BACKOFF_MAX_S = 60.0
    TIMEOUT = 5

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(options)
        self._down_until = 0.0
        self._backoff_s = 0.0

    @property
    def is_down(self) -> bool:
        return time.monotonic() < self._down_until

    def on_dropped_event(self, reason: str) -> None:
        super().on_dropped_event(reason)
        if reason != "network":
            return
        now = time.monotonic()
        # Failing again soon after the last pause ended: the outage goes on, pause longer.
        still_down = now - self._down_until < max(self._backoff_s, self.BACKOFF_MIN_S)
        self._backoff_s = (
            min(self.BACKOFF_MAX_S, self._backoff_s * 2) if still_down and self._backoff_s else 0
        ) or self.BACKOFF_MIN_S
        self._down_until = now + self._backoff_s

    def capture_envelope(self, envelope: Any) -> None:
        if self.is_down:
            for item in envelope.items:
                self.record_lost_event("network_error", item=item)
            return
        super().capture_envelope(envelope)


def git_release(repo: Path = Path(__file__).resolve().parent.parent) -> str | None:
    """``sih28@<commit>`` of the checkout ``repo``, or None outside a git checkout. Called
    only when Sentry is switched on without ``SENTRY_RELEASE``: never at settings import."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"],
            cwd=repo,
            capture_output=True,
            text=True,
            timeout=2,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    return f"sih28@{commit}" if out.returncode == 0 and commit else None


def sentry_integrations() -> list[Any]:
    """The integrations SIH28 runs with, and nothing else (``auto_enabling_integrations``
    is off). What each one costs a request is measured by ``benchmarks.sentry_cost``:

    - Celery: task errors, traces continued from the request that queued a task, and cron
      check-ins of the beat schedule's tasks.
    - Logging: INFO and above as breadcrumbs, ERROR as events, no Sentry Logs.
    - Django is left out: sampled or not, it built a span object and a breadcrumb for every
      SQL query, wrapped every middleware and resolved the URL again, most of the SDK's
      work on a request. ``sih28.sentry_requests.SentryRequestMiddleware`` binds each
      request's scope, context, errors and (with tracing) transaction, and
      ``sih28.sentry_db`` adds the SQL spans of sampled work only.
    - Redis is left out: a span and a breadcrumb for each throttle-counter command was
      about a third of the SDK's work on every API request; queueing a job still shows as
      the Celery integration's ``queue.submit.celery`` span.
    """
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.logging import LoggingIntegration

    return [
        CeleryIntegration(propagate_traces=True, monitor_beat_tasks=True),
        # No Sentry Logs (``enable_logs`` is off): without a handler for them, a log record
        # is not matched against the ignored loggers a second time.
        LoggingIntegration(level=logging.INFO, event_level=logging.ERROR, sentry_logs_level=None),
    ]


def init_sentry(
    *,
    dsn: str,
    environment: str,
    release: str | None,
    traces_sample_rate: float,
    profiles_sample_rate: float,
    trace_rates: TraceRates | None = None,
    ignored_loggers: tuple[str, ...] = SENTRY_IGNORED_LOGGERS,
    spotlight: str = "",
    **overrides: Any,
) -> bool:
    """Initialise the SDK once. Returns False (and does nothing) without a DSN.

    ``trace_rates`` are the sample rates by kind of work (``sih28.sentry_sampling``);
    without them every kind is sampled at ``traces_sample_rate``. A ``traces_sample_rate``
    of 0 switches tracing off altogether (errors only). ``ignored_loggers`` make neither
    breadcrumbs nor events. ``spotlight``
    (``SENTRY_SPOTLIGHT``: ``1`` or the sidecar's URL) also switches the SDK on without a
    DSN, for local development with the Spotlight sidecar. ``overrides`` are passed to
    ``sentry_sdk.init`` (tests use them for a recording ``transport``).
    """
    if not dsn and not spotlight:
        return False
    release = release or git_release()
    from sentry_sdk.integrations.logging import ignore_logger

    rates = trace_rates or TraceRates.uniform(traces_sample_rate)
    tracing = traces_sample_rate > 0 and rates.any
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
        # Only the integrations below (and the SDK's defaults: logging, dedupe, excepthook,
        # threading, modules, stdlib, argv, atexit); none switched on because a package
        # happens to be installed.
        "auto_enabling_integrations": False,
        "integrations": sentry_integrations(),
    }
    if tracing:
        # With tracing off no sampler is set: a sampler, even one that always says no,
        # makes the SDK build (unsampled) transactions and spans for every request.
        options["traces_sampler"] = make_traces_sampler(rates)
    if profiles_sample_rate > 0:
        # Continuous profiling while a sampled transaction runs (transaction-based
        # ``profiles_sample_rate`` is deprecated in sentry-sdk 2.x).
        options["profile_session_sample_rate"] = profiles_sample_rate
        options["profile_lifecycle"] = "trace"
    if spotlight:
        options["spotlight"] = spotlight if "://" in spotlight else True
    options.update(overrides)
    for name in ignored_loggers:
        ignore_logger(name)
    sentry_sdk.init(**options)
    if not options.get("debug"):
        # The SDK's own logger is at DEBUG with a filter that drops everything unless
        # ``debug`` is on: a record was still built for each transaction not sampled.
        logging.getLogger(SDK_LOGGER).setLevel(logging.WARNING)
    # Requests bind their own scope, context and transaction, unless the Django integration
    # is switched on (``benchmarks.sentry_cost`` does, to measure it).
    from sih28 import sentry_requests

    sentry_requests.install(
        sentry_sdk.get_client().get_integration("django") is None, tracing=tracing
    )
    return True


def is_enabled() -> bool:
    return sentry_sdk.get_client().is_active()


# --- Context helpers for the services ---------------------------------------------------


def set_user_context(user: Any) -> None:
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


def tag_job(job: Any, *, scope: str, feature: str = "timetable.generate") -> None:
    """Tags ``feature``, ``job_id``, ``scope``, ``semester``, the ``timetable_params``
    context and the user (id, role) who started the job, on the current scope and on the
    running transaction. ``scope`` is the job's scope label, computed by its owner (the
    generation job), never here."""
    if not is_enabled():
        return
    _set_tags(
        {
            "feature": feature,
            "job_id": job.pk,
            "scope": scope,
            "semester": getattr(job, "semester", None) or "all",
        }
    )
    params = dict(getattr(job, "params", None) or {})
    sentry_sdk.set_context(
        "timetable_params",
        scrub_data(
            {
                "time_limit_s": getattr(job, "time_limit_s", None),
                "scope": scope,
                **{k: v for k, v in params.items() if isinstance(v, int | float | bool | str)},
            }
        ),
    )
    set_user_context(getattr(job, "created_by", None))


@contextlib.contextmanager
def job_scope_context(
    job: Any, *, scope: str, feature: str = "timetable.generate"
) -> Iterator[None]:
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


def set_command(name: str) -> None:
    """Tag events of a management command with ``command=<name>``."""
    if is_enabled():
        _set_tags({"command": name})


@contextlib.contextmanager
def transaction_or_span(
    *, op: str, name: str, data: Mapping[str, Any] | None = None, source: str = "custom"
) -> Iterator[Span]:
    """``with transaction_or_span(op=..., name=...) as span:`` a transaction of its own when
    none is open (a command, a script), else a child span of the open one (a request, a
    Celery task). ``data`` is set on it as span data; ``source`` is the transaction's name
    source. When it is sampled, the block's SQL queries are its ``db`` child spans. The
    span is returned even while Sentry is off (then it records nothing)."""
    cm: Any
    if sentry_sdk.get_current_span() is None:
        cm = sentry_sdk.start_transaction(op=op, name=name, source=source)
    else:
        cm = sentry_sdk.start_span(op=op, name=name)
    with cm as span, sql_spans() if span.sampled else contextlib.nullcontext():
        for key, value in (data or {}).items():
            span.set_data(key, value)
        yield span


@contextlib.contextmanager
def command_transaction(name: str) -> Iterator[None]:
    """Run a management command in its own transaction (op ``command``) tagged with its name;
    inside an already running transaction it becomes a child span instead."""
    if not is_enabled():
        yield
        return
    with sentry_sdk.isolation_scope(), transaction_or_span(op="command", name=name, source="task"):
        set_command(name)
        yield


class SentryCommandMixin:
    """Mix into a ``BaseCommand``: the command runs in a ``command`` transaction and its
    events carry ``command=<name>``. Errors other than ``CommandError`` are reported."""

    def execute(self, *args: Any, **options: Any) -> Any:
        from django.core.management.base import CommandError

        name = (
            getattr(self, "sentry_command_name", None) or type(self).__module__.rsplit(".", 1)[-1]
        )
        with command_transaction(name):
            try:
                return super().execute(*args, **options)  # type: ignore[misc]
            except CommandError:
                raise
            except Exception:
                sentry_sdk.capture_exception()
                raise
