"""``solve``: time model (CP-SAT) -> large-neighbourhood search -> room assignment.

1. The time model (timemodel.py + constraints.py + penalties.py) decides when every session
   happens. Rooms enter through per-period counting constraints and, with soft capacities,
   through the exact minimum overflow for the chosen times, so the time model is a
   relaxation of the whole problem and its bound is a valid bound.
2. Once a first solution exists, large-neighbourhood search (lns.py) repeatedly frees a few
   classes, days or periods, fixes everything else to the incumbent and re-solves with
   CP-SAT from a hint. How long it runs depends on what a quick room assignment of the
   incumbent would add: nothing of it when rooms dominate, most of the budget when they
   are nearly free (see ``time_lns_deadline``).
3. The room model (rooms.py) assigns rooms with the times fixed, minimising room changes and
   overflow. If that fails (multi-period sessions can defeat the counting argument) a joint
   time+room model is solved from the incumbent's hint.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from ortools.sat.python import cp_model

from . import constraints as hard
from . import penalties as soft
from .clock import Clock
from .domain import Prepared, prepare
from .evaluate import SOFT_NAMES
from .model import (
    Penalty,
    Problem,
    Progress,
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
from .timemodel import Term, TimeModel, add_session_variables

ProgressFn = Callable[[Progress], None]

# Shares of the time limit: plain CP-SAT on the time model until PHASE1_SHARE (once a
# solution exists), LNS on the time model until TIME_LNS_SHARE, then rooms and joint LNS.
PHASE1_SHARE = 0.45
TIME_LNS_SHARE = 0.65
JOINT_FULL_MAX_VARS = 5000  # joint models up to this size are solved whole, not by LNS
ROOM_SHARE = 0.1  # CP-SAT on the room model (times fixed) when the heuristics leave costs
# The incumbent's room costs (beyond the capacity bound) as a share of its time costs
# decide the time LNS: skipped above ROOM_HEAVY_RATIO (the joint search needs the time),
# run until TIME_LNS_LIGHT_SHARE at or below ROOM_LIGHT_RATIO (rooms are nearly free).
ROOM_HEAVY_RATIO = 0.5
ROOM_LIGHT_RATIO = 0.05
TIME_LNS_LIGHT_SHARE = 0.9


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


def build_time_model(
    prep: Prepared, *, room_bound: bool = True, explain: bool = False
) -> TimeModel:
    """The time model with every hard rule and (unless explaining) every soft penalty."""
    tm = TimeModel(prep, guards={} if explain else None)
    add_session_variables(tm)
    hard.add_class_demand(tm)
    hard.add_no_class_overlap(tm)
    hard.add_no_batch_clash(tm)
    hard.add_no_faculty_clash(tm)
    hard.add_faculty_load(tm)
    hard.add_room_supply(tm)
    if explain:
        return tm
    soft.penalty_min_days(tm)
    soft.penalty_same_day(tm)
    soft.penalty_isolated(tm)
    soft.penalty_idle_gap(tm)
    soft.penalty_long_run(tm)
    soft.penalty_previous_distance(tm)
    if room_bound:
        soft.penalty_room_capacity_bound(tm)
    return tm


def objective_of(terms: list[Term]) -> cp_model.LinearExprT:
    return sum(t.weight * t.count for t in terms)


class SearchWatch:
    """Stops a running CP-SAT search on cancel, or once a soft deadline has passed with a
    solution in hand. Also the solution callback: progress and time to first solution."""

    def __init__(
        self,
        start: float,
        cancel: CancelToken | None,
        on_progress: ProgressFn | None,
        soft_deadline: float | None = None,
        report: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self.start = start
        self.clock = clock
        self.cancel = cancel
        self.on_progress = on_progress
        self.soft_deadline = soft_deadline
        self.report = report
        self.first: float | None = None
        self.found = False
        self.cancelled = False
        self.solver: cp_model.CpSolver | None = None
        self._done = threading.Event()

    def callback(self) -> cp_model.CpSolverSolutionCallback:
        watch = self

        class _CB(cp_model.CpSolverSolutionCallback):
            def on_solution_callback(self) -> None:
                now = time.monotonic()
                if watch.first is None:
                    watch.first = now - watch.start
                watch.found = True
                if watch.report and watch.on_progress is not None:
                    watch.on_progress(
                        Progress(self.objective_value, self.best_objective_bound, now - watch.start)
                    )
                if watch.cancel is not None and watch.cancel.is_set():
                    watch.cancelled = True
                    self.stop_search()

        return _CB()

    def run(self, solver: cp_model.CpSolver, model: cp_model.CpModel) -> cp_model.CpSolverStatus:
        self.solver = solver
        self._done.clear()
        thread = threading.Thread(target=self._poll, daemon=True)
        thread.start()
        try:
            return solver.solve(model, self.callback())
        finally:
            self._done.set()
            thread.join()
            if self.clock is not None:
                self.clock.charge(solver)

    def _poll(self) -> None:
        while not self._done.wait(0.05):
            if self.cancel is not None and self.cancel.is_set():
                self.cancelled = True
                assert self.solver is not None
                self.solver.stop_search()
                return
            if (
                self.soft_deadline is not None
                and self.found
                and time.monotonic() >= self.soft_deadline
            ):
                assert self.solver is not None
                self.solver.stop_search()
                return


def make_solver(
    options: SolveOptions, time_limit: float, seed_offset: int = 0, clock: Clock | None = None
) -> cp_model.CpSolver:
    """A solver limited to ``time_limit`` of ``clock``'s unit (wall seconds without one)."""
    solver = cp_model.CpSolver()
    if clock is None:
        solver.parameters.max_time_in_seconds = max(0.01, time_limit)
    else:
        clock.limit_solver(solver, time_limit)
    solver.parameters.num_workers = max(1, options.workers)
    solver.parameters.random_seed = options.seed + seed_offset
    return solver


