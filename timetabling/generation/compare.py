"""Comparing the variants of one request, side by side, in a fixed number of queries."""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass
from itertools import combinations

from django.conf import settings

from academics.models import Room, TimeSlot
from timetabling import optimizer as opt
from timetabling.generation.metrics import JobMetrics
from timetabling.generation.variants import variant_title
from timetabling.models import GenerationJob, TimetableSlot

PREFERENCE_PENALTIES = ("faculty_prefer", "faculty_avoid")


@dataclass(frozen=True)
class VariantSummary:
    job_id: int
    label: str
    title: str
    status: str
    review: str
    hard_violations: int | None
    soft_penalty: int | None  # under the variant's own weighting
    soft_penalty_balanced: int | None  # the same counts under today's weights: comparable
    penalties: dict[str, int]  # cost (count x weight) by name
    idle_periods_per_batch: float | None  # mean over the batches, per week
    preference_misses: dict[str, int]  # faculty_prefer / faculty_avoid counts, if evaluated
    room_utilisation: float | None  # taught room-periods / (rooms x grid periods)
    load_std_dev: float | None  # std dev of a teacher's periods over the days, mean of teachers
    sessions: int


@dataclass(frozen=True)
class PairDifference:
    first: int
    second: int
    differ: int  # sessions of ``first`` not at the same day and period in ``second``
    share: float  # differ / sessions of ``first``


@dataclass(frozen=True)
class VariantComparison:
    group: uuid.UUID
    variants: list[VariantSummary]
    pairs: list[PairDifference]


@dataclass(frozen=True)
class _Row:
    job_id: int
    offering_id: int
    batch_id: int
    faculty_id: int
    day: int
    period: int
    length: int
    primary: bool


def _idle_per_batch(rows: list[_Row]) -> float | None:
    busy: dict[tuple[int, int], set[int]] = defaultdict(set)
    for r in rows:
        busy[(r.batch_id, r.day)].update(range(r.period, r.period + r.length))
    if not busy:
        return None
    idle: Counter[int] = Counter()
    for (batch, _day), periods in busy.items():
        idle[batch] += max(periods) - min(periods) + 1 - len(periods)
    batches = {b for b, _ in busy}
    return round(sum(idle[b] for b in batches) / len(batches), 2)


def _balanced(metrics: JobMetrics) -> int:
    """The run's penalty counts priced at today's weights, so variants compare."""
    base = opt.Weights(previous_distance=settings.GENERATION_STAY_CLOSE_WEIGHT)
    return sum(p.count * getattr(base, name, p.weight) for name, p in metrics.penalties.items())


def _daily_spread(load: Counter[tuple[int, int]], days: list[int]) -> float | None:
    """How unevenly teachers' periods fall over the days of the week: the standard deviation
    of each teacher's periods per day, averaged over the teachers."""
    teachers = {f for f, _ in load}
    if not teachers or not days:
        return None
    spreads = [statistics.pstdev([load[(f, d)] for d in days]) for f in teachers]
    return round(sum(spreads) / len(spreads), 2)


def _sessions(rows: list[_Row]) -> Counter[tuple[int, int, int]]:
    return Counter((r.offering_id, r.day, r.period) for r in rows if r.primary)


def variant_comparison(*, group: uuid.UUID) -> VariantComparison:
    jobs = list(GenerationJob.objects.filter(variant_group=group).order_by("pk"))
    rows: dict[int, list[_Row]] = defaultdict(list)
    for values in TimetableSlot.objects.filter(job__variant_group=group).values_list(
        "job_id", "offering_id", "batch_id", "faculty_id", "day", "period", "length", "primary"
    ):
        row = _Row(*values)
        rows[row.job_id].append(row)
    cells = list(TimeSlot.objects.values_list("day", flat=True))
    capacity = Room.objects.count() * len(cells)
    days = sorted(set(cells))
    summaries = []
    for job in jobs:
        mine = rows.get(job.pk, [])
        metrics = JobMetrics.of(job)
        primary = [r for r in mine if r.primary]
        load: Counter[tuple[int, int]] = Counter()
        for r in primary:
            load[(r.faculty_id, r.day)] += r.length
        taught = sum(r.length for r in primary)
        summaries.append(
            VariantSummary(
                job_id=job.pk,
                label=job.variant_label,
                title=variant_title(job.variant_label),
                status=job.status,
                review=job.review,
                hard_violations=metrics.hard_violations if metrics else None,
                soft_penalty=metrics.soft_penalty if metrics else None,
                soft_penalty_balanced=_balanced(metrics) if metrics else None,
                penalties={n: p.cost for n, p in metrics.penalties.items()} if metrics else {},
                idle_periods_per_batch=_idle_per_batch(mine),
                preference_misses={
                    n: metrics.penalties[n].count
                    for n in PREFERENCE_PENALTIES
                    if metrics and n in metrics.penalties
                },
                room_utilisation=round(taught / capacity, 3) if capacity and primary else None,
                load_std_dev=_daily_spread(load, days),
                sessions=len(primary),
            )
        )
    sessions = {job.pk: _sessions(rows.get(job.pk, [])) for job in jobs}
    pairs = []
    for a, b in combinations([j.pk for j in jobs], 2):
        total = sum(sessions[a].values())
        if not total or not sessions[b]:
            continue
        differ = total - sum((sessions[a] & sessions[b]).values())
        pairs.append(
            PairDifference(first=a, second=b, differ=differ, share=round(differ / total, 3))
        )
    return VariantComparison(group=group, variants=summaries, pairs=pairs)
