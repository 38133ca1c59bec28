"""``solve``: a first timetable from CP-SAT, then simulated annealing.

1. The time model (timemodel.py + constraints.py + penalties.py) decides when every session
   happens. Rooms enter through per-period counting constraints and, with soft capacities,
   through the exact minimum overflow for the chosen times, so the time model is a
   relaxation of the whole problem and its bound is a valid bound. CP-SAT runs on it until
   it has a solution and ``FIRST_SHARE`` of the limit has passed (or it proves optimality).
2. Rooms (rooms.py): greedy, then a period-by-period min-cost descent on room changes, and
   CP-SAT on the room model where the greedy gets stuck (multi-period sessions) or the
   times are proven optimal (the room model may then prove the whole timetable optimal).
   If no room assignment exists for those times, a joint time+room model is solved from
   the times as a hint.
3. Simulated annealing (anneal.py) improves the complete timetable, times and rooms
   together, until the limit or until it reaches CP-SAT's bound.
"""

from __future__ import annotations

from dataclasses import dataclass

from ortools.sat.python import cp_model

from . import anneal, remedies
from .clock import Clock
from .cpsat import ProgressFn, SearchWatch, build_time_model, make_solver, objective_of
from .domain import Prepared, prepare, room_fits
from .evaluate import evaluate
from .explain import Diagnosis, diagnose, precheck
from .model import (
    CancelToken,
    Problem,
    Progress,
    Remedy,
    Result,
    Session,
    SolveOptions,
    Stats,
    Status,
)
from .rooms import (
    Candidate,
    build_room_model,
    greedy_rooms,
    hint_rooms,
    improve_rooms,
    room_counts,
)
from .timemodel import TimeModel

FIRST_SHARE = 0.05  # CP-SAT on the time model until this share of the limit (once solved)
ROOM_SHARE = 0.1  # at most this share for CP-SAT on the room model ...
ROOM_SHARE_ANNEALED = 0.02  # ... or this share when annealing follows (it moves rooms too)
# Joint time+room models up to this many Booleans are given to CP-SAT whole, for at most
# PROOF_SHARE of the limit, to prove the timetable optimal before annealing.
JOINT_FULL_MAX_VARS = 5000
PROOF_SHARE = 0.25

ROOMS_ONLY_REASON = (
    "every time rule can be met, but no choice of times leaves each multi-period session one "
    "room that is free for all its periods; add rooms of that kind or fewer long sessions"
)

Placed = tuple[int, int, int, int]  # (class index, day, start period, room index)


@dataclass
class TimeSolution:
    values: list[int]  # one value per model variable
    objective: int
    counts: dict[str, int]  # per term name


def capture(solver: cp_model.CpSolver, tm: TimeModel) -> TimeSolution:
    values = list(solver.response_proto.solution)
    counts = {t.name: int(solver.value(t.count)) for t in tm.terms}
    return TimeSolution(values, int(round(solver.objective_value)), counts)


