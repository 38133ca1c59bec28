"""Helpers of the placement-rule tests: solve and check, and an annealing walk from
CP-SAT's timetable that records the states it passes through."""

from __future__ import annotations

from timetabling.optimizer import (
    Problem,
    RoomKind,
    Session,
    SolveOptions,
    Status,
    Weights,
    anneal,
    evaluate,
    solve,
)
from timetabling.optimizer.domain import prepare

PULL = Weights(0, 0, 0, 0, 0, 0, 0, previous_distance=10)
SOME = Weights(min_days=2, same_day=1, isolated=1, idle_gap=1, room_change=1, long_run=0)
FAST = SolveOptions(time_limit_s=10, workers=1)
LAB = RoomKind.LAB


def solved(problem: Problem):
    res = solve(problem, FAST)
    assert res.status in (Status.OPTIMAL, Status.FEASIBLE), res
    ev = evaluate(problem, res.sessions)
    assert ev.hard_total == 0, ev.hard
    return res


def walk(problem: Problem, iters: int = 40_000) -> tuple[anneal.Chain, list[list[Session]]]:
    """Anneal from CP-SAT's timetable, hot then cooling; the states seen after each leg."""
    res = solved(problem)
    prep = prepare(problem)
    ci = {c.id: i for i, c in enumerate(problem.classes)}
    ri = {r.id: i for i, r in enumerate(problem.rooms)}
    placed = [(ci[s.class_id], s.day, s.period, ri[s.room]) for s in res.sessions]
    chain = anneal.Chain(anneal.build_arrays(prep), placed, 5, anneal.hard_weight(prep))
    seen = []
    for temp in (40.0, 8.0, 1.0, 0.1):
        chain.run(iters, temp, temp, 0.2, 0.1, 0.3)
        seen.append(sessions_of(problem, chain, best=False))
    best = sessions_of(problem, chain, best=True)
    ev = evaluate(problem, best)
    assert chain.best.hard == 0 and ev.hard_total == 0, ev.hard
    assert ev.soft_total == chain.best.soft
    moved = {(s.class_id, s.day, s.period) for s in seen[0]}
    assert moved != {(s.class_id, s.day, s.period) for s in res.sessions}  # it did walk
    return chain, seen + [best]


def sessions_of(problem: Problem, chain: anneal.Chain, best: bool) -> list[Session]:
    placed = (
        chain.best_sessions()
        if best
        else [
            (int(chain.static.sess_class[s]), int(t) // chain.static.periods,
             int(t) % chain.static.periods, int(r))
            for s, (t, r) in enumerate(zip(chain.st, chain.rm, strict=True))
        ]
    )  # fmt: skip
    return [Session(problem.classes[c].id, d, p, problem.rooms[r].id) for c, d, p, r in placed]