@dataclass
class TimeSolution:
    values: list[int]  # one value per model variable
    objective: int
    counts: dict[str, int]  # per term name


def capture(solver: cp_model.CpSolver, tm: TimeModel) -> TimeSolution:
    values = list(solver.response_proto.solution)
    counts = {t.name: int(solver.value(t.count)) for t in tm.terms}
    return TimeSolution(values, int(round(solver.objective_value)), counts)


def room_ratio(prep: Prepared, tm: TimeModel, best: TimeSolution) -> float:
    """What a quick room assignment of the incumbent adds to the cost (beyond the room
    capacity penalty the time model already counts), as a share of its time costs."""
    chosen = [key for key, v in tm.x.items() if best.values[v.index]]
    cands = [Candidate(ci, d, s, 1) for ci, d, s in chosen]
    rm = build_room_model(prep, cands, model=cp_model.CpModel())
    assignment = improve_rooms(rm, greedy_rooms(rm, list(range(len(cands)))))
    w = prep.problem.weights
    extra = room_counts(prep, cands, assignment)
    room_cost = sum(getattr(w, k) * v for k, v in extra.items())
    bound_part = best.counts.get("room_capacity", 0) * w.room_capacity
    time_cost = best.objective - bound_part
    return (room_cost - bound_part) / max(1, time_cost)


def time_lns_deadline(ratio: float, now: float, time_limit: float) -> float:
    """When the LNS on the time model ends, given the incumbent's ``room_ratio``: at once
    when rooms cost the most (the joint LNS gets the time), late when rooms are nearly free."""
    if ratio > ROOM_HEAVY_RATIO:
        return now
    if ratio <= ROOM_LIGHT_RATIO:
        return TIME_LNS_LIGHT_SHARE * time_limit
    return TIME_LNS_SHARE * time_limit


