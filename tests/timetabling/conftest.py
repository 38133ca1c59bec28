"""Fixtures shared by the timetabling tests."""

from __future__ import annotations

import datetime as dt

import pytest

from academics.models import TimeSlot


@pytest.fixture
def grid(db) -> None:
    """MON-FRI: P1 09:00-09:50, P2 09:50-10:40, break 10:40-11:00, P3 11:00-11:50,
    P4 11:50-12:40."""
    times = [
        (1, "09:00", "09:50"),
        (2, "09:50", "10:40"),
        (3, "11:00", "11:50"),
        (4, "11:50", "12:40"),
    ]
    for day in range(5):
        for period, start, end in times:
            TimeSlot.objects.create(
                day=day,
                period=period,
                start_time=dt.time.fromisoformat(start),
                end_time=dt.time.fromisoformat(end),
            )
