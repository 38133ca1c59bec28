"""Neighbourhoods of the large-neighbourhood search (lns.py)."""

from __future__ import annotations

import random

from timetabling.optimizer import SolveOptions, lns
from timetabling.optimizer.clock import Clock
from timetabling.optimizer.domain import prepare
from timetabling.optimizer.lns import nb_blockers
from timetabling.optimizer.model import Room, RoomKind
from timetabling.optimizer.solver import build_time_model


def freed_classes(free: set[tuple[int, int, int]]) -> set[int]:
    return {ci for ci, _, _ in free}


def test_blockers_free_the_class_short_of_days_and_who_holds_its_other_days(build, mk, placed):
    # class 0 needs two days but has both sessions on day 0; on day 1 its batch is held
    # by class 1 and its faculty by class 3; class 2 shares neither and stays fixed
    problem = build(
        [
            mk(0, batches=(1,), faculty=7, n=2, min_days=2),
            mk(1, batches=(1,)),
            mk(2, batches=(2,)),
            mk(3, batches=(3,), faculty=7),
        ],
        days=2,
        periods=2,
        rooms=[Room(1, RoomKind.LECTURE, 100), Room(2, RoomKind.LECTURE, 100)],
    )
    tm = build_time_model(prepare(problem))
    sol = placed(tm, {(0, 0, 0), (0, 0, 1), (1, 1, 0), (2, 1, 1), (3, 1, 1)})
    free = nb_blockers(tm, sol, random.Random(0), 3)
    assert freed_classes(free) == {0, 1, 3}
    assert free == {k for k in tm.x if k[0] in (0, 1, 3)}  # every start of a freed class


def test_blockers_free_a_class_that_takes_the_last_room(build, mk, placed):
    # one room: the unrelated class 1 at (1, 0) is what keeps class 0 off day 1
    problem = build(
        [mk(0, batches=(1,), n=2, min_days=2), mk(1, batches=(2,))],
        days=2,
        periods=2,
        rooms=[Room(1, RoomKind.LECTURE, 100)],
    )
    tm = build_time_model(prepare(problem))
    sol = placed(tm, {(0, 0, 0), (0, 0, 1), (1, 1, 0)})
    assert freed_classes(nb_blockers(tm, sol, random.Random(0), 2)) == {0, 1}


def test_blockers_without_a_class_short_of_days_free_related_classes(build, mk, placed):
    problem = build(
        [mk(0, batches=(1,), n=2, min_days=2), mk(1, batches=(1,)), mk(2, batches=(2,))],
        days=2,
        periods=2,
    )
    tm = build_time_model(prepare(problem))
    sol = placed(tm, {(0, 0, 0), (0, 1, 1), (1, 1, 0), (2, 0, 1)})
    assert len(freed_classes(nb_blockers(tm, sol, random.Random(0), 2))) == 2


def test_blockers_skip_a_start_whose_holders_do_not_fit(build, mk, placed):
    # class 0 (three batches) could go to (1, 0), held by three classes, or to (1, 1), held
    # by one: a neighbourhood of two takes the start it can free whole
    problem = build(
        [
            mk(0, batches=(1, 2, 3), n=2, min_days=2),
            mk(1, batches=(1,)),
            mk(2, batches=(2,)),
            mk(3, batches=(3,)),
            mk(4, batches=(1,)),
        ],
        days=2,
        periods=2,
        rooms=[Room(i, RoomKind.LECTURE, 100) for i in range(4)],
    )
    tm = build_time_model(prepare(problem))
    sol = placed(tm, {(0, 0, 0), (0, 0, 1), (1, 1, 0), (2, 1, 0), (3, 1, 0), (4, 1, 1)})
    for seed in range(5):
        assert freed_classes(nb_blockers(tm, sol, random.Random(seed), 2)) == {0, 4}


def test_improve_takes_only_the_neighbourhoods_named(build, mk, monkeypatch, placed):
    problem = build(
        [mk(0, batches=(1,), n=2, min_days=2), mk(1, batches=(1,)), mk(2, batches=(2,))],
        days=2,
        periods=2,
    )
    tm = build_time_model(prepare(problem))
    tm.model.minimize(0)
    sol = placed(tm, {(0, 0, 0), (0, 1, 1), (1, 1, 0), (2, 0, 1)})
    monkeypatch.setattr(lns, "TRACE", [])
    lns.improve(
        tm,
        sol,
        SolveOptions(time_limit_s=0.3, workers=1),
        clock=Clock(0.3, deterministic=False),
        deadline=0.3,
        rng=random.Random(0),
        neighbourhoods=["periods", "days"],
    )
    names = {name for name, *_ in lns.TRACE}
    assert names == {"periods", "days"}
