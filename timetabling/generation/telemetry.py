"""A generation's outcome as data a dashboard can chart, and infeasible runs grouped by
cause.

``generation_report`` puts every number of :class:`JobMetrics` on the generation's span and
on the transaction that contains it (a Celery task's, or its own), as span data named
``generation.<field>``: time to first feasible, objective, bound and gap, hard violations
(``generation.hard.<kind>``), each named soft penalty (``generation.penalty.<name>``),
sessions moved, and so on. Numeric fields added to ``JobMetrics`` later appear without a
change here. ``infeasibility_cause`` names the cause of an infeasible run without the
names and numbers of the institution's data, so each cause is one issue in Sentry.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from timetabling.generation.metrics import JobMetrics

PREFIX = "generation"
#: Entity words in the optimizer's explanations ("batch CSE-A", "faculty #3", "room R101").
_ENTITY = re.compile(r"\b(class|faculty|batch|room|subject|department)\s+(#?\S+)")
_NUMBER = re.compile(r"\d+(\.\d+)?")


def _targets(span: Any) -> list[Any]:
    transaction = getattr(span, "containing_transaction", None)
    return [span] if transaction is None or transaction is span else [span, transaction]


def _number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return value
    return None


def generation_data(metrics: JobMetrics | None, *, variants: int) -> dict[str, float | int]:
    """``generation.*`` values of a run (``metrics`` None: it made no timetable)."""
    data: dict[str, float | int] = {f"{PREFIX}.variants": variants}
    if metrics is None:
        return data
    for field in dataclasses.fields(metrics):
        value = getattr(metrics, field.name)
        if isinstance(value, dict):
            for key, item in value.items():
                count = getattr(item, "count", item)
                number = _number(count)
                if number is not None:
                    data[f"{PREFIX}.{field.name}.{key}"] = number
            continue
        number = _number(value)
        if number is not None:
            data[f"{PREFIX}.{field.name}"] = number
    if metrics.objective is not None and metrics.bound is not None:
        data[f"{PREFIX}.gap"] = round(
            abs(metrics.objective - metrics.bound) / max(1.0, abs(metrics.objective)), 6
        )
    variants_field = _number(getattr(metrics, "variants", None))
    if variants_field is not None:
        data[f"{PREFIX}.variants"] = variants_field
    return data


def generation_report(span: Any, metrics: JobMetrics | None, *, variants: int) -> None:
    """Set a run's outcome on ``span`` and on its transaction (no-op while Sentry is off)."""
    data = generation_data(metrics, variants=variants)
    for target in _targets(span):
        for key, value in data.items():
            target.set_data(key, value)


def infeasibility_cause(error: str) -> str:
    """The cause of an infeasible run, without names or numbers: the first reason of the
    job's error text (or its first line), e.g. ``batch needs N periods, the week has N``."""
    lines = [line.strip() for line in error.splitlines() if line.strip()]
    reasons = [line[2:] for line in lines if line.startswith("- ")]
    first = reasons[0] if reasons else (lines[0] if lines else "unknown")
    if not reasons and ":" in first:
        first = first.split(":", 1)[1].strip() or first
    cause = _ENTITY.sub(lambda m: m.group(1), first)
    return _NUMBER.sub("N", cause)[:200]
