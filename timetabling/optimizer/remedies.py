"""Remedies for a problem with no timetable: concrete changes, each verified.

When a problem is infeasible, :func:`propose` tries small changes an office can make (add a
room of a kind, raise one teacher's limit, move one fixed or pinned session, lengthen a
shift by a period) and keeps a change only when the feasibility pre-checks pass with it
applied *and* a short solve then finds a timetable with no hard violation. A change that was
not verified is never returned. Each remedy is worded from the verified timetable: the new
room is said to be needed when that timetable uses it, the raised limit on the days it
exceeds the old one, the fixed session's new slot where it landed.

Candidates come from two places: the counting pre-checks (a change must leave fewer of them
failing) and, when those pass, the small set of rule groups that CP-SAT named as unable to
hold together (``explain.diagnose``). Candidates are tried in that order until three are
verified or the budget is spent.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import replace

from .domain import prepare
from .evaluate import evaluate
from .explain import Diagnosis, precheck
from .model import CancelToken, Problem, Remedy, Result, SolveOptions
from .remedy_candidates import Candidate, candidates

MAX_REMEDIES = 3
MIN_VERIFY_S = 3.0  # a short solve never gets less than this
MAX_VERIFY_S = 20.0  # nor more
NARROW_TRIES = 2  # smaller versions of a verified change tried (each one more short solve)

Solve = Callable[..., Result]  # solver.solve(problem, options, cancel=...)


def propose(
    problem: Problem,
    diagnosis: Diagnosis,
    options: SolveOptions,
    solve: Solve,
    *,
    budget_s: float,
    cancel: CancelToken | None = None,
) -> tuple[Remedy, ...]:
    """Up to three verified remedies for the infeasible ``problem`` within ``budget_s``."""
    deadline = time.monotonic() + budget_s
    verify_s = max(MIN_VERIFY_S, min(MAX_VERIFY_S, budget_s / 4))
    prep = prepare(problem)
    # the counting checks' reasons are the diagnosis when they failed: not computed again
    failing = len(diagnosis.reasons) if diagnosis.prechecks else 0
    ranked: list[tuple[int, bool, int, Candidate]] = []
    seen: set[Hashable] = set()
    for order, cand in enumerate(candidates(prep, diagnosis)):
        if cand.key in seen or time.monotonic() > deadline:
            continue
        seen.add(cand.key)
        left = len(precheck(prepare(cand.apply(problem))))
        if diagnosis.prechecks and left >= failing:
            continue  # does not touch what the counting checks found
        ranked.append((left, not cand.pointed, order, cand))
    ranked.sort(key=lambda item: item[:3])
    singles = [cand for left, _, _, cand in ranked if not left]
    if not singles and ranked:
        singles = _combined(problem, [cand for *_, cand in ranked], failing)
    found: list[Remedy] = []
    quick = replace(options, explain_infeasibility=False, remedy_budget_s=0.0)
    for cand in singles:
        if len(found) >= MAX_REMEDIES or (cancel is not None and cancel.is_set()):
            break
        remaining = deadline - time.monotonic()
        if remaining < MIN_VERIFY_S:
            break
        result = _verified(
            problem, cand, replace(quick, time_limit_s=min(verify_s, remaining)), solve, cancel
        )
        if result is None:
            continue
        for smaller in (cand.narrow(result) if cand.narrow else [])[:NARROW_TRIES]:
            remaining = deadline - time.monotonic()
            if remaining < MIN_VERIFY_S:
                break
            short = replace(quick, time_limit_s=min(verify_s, remaining))
            narrowed = _verified(problem, smaller, short, solve, cancel)
            if narrowed is not None:
                cand, result = smaller, narrowed
                break
        remedy = Remedy(cand.kind, cand.describe(result))
        # two candidates may come to one change (the same room, needed at other times)
        if all(_change_of(r) != _change_of(remedy) for r in found):
            found.append(remedy)
    return tuple(found)


def _verified(
    problem: Problem,
    cand: Candidate,
    options: SolveOptions,
    solve: Solve,
    cancel: CancelToken | None,
) -> Result | None:
    """The short solve's timetable with the change applied, when it has no hard violation."""
    changed = cand.apply(problem)
    result = solve(changed, options, cancel=cancel)
    if not result.has_solution or evaluate(changed, result.sessions).hard_total:
        return None
    return result


def _change_of(remedy: Remedy) -> str:
    """What a remedy changes, without when the verified timetable needs it."""
    return remedy.text.partition(", free on ")[0]


def _combined(problem: Problem, ranked: list[Candidate], failing: int) -> list[Candidate]:
    """When no one change passes the counting checks but several each mend some of them:
    the changes taken together, each kept only while it mends one more (one remedy)."""
    chosen: list[Candidate] = []
    current, left = problem, failing
    for cand in ranked:
        if any(c.kind == cand.kind and c.key[:2] == cand.key[:2] for c in chosen):
            continue  # one change per teacher limit, room shape or shift
        trial = cand.apply(current)
        now = len(precheck(prepare(trial)))
        if now < left:
            chosen.append(cand)
            current, left = trial, now
        if not left:
            break
    if left or len(chosen) < 2:
        return []

    def apply(p: Problem) -> Problem:
        for c in chosen:
            p = c.apply(p)
        return p

    return [
        Candidate(
            "combined",
            tuple(c.key for c in chosen),
            apply,
            lambda result: "; and ".join(c.describe(result) for c in chosen),
            True,
        )
    ]