class _Cancelled(Exception):
    """The cancel flag was seen inside a step; ``solve`` answers CANCELLED."""


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Result:
    """Build and solve the timetable; never raises for an infeasible or empty problem."""
    options = options or SolveOptions()
    # One worker: budgeted in deterministic time, so the same seed gives the same result.
    clock = Clock(options.time_limit_s, deterministic=options.workers <= 1)
    start = clock.start
    elapsed = clock.wall

    prep = prepare(problem)
    issues = precheck(prep)
    if issues:
        diagnosis = Diagnosis(tuple(issues), prechecks=True)
        return Result(
            Status.INFEASIBLE,
            explanation=diagnosis.reasons if options.explain_infeasibility else (),
            remedies=_remedies(problem, diagnosis, options, cancel),
            stats=Stats(wall_time_s=elapsed()),
        )

    tm = build_time_model(prep)
    tm.model.minimize(objective_of(tm.terms))
    n_vars = len(tm.model.proto.variables)
    n_cons = len(tm.model.proto.constraints)

    total = max(0.05, clock.remaining())
    first = min(total, max(1.0, FIRST_SHARE * total))
    # CP-SAT stops once a solution exists and ``first`` has passed: by the watch on the
    # wall clock, or (one worker) by the budget, carrying on while there is no solution.
    det = clock.deterministic
    watch = SearchWatch(
        start, cancel, on_progress, soft_deadline=None if det else start + first, clock=clock
    )
    solver = make_solver(options, first if det else total, clock=clock)
    status = watch.run(solver, tm.model)
    if det and status == cp_model.UNKNOWN and not watch.cancelled:
        solver = make_solver(options, total - clock.now(), clock=clock)
        status = watch.run(solver, tm.model)

    def stats() -> Stats:
        return Stats(n_vars, n_cons, watch.first, elapsed())

    if watch.cancelled:
        return Result(Status.CANCELLED, stats=stats())
    if status == cp_model.INFEASIBLE:
        wanted = options.explain_infeasibility or options.remedy_budget_s > 0
        diagnosis = diagnose(problem, options) if wanted else Diagnosis((), prechecks=False)
        return Result(
            Status.INFEASIBLE,
            explanation=diagnosis.reasons if options.explain_infeasibility else (),
            remedies=_remedies(problem, diagnosis, options, cancel),
            stats=stats(),
        )
    if status == cp_model.MODEL_INVALID:
        return Result(Status.INVALID, stats=stats())
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Result(Status.UNKNOWN, stats=stats())

    best = capture(solver, tm)
    bound = float(solver.best_objective_bound)
    try:
        found = _assign_rooms(prep, tm, best, options, clock, cancel, status == cp_model.OPTIMAL)
        if found is None:  # no rooms for these times: times and rooms together
            joint = _solve_jointly(prep, tm, best, None, options, clock, cancel, clock.remaining())
            if joint.status == cp_model.INFEASIBLE:
                diagnosis = Diagnosis((ROOMS_ONLY_REASON,), prechecks=False)
                return Result(
                    Status.INFEASIBLE,
                    explanation=diagnosis.reasons if options.explain_infeasibility else (),
                    remedies=_remedies(problem, diagnosis, options, cancel),
                    stats=stats(),
                )
            if not joint.placed:
                return Result(Status.UNKNOWN, stats=stats())
            found = joint.placed, joint.objective
        placed, objective = found
        if on_progress is not None:
            on_progress(Progress(objective, bound, elapsed()))
        if objective > bound and joint_size(prep) <= JOINT_FULL_MAX_VARS:
            # small enough for CP-SAT to prove the whole timetable optimal
            share = 1.0 if not anneal.supported(prep) else PROOF_SHARE
            joint = _solve_jointly(
                prep, tm, best, placed, options, clock, cancel,
                min(clock.remaining(), share * options.time_limit_s),
            )  # fmt: skip
            if joint.placed and joint.objective <= objective:
                placed, objective = joint.placed, joint.objective
                bound = max(bound, joint.bound)
    except _Cancelled:
        return Result(Status.CANCELLED, stats=stats())

    if objective > bound and anneal.supported(prep) and clock.remaining() > 0.05:
        placed, objective, cancelled = anneal.anneal(
            prep,
            placed,
            chains=1 if det else options.workers,
            seed=options.seed,
            clock=clock,
            deadline=options.time_limit_s,
            stop_at=bound,
            on_improve=(lambda obj: on_progress(Progress(obj, bound, elapsed())))
            if on_progress
            else None,
            cancel=cancel,
        )
        if cancelled:
            return Result(Status.CANCELLED, stats=stats())

    sessions = sorted(
        (Session(problem.classes[ci].id, d, p, problem.rooms[ri].id) for ci, d, p, ri in placed),
        key=lambda s: (s.class_id, s.day, s.period),
    )
    return Result(
        Status.OPTIMAL if objective <= bound else Status.FEASIBLE,
        sessions=tuple(sessions),
        objective=float(objective),
        best_bound=bound,
        penalties=evaluate(problem, sessions).penalties,
        stats=stats(),
    )


def _remedies(
    problem: Problem, diagnosis: Diagnosis, options: SolveOptions, cancel: CancelToken | None
) -> tuple[Remedy, ...]:
    if options.remedy_budget_s <= 0:
        return ()
    return remedies.propose(
        problem, diagnosis, options, solve, budget_s=options.remedy_budget_s, cancel=cancel
    )


