"""Which transactions are traced: a route-aware ``traces_sampler``.

Generation and imports are rare and are what operations most want to see, so they are
always traced; writes at a moderate rate; reads, the bulk of the API traffic, at a low
rate; health checks never. A transaction continued from a parent (a Celery task queued
by a request) keeps the parent's decision, so a trace is either whole or absent.
The rates come from the environment (``SENTRY_TRACES_*``, see ``sih28.settings``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

#: Paths whose transactions are never sampled (load-balancer and container health checks).
HEALTH_CHECK_PATHS = frozenset({"/healthz", "/healthz/"})
#: Request paths where a write starts (or retries, cancels) a generation or an import; reads
#: of them (a job's status polled every few seconds) are ordinary reads.
GENERATION_PATH_PARTS = ("/api/generation-jobs/", "/imports/")
#: Transaction names and ops of generation and import work outside requests.
GENERATION_TRANSACTIONS = frozenset({"timetabling.tasks.generate_timetable_task", "import_csv"})
GENERATION_OPS = frozenset({"timetable.generate", "data.import"})
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclasses.dataclass(frozen=True)
class TraceRates:
    """Sample rates by kind of work (each 0..1)."""

    generation: float = 1.0  # generation jobs and imports, and the requests that start them
    writes: float = 0.2  # POST, PUT, PATCH, DELETE requests
    reads: float = 0.02  # GET, HEAD, OPTIONS requests
    other: float = 0.2  # commands, beat tasks, anything else

    @classmethod
    def uniform(cls, rate: float) -> TraceRates:
        return cls(generation=rate, writes=rate, reads=rate, other=rate)

    @property
    def any(self) -> bool:
        return any(r > 0 for r in dataclasses.astuple(self))


def work_kind(sampling_context: Mapping[str, Any]) -> str:
    """``health``, ``generation``, ``writes``, ``reads`` or ``other`` for a transaction."""
    environ = sampling_context.get("wsgi_environ")
    txn = sampling_context.get("transaction_context") or {}
    name = txn.get("name") or ""
    if isinstance(environ, Mapping):
        path = environ.get("PATH_INFO", "") or ""
        if path in HEALTH_CHECK_PATHS:
            return "health"
        method = (environ.get("REQUEST_METHOD") or "GET").upper()
        if method in READ_METHODS:
            return "reads"
        if any(part in path for part in GENERATION_PATH_PARTS):
            return "generation"
        return "writes"
    if name in HEALTH_CHECK_PATHS:
        return "health"
    if name in GENERATION_TRANSACTIONS or txn.get("op") in GENERATION_OPS:
        return "generation"
    return "other"


def make_traces_sampler(rates: TraceRates) -> Callable[[Mapping[str, Any]], float]:
    """Health checks never; a parent's decision kept; else the rate of the work's kind."""

    def traces_sampler(sampling_context: Mapping[str, Any]) -> float:
        kind = work_kind(sampling_context)
        if kind == "health":
            return 0.0
        parent_sampled = sampling_context.get("parent_sampled")
        if parent_sampled is not None:
            return 1.0 if parent_sampled else 0.0
        return float(getattr(rates, kind))

    return traces_sampler
