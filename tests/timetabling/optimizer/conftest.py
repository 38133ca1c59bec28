"""Tiny problem builders for the optimizer tests (no database)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest

from timetabling.optimizer import (
    Batch,
    ClassSpec,
    Faculty,
    Problem,
    Room,
    RoomKind,
    TimeGrid,
    Weights,
)

ITC_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "benchmarks" / "itc2007"

# every penalty off: a test switches on only the ones it is about
ZERO = Weights(*([0] * len(fields(Weights))))


def make_problem(
    classes: list[ClassSpec],
    *,
    days: int = 1,
    periods: int = 4,
    rooms: list[Room] | None = None,
    faculty: list[Faculty] | None = None,
    batches: list[Batch] | None = None,
    **kw: Any,
) -> Problem:
    fac_ids = {c.faculty for c in classes if c.faculty is not None}
    batch_ids = {b for c in classes for b in c.batches}
    return Problem(
        grid=kw.pop("grid", TimeGrid(days, periods)),
        rooms=tuple(rooms or [Room(1, RoomKind.LECTURE, 100), Room(2, RoomKind.LAB, 100)]),
        faculty=tuple(faculty or [Faculty(f) for f in sorted(fac_ids)]),
        batches=tuple(batches or [Batch(b, 10) for b in sorted(batch_ids)]),
        classes=tuple(classes),
        weights=kw.pop("weights", ZERO),
        **kw,
    )


def cls(
    cid: int, *, batches: tuple[int, ...] = (), faculty: int | None = None, n: int = 1, **kw: Any
) -> ClassSpec:
    return ClassSpec(
        id=cid,
        kind=kw.pop("kind", RoomKind.LECTURE),
        faculty=faculty,
        batches=batches,
        sessions_per_week=n,
        **kw,
    )


@pytest.fixture
def itc_dir() -> Path:
    if not ITC_DIR.is_dir():
        pytest.skip(f"ITC-2007 instances not found at {ITC_DIR} (../shared beside the project)")
    return ITC_DIR


@pytest.fixture
def build() -> Callable[..., Problem]:
    return make_problem


@pytest.fixture
def mk() -> Callable[..., ClassSpec]:
    return cls
