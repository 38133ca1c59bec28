"""The problem builder refuses an absurd time grid before allocating anything of its size."""

from __future__ import annotations

import datetime as dt
import time
from types import SimpleNamespace

import pytest
from django.db import DataError, IntegrityError, transaction

from academics import limits
from academics.models import TimeSlot
from tests import factories
from timetabling.generation import problem
from timetabling.generation.problem import GridTooLarge, generation_problem_build, time_grid

NINE, TEN = dt.time(9), dt.time(10)


def test_a_grid_within_the_bounds_is_built():
    grid = time_grid([(0, 1, NINE, TEN), (6, limits.MAX_PERIODS_PER_DAY, NINE, TEN)])
    assert (grid.days, grid.periods_per_day) == (7, limits.MAX_PERIODS_PER_DAY)


@pytest.mark.parametrize(
    "row",
    [
        (0, limits.MAX_PERIODS_PER_DAY + 1, NINE, TEN),
        (0, 1_000_000_000, NINE, TEN),
        (7, 1, NINE, TEN),
        (10**9, 1, NINE, TEN),
    ],
)
def test_an_absurd_grid_is_refused_at_once(row):
    started = time.monotonic()
    with pytest.raises(GridTooLarge, match="at most"):
        time_grid([(0, 1, NINE, TEN), row])
    assert time.monotonic() - started < 1


@pytest.mark.django_db
@pytest.mark.parametrize("period", [limits.MAX_PERIODS_PER_DAY + 1, 1_000_000_000])
def test_the_database_refuses_a_period_beyond_the_bound(period):
    # the check constraint; PostgreSQL's smallint refuses 1,000,000,000 even before it
    with pytest.raises((IntegrityError, DataError)), transaction.atomic():
        TimeSlot.objects.create(day=0, period=period, start_time=NINE, end_time=TEN)


@pytest.mark.django_db
def test_the_builder_turns_an_absurd_grid_into_a_reason_not_a_grid(monkeypatch):
    """Rows that got past the database (an older schema, a raw SQL edit) still cannot make
    the builder allocate a grid of their size: the job fails with the reason."""
    rows = [(0, 1, NINE, TEN), (0, 1_000_000_000, NINE, TEN)]
    stub = SimpleNamespace(objects=SimpleNamespace(values_list=lambda *fields: rows))
    monkeypatch.setattr(problem, "TimeSlot", stub)
    factories.RoomFactory()
    gen = generation_problem_build(job=factories.GenerationJobFactory())
    assert gen.problem.grid.days == 0
    assert len(gen.issues) == 1 and "1000000000 periods a day" in gen.issues[0]