def _assign_rooms(
    prep: Prepared,
    tm: TimeModel,
    best: TimeSolution,
    options: SolveOptions,
    clock: Clock,
    cancel: CancelToken | None,
    proven: bool,
) -> tuple[list[Placed], int] | None:
    """Rooms for the incumbent's times: (sessions, objective), or None when the heuristics
    and the room model find no assignment for these times."""
    problem = prep.problem
    w = problem.weights
    chosen = [key for key, v in tm.x.items() if best.values[v.index]]
    cands = [Candidate(ci, d, s, 1) for ci, d, s in chosen]
    rm = build_room_model(prep, cands)
    assignment = greedy_rooms(rm, list(range(len(cands))))
    if len(assignment) < len(cands) and problem.previous:
        # previous rooms first left a session without a room: sizes first, then the
        # improvement pass brings sessions back to their previous rooms where it can
        assignment = greedy_rooms(rm, list(range(len(cands))), keep_previous=False)
    complete = len(assignment) == len(cands)
    if complete:
        assignment = improve_rooms(rm, assignment, deadline=clock.wall_deadline())

    def room_cost(a: dict[int, int]) -> int:
        return sum(getattr(w, k) * v for k, v in room_counts(prep, cands, a).items())

    # the part of room_cost the time model already counts (previous_distance's time moves)
    # or bounds (room_capacity)
    bound_part = (
        best.counts.get("room_capacity", 0) * w.room_capacity
        + best.counts.get("previous_distance", 0) * w.previous_distance
    )
    # CP-SAT on the rooms where the greedy got stuck, where proven-optimal times may make
    # the whole timetable provably optimal, or where no annealing follows
    if not complete or (
        room_cost(assignment) > bound_part and (proven or not anneal.supported(prep))
    ):
        rm.model.minimize(objective_of(rm.terms))
        hint_rooms(rm, assignment)
        share = ROOM_SHARE_ANNEALED if anneal.supported(prep) else ROOM_SHARE
        room_time = min(clock.remaining(), max(1.0, share * options.time_limit_s))
        rsolver = make_solver(options, max(0.5, room_time), seed_offset=7, clock=clock)
        rwatch = SearchWatch(clock.start, cancel, None, report=False, clock=clock)
        rstatus = rwatch.run(rsolver, rm.model)
        if rwatch.cancelled:
            raise _Cancelled
        if rstatus in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
            not complete or rsolver.objective_value < room_cost(assignment)
        ):
            assignment = {k: ri for k in rm.w for ri, v in rm.w[k] if rsolver.boolean_value(v)}
            complete = True
    if not complete:
        return None
    counts = {k: v for k, v in best.counts.items() if k != "room_capacity"}
    counts.update(room_counts(prep, cands, assignment))
    objective = sum(getattr(w, k) * v for k, v in counts.items())
    return [(cands[k].ci, cands[k].day, cands[k].start, ri) for k, ri in assignment.items()], (
        objective
    )


@dataclass
class JointOutcome:
    status: cp_model.CpSolverStatus
    placed: list[Placed]
    objective: int
    bound: float


def joint_size(prep: Prepared) -> int:
    """About how many Booleans the joint time+room model has (times and room choices)."""
    fits = [
        sum(1 for r in prep.problem.rooms if room_fits(prep.problem, cls, r, prep.sizes[ci]))
        for ci, cls in enumerate(prep.problem.classes)
    ]
    return sum(len(prep.starts[ci]) * (1 + fits[ci]) for ci in range(len(fits)))


def _solve_jointly(
    prep: Prepared,
    tm_times: TimeModel,
    best: TimeSolution,
    placed: list[Placed] | None,
    options: SolveOptions,
    clock: Clock,
    cancel: CancelToken | None,
    seconds: float,
) -> JointOutcome:
    """Times and rooms in one CP-SAT model, hinted with a complete timetable (``placed``)
    or, without one, with the incumbent's times and stopped at the first solution."""
    jm = build_time_model(prep, room_bound=False)
    cands = [Candidate(ci, d, s, v) for (ci, d, s), v in jm.x.items()]
    rm = build_room_model(prep, cands, model=jm.model)
    jm.terms.extend(rm.terms)
    jm.model.minimize(objective_of(jm.terms))
    if placed is None:
        for key, v in jm.x.items():
            jm.model.add_hint(v, best.values[tm_times.x[key].index])
    else:
        room_at = {(ci, d, p): ri for ci, d, p, ri in placed}
        for k, cand in enumerate(cands):
            ri_on = room_at.get((cand.ci, cand.day, cand.start))
            jm.model.add_hint(jm.x[(cand.ci, cand.day, cand.start)], int(ri_on is not None))
            for ri, v in rm.w[k]:
                jm.model.add_hint(v, int(ri == ri_on))
    solver = make_solver(options, max(0.5, seconds), seed_offset=13, clock=clock)
    solver.parameters.stop_after_first_solution = placed is None
    watch = SearchWatch(clock.start, cancel, None, report=False, clock=clock)
    status = watch.run(solver, jm.model)
    if watch.cancelled:
        raise _Cancelled
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return JointOutcome(status, [], 0, 0.0)
    out = []
    for k, cand in enumerate(cands):
        if solver.boolean_value(jm.x[(cand.ci, cand.day, cand.start)]):
            ri = next(ri for ri, v in rm.w[k] if solver.boolean_value(v))
            out.append((cand.ci, cand.day, cand.start, ri))
    return JointOutcome(
        status, out, int(round(solver.objective_value)), float(solver.best_objective_bound)
    )