def _penalties(counts: dict[str, int], problem: Problem) -> tuple[Penalty, ...]:
    w = problem.weights
    return tuple(
        Penalty(name, counts[name], getattr(w, name)) for name in SOFT_NAMES if name in counts
    )


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    on_progress: ProgressFn | None = None,
    cancel: CancelToken | None = None,
) -> Result:
    """Build and solve the timetable; never raises for an infeasible or empty problem."""
    from . import explain as explain_mod
    from .lns import improve

    options = options or SolveOptions()
    # One worker: budgeted in deterministic time, so the same seed gives the same result.
    clock = Clock(options.time_limit_s, deterministic=options.workers <= 1)
    start = clock.start
    elapsed = clock.wall

    prep = prepare(problem)
    issues = explain_mod.precheck(prep)
    if issues:
        return Result(
            Status.INFEASIBLE,
            explanation=tuple(issues) if options.explain_infeasibility else (),
            stats=Stats(wall_time_s=elapsed()),
        )

    tm = build_time_model(prep)
    tm.model.minimize(objective_of(tm.terms))
    n_vars = len(tm.model.proto.variables)
    n_cons = len(tm.model.proto.constraints)

    total = max(0.05, clock.remaining())
    room_reserve = min(10.0, max(0.5, 0.05 * total)) if total > 2 else 0.3 * total
    phase1 = max(1.0, PHASE1_SHARE * (total - room_reserve))
    # Phase 1 ends once a solution exists and phase1 has passed: by the watch on the wall
    # clock, or (one worker) by the budget, carrying on while there is no solution yet.
    det = clock.deterministic
    watch = SearchWatch(
        start, cancel, on_progress, soft_deadline=None if det else start + phase1, clock=clock
    )
    first_limit = min(phase1, total - room_reserve) if det else total - room_reserve
    solver = make_solver(options, first_limit, clock=clock)
    status = watch.run(solver, tm.model)
    if det and status == cp_model.UNKNOWN and not watch.cancelled:
        solver = make_solver(options, total - room_reserve - clock.now(), clock=clock)
        status = watch.run(solver, tm.model)

    if watch.cancelled:
        return Result(Status.CANCELLED, stats=Stats(n_vars, n_cons, watch.first, elapsed()))
    if status == cp_model.INFEASIBLE:
        expl = explain_mod.explain(problem, options) if options.explain_infeasibility else []
        return Result(
            Status.INFEASIBLE,
            explanation=tuple(expl),
            stats=Stats(n_vars, n_cons, None, elapsed()),
        )
    if status == cp_model.MODEL_INVALID:
        return Result(Status.INVALID, stats=Stats(n_vars, n_cons, None, elapsed()))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Result(Status.UNKNOWN, stats=Stats(n_vars, n_cons, None, elapsed()))

    best = capture(solver, tm)
    bound = float(solver.best_objective_bound)
    proven = status == cp_model.OPTIMAL
    if not proven:
        lns_deadline = time_lns_deadline(
            room_ratio(prep, tm, best), clock.now(), options.time_limit_s
        )
        best, cancelled = improve(
            tm,
            best,
            options,
            clock=clock,
            deadline=lns_deadline,
            rng=random.Random(options.seed),
            on_improve=lambda obj: (
                on_progress(Progress(obj, bound, elapsed())) if on_progress else None
            ),
            cancel=cancel,
        )
        if cancelled:
            return Result(Status.CANCELLED, stats=Stats(n_vars, n_cons, watch.first, elapsed()))
        if best.objective <= bound:
            proven = True

    # --- rooms -------------------------------------------------------------------------
    chosen = [key for key, v in tm.x.items() if best.values[v.index]]
    cands = [Candidate(ci, d, s, 1) for ci, d, s in chosen]
    rm = build_room_model(prep, cands)
    greedy = greedy_rooms(rm, list(range(len(cands))))
    if len(greedy) == len(cands):
        greedy = improve_rooms(rm, greedy, deadline=clock.wall_deadline())
    assignment = greedy
    gcounts = room_counts(prep, cands, greedy)
    bound_part = best.counts.get("room_capacity", 0) * problem.weights.room_capacity
    if (
        len(greedy) < len(cands)
        or sum(getattr(problem.weights, k) * v for k, v in gcounts.items()) > bound_part
    ):
        # the greedy got stuck (multi-period sessions) or left room changes: CP-SAT
        rm.model.minimize(objective_of(rm.terms))
        hint_rooms(rm, greedy)
        room_time = min(clock.remaining(), max(1.0, ROOM_SHARE * options.time_limit_s))
        rsolver = make_solver(options, max(0.5, room_time), seed_offset=7, clock=clock)
        rwatch = SearchWatch(start, cancel, None, report=False, clock=clock)
        rstatus = rwatch.run(rsolver, rm.model)
        if rwatch.cancelled:
            return Result(Status.CANCELLED, stats=Stats(n_vars, n_cons, watch.first, elapsed()))
        if rstatus not in (cp_model.OPTIMAL, cp_model.FEASIBLE) and len(greedy) < len(cands):
            return _solve_joint(
                problem, prep, tm, best, None, options, clock, cancel, watch.first, bound
            )
        if rstatus in (cp_model.OPTIMAL, cp_model.FEASIBLE) and (
            len(greedy) < len(cands)
            or rsolver.objective_value
            < sum(getattr(problem.weights, k) * v for k, v in gcounts.items())
        ):
            assignment = {k: ri for k in rm.w for ri, v in rm.w[k] if rsolver.boolean_value(v)}
    counts = {k: v for k, v in best.counts.items() if k != "room_capacity"}
    counts.update(room_counts(prep, cands, assignment))
    objective = sum(getattr(problem.weights, k) * v for k, v in counts.items())
    if objective > bound and clock.remaining() > 1.0:
        rooms_of = {(cands[k].ci, cands[k].day, cands[k].start): ri for k, ri in assignment.items()}
        return _solve_joint(
            problem,
            prep,
            tm,
            best,
            rooms_of,
            options,
            clock,
            cancel,
            watch.first,
            bound,
            on_progress,
        )
    sessions = sorted(
        (
            Session(
                problem.classes[cands[k].ci].id, cands[k].day, cands[k].start, problem.rooms[ri].id
            )
            for k, ri in assignment.items()
        ),
        key=lambda s: (s.class_id, s.day, s.period),
    )
    return Result(
        Status.OPTIMAL if proven and objective <= bound else Status.FEASIBLE,
        sessions=tuple(sessions),
        objective=float(objective),
        best_bound=bound,
        penalties=_penalties(counts, problem),
        stats=Stats(n_vars, n_cons, watch.first, elapsed()),
    )


def _solve_joint(
    problem: Problem,
    prep: Prepared,
    tm_times: TimeModel,
    best: TimeSolution,
    rooms_of: dict[tuple[int, int, int], int] | None,
    options: SolveOptions,
    clock: Clock,
    cancel: CancelToken | None,
    first: float | None,
    bound: float,
    on_progress: ProgressFn | None = None,
) -> Result:
    """Times and rooms together, started from the incumbent.

    With ``rooms_of`` (a complete room assignment) the incumbent is completed with every
    time and room fixed, then improved by LNS where a freed class also frees its rooms.
    Without it (the room model failed) the joint model is solved from a hint of the times.
    """
    from .lns import improve

    jm = build_time_model(prep, room_bound=False)
    cands = [Candidate(ci, d, s, v) for (ci, d, s), v in jm.x.items()]
    rm = build_room_model(prep, cands, model=jm.model)
    jm.terms.extend(rm.terms)
    jm.model.minimize(objective_of(jm.terms))
    proto = jm.model.proto
    n_vars = len(proto.variables)
    n_cons = len(proto.constraints)
    keys = list(jm.x)
    tied = {key: [v.index for _, v in rm.w[k]] for k, key in enumerate(keys)}

    elapsed = clock.wall
    for key, v in jm.x.items():
        jm.model.add_hint(v, best.values[tm_times.x[key].index])
    status = cp_model.UNKNOWN
    solver = make_solver(options, max(2.0, clock.remaining()), seed_offset=13, clock=clock)
    watch = SearchWatch(clock.start, cancel, None, report=False, clock=clock)
    if rooms_of is not None:
        # complete the incumbent: every x and w fixed, auxiliaries derived
        saved = []
        for k, key in enumerate(keys):
            on = best.values[tm_times.x[key].index]
            pairs = [(jm.x[key].index, on)]
            pairs += [(v.index, int(on and rooms_of.get(key) == ri)) for ri, v in rm.w[k]]
            for i, val in pairs:
                dom = proto.variables[i].domain
                dom[0] = val
                dom[1] = val
                saved.append(i)
        status = watch.run(solver, jm.model)
        for i in saved:
            dom = proto.variables[i].domain
            dom[0] = 0
            dom[1] = 1
    if rooms_of is None or status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        solver = make_solver(options, max(2.0, clock.remaining()), seed_offset=17, clock=clock)
        status = watch.run(solver, jm.model)
    if watch.cancelled:
        return Result(Status.CANCELLED, stats=Stats(n_vars, n_cons, first, elapsed()))
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        if status != cp_model.INFEASIBLE:
            return Result(Status.UNKNOWN, stats=Stats(n_vars, n_cons, first, elapsed()))
        return Result(
            Status.INFEASIBLE,
            explanation=(
                "every time rule can be met, but no choice of times leaves each multi-period "
                "session one room that is free for all its periods; add rooms of that kind "
                "or fewer long sessions",
            )
            if options.explain_infeasibility
            else (),
            stats=Stats(n_vars, n_cons, first, elapsed()),
        )
    jbest = capture(solver, jm)
    proven = status == cp_model.OPTIMAL and rooms_of is None
    if not proven and n_vars <= JOINT_FULL_MAX_VARS:
        # small enough: one CP-SAT run on the whole joint model, hinted, can prove optimality
        jm.model.clear_hints()
        for i, val in enumerate(jbest.values):
            jm.model.add_hint(jm.model.get_int_var_from_proto_index(i), val)
        solver = make_solver(options, max(0.5, clock.remaining()), seed_offset=19, clock=clock)
        status = watch.run(solver, jm.model)
        if watch.cancelled:
            return Result(Status.CANCELLED, stats=Stats(n_vars, n_cons, first, elapsed()))
        if (
            status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
            and int(solver.objective_value) <= jbest.objective
        ):
            jbest = capture(solver, jm)
            bound = max(bound, float(solver.best_objective_bound))
        proven = status == cp_model.OPTIMAL
    if not proven:
        if on_progress is not None:
            on_progress(Progress(jbest.objective, bound, elapsed()))
        jbest, cancelled = improve(
            jm,
            jbest,
            options,
            clock=clock,
            deadline=options.time_limit_s,
            rng=random.Random(options.seed + 1),
            on_improve=(lambda obj: on_progress(Progress(obj, bound, elapsed())))
            if on_progress
            else None,
            cancel=cancel,
            tied=tied,
            room_of={v.index: ri for k in range(len(keys)) for ri, v in rm.w[k]},
            stop_at=int(bound),
        )
        if cancelled:
            return Result(Status.CANCELLED, stats=Stats(n_vars, n_cons, first, elapsed()))
    sessions = []
    for k, cand in enumerate(cands):
        if not jbest.values[jm.x[keys[k]].index]:
            continue
        ri = next(ri for ri, v in rm.w[k] if jbest.values[v.index])
        sessions.append(
            Session(problem.classes[cand.ci].id, cand.day, cand.start, problem.rooms[ri].id)
        )
    sessions.sort(key=lambda s: (s.class_id, s.day, s.period))
    optimal = proven or jbest.objective <= bound
    return Result(
        Status.OPTIMAL if optimal else Status.FEASIBLE,
        sessions=tuple(sessions),
        objective=float(jbest.objective),
        best_bound=bound,
        penalties=_penalties(jbest.counts, problem),
        stats=Stats(n_vars, n_cons, first, elapsed()),
    )
