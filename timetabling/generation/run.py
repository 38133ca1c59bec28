"""Running a job: build the problem, solve it under the lease, save the slots.

The run ends the job with exactly one move of :mod:`~timetabling.generation.states`:
``complete`` (slots saved, metrics set), ``fail`` (a readable error; nothing saved) or
``stop`` (cancelled on request). A move refused because the lease was lost means the job
was taken from this run: the result is discarded.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import sentry_sdk
from django.conf import settings
from django.db import transaction

from sih28.errors import ApplicationError
from sih28.sentry import job_scope_context, transaction_or_span
from timetabling import optimizer as opt
from timetabling.generation import pins, states
from timetabling.generation.lease import (
    Lease,
    Lost,
    Monitor,
    ProgressCallback,
    claim,
    solve_monitored,
)
from timetabling.generation.metrics import (
    TEACHERS_LISTED,
    JobMetrics,
    PenaltyCount,
    TeacherPenaltyCount,
)
from timetabling.generation.params import JobParams
from timetabling.generation.problem import GenerationInput, generation_problem_build, name_rooms
from timetabling.generation.telemetry import generation_report, infeasibility_cause
from timetabling.models import GenerationJob, TimetableSlot

logger = logging.getLogger(__name__)


def generation_job_run(
    *,
    job_id: int,
    on_progress: ProgressCallback | None = None,
    task_id: str | None = None,
) -> GenerationJob:
    """Run a job: build the problem, solve it, save the slots (inactive until published).

    Ends COMPLETED (slots saved, metrics set), FAILED (with a readable error; nothing
    saved) or CANCELLED. An unexpected exception marks the job FAILED and is re-raised.
    ``on_progress`` receives the progress dict (objective, bound, elapsed_s) on the calling
    thread, at most about once a second.
    """
    lease, why = claim(job_id, task_id)
    if lease is None:
        logger.info("generation job %s: nothing to do (%s)", job_id, why)
        return GenerationJob.objects.get(pk=job_id)
    job = lease.job
    # Tags feature, job_id, scope, semester and the user on the Celery task's own scope (so
    # its transaction and the errors it reports carry them), else on a fresh one.
    with (
        job_scope_context(job, feature="timetable", scope=job.scope_label),
        transaction_or_span(op="timetable.generate", name="Generate Timetable") as root,
    ):
        try:
            return _run(lease, on_progress, root)
        except Lost:
            logger.warning("generation job %s was taken from this run; result discarded", job_id)
            return GenerationJob.objects.get(pk=job_id)
        except BaseException as exc:
            try:
                states.job_fail(job_id=job_id, token=lease.token, error=_exception_reason(exc))
            except ApplicationError as refused:  # taken over, finished or deleted meanwhile
                logger.warning("generation job %s: not marked failed (%s)", job_id, refused.message)
            root.set_status("internal_error")
            raise


def _exception_reason(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "SoftTimeLimitExceeded":
        return "The job ran out of its time limit before the timetable could be saved."
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted before the timetable was saved."
    return f"Generation failed with an internal error ({name}: {exc})."


def _run(lease: Lease, on_progress: ProgressCallback | None, root: Any) -> GenerationJob:
    job = lease.job
    scope = job.scope_label
    t0 = time.monotonic()
    with sentry_sdk.start_span(op="db", name="Fetch constraints") as span:
        gen = generation_problem_build(job=job)
        problem = gen.problem
        span.set_data("classes", len(problem.classes))
        span.set_data("fixed_sessions", len(problem.fixed))
        span.set_data("rooms", len(problem.rooms))
        span.set_data("students", len(problem.students))
        span.set_data("pinned_sessions", sum(len(c.pins) for c in problem.classes))
        span.set_data("batches_pulled_in", len(gen.scope_notes))
    build_time = time.monotonic() - t0
    params = JobParams.of(job).next_attempt(gen.batch_ids, gen.scope_notes)
    GenerationJob.objects.filter(pk=job.pk).update(params=params.as_json())
    if gen.issues:
        return _fail(lease, "Cannot generate a timetable: " + " ".join(gen.issues), infeasible=True)

    options = opt.SolveOptions(
        time_limit_s=float(job.time_limit_s),
        workers=settings.GENERATION_WORKERS,
        seed=params.seed,
        remedy_budget_s=remedy_budget_s(job.time_limit_s),
    )
    name_rooms(gen)  # explanations and remedies are worded during the solve
    monitor = Monitor(lease, threading.Event(), on_progress)
    with sentry_sdk.start_span(op="optimize", name="Optimize") as span:
        monitor.tick(force=True)
        result = solve_monitored(problem, options, monitor)
        span.set_data("variables", result.stats.variables)
        span.set_data("constraints", result.stats.constraints)
        span.set_data("sessions", len(result.sessions))
        span.set_data("objective", result.objective)
        span.set_data("bound", result.best_bound)
        span.set_data("status", result.status.value)
    if monitor.lost:
        raise Lost()
    if monitor.cancel_requested or result.status == opt.Status.CANCELLED:
        if not monitor.cancel_requested and not _cancel_requested(job.pk):
            return _fail(
                lease,
                f"The solver did not finish within the time limit of "
                f"{job.time_limit_s} s plus its grace period.",
            )
        return _stop(lease)
    if result.status == opt.Status.INFEASIBLE:
        reasons = list(result.explanation)
        text = f"No feasible timetable exists for {scope}."
        if reasons:
            text += " Reasons:\n" + "\n".join(f"- {r}" for r in reasons)
        else:
            text += (
                " The solver proved that the hard rules cannot all be met but could not"
                " name one reason; check rooms, faculty loads and unavailability."
            )
        if result.remedies:
            text += "\nRemedies (each checked by the pre-checks and a short solve):\n"
            text += "\n".join(f"- {r.text}" for r in result.remedies)
        return _fail(lease, text, infeasible=True, remedies=result.remedies)
    if result.status == opt.Status.UNKNOWN:
        return _fail(
            lease,
            f"No timetable was found within the time limit of "
            f"{job.time_limit_s} s; try a longer time limit.",
        )
    if not result.has_solution:
        return _fail(lease, f"The optimizer could not solve this problem ({result.status.value}).")

    evaluation = opt.evaluate(problem, result.sessions)
    with sentry_sdk.start_span(op="db.bulk_create", name="Save timetable slots") as span:
        try:
            metrics = _save(
                lease,
                gen,
                result,
                partial(_metrics, gen, result, evaluation, build_time_s=round(build_time, 3)),
            )
        except states.TransitionRefused as refused:
            if refused.guard_failed and monitor.holds_lease():
                return _stop(lease)  # a cancel came while the solver finished
            raise Lost() from refused
        span.set_data("rows", metrics.slots)
    root.set_data("hard_violations", evaluation.hard_total)
    generation_report(root, metrics, variants=1)
    sentry_sdk.capture_message(
        f"Timetable generated for {scope}: {len(result.sessions)} sessions, "
        f"{evaluation.hard_total} hard violations, soft penalty {evaluation.soft_total}",
        level="info",
    )
    return GenerationJob.objects.get(pk=job.pk)


def _metrics(
    gen: GenerationInput,
    result: opt.Result,
    evaluation: opt.Evaluation,
    *,
    build_time_s: float,
    slots: int,
    save_time_s: float,
) -> JobMetrics:
    moved = opt.moved_counts(gen.previous, result.sessions) if gen.previous else None
    return JobMetrics(
        status=result.status.value,
        hard_violations=evaluation.hard_total,
        hard_by_kind={k: v for k, v in evaluation.hard.items() if v},
        penalties={
            p.name: PenaltyCount(count=p.count, weight=p.weight) for p in evaluation.penalties
        },
        soft_penalty=evaluation.soft_total,
        objective=result.objective,
        bound=result.best_bound,
        variables=result.stats.variables,
        constraints=result.stats.constraints,
        solve_time_s=round(result.stats.wall_time_s, 3),
        time_to_first_feasible_s=(
            None
            if result.stats.time_to_first_feasible_s is None
            else round(result.stats.time_to_first_feasible_s, 3)
        ),
        classes=len(gen.problem.classes),
        sessions=len(result.sessions),
        slots=slots,
        fixed_sessions=len(gen.problem.fixed),
        stay_close=gen.stay_close,
        moved=moved.moved if moved else None,
        previous_sessions=len(gen.previous),
        build_time_s=build_time_s,
        save_time_s=save_time_s,
        moved_in_time=moved.time_moved if moved else None,
        moved_room_only=moved.room_moved if moved else None,
        teachers=_teachers(gen.problem, evaluation),
    )


def _teachers(problem: opt.Problem, evaluation: opt.Evaluation) -> list[TeacherPenaltyCount]:
    """The evaluator's per-teacher report under the teachers' employee ids, most first."""
    employee = problem.names.get("faculty", {})
    return [
        TeacherPenaltyCount(
            employee_id=employee.get(t.faculty, str(t.faculty)),
            gap=t.gap,
            avoid=t.avoid,
            prefer=t.prefer,
        )
        for t in evaluation.teachers[:TEACHERS_LISTED]
    ]


def _cancel_requested(job_id: int) -> bool:
    return GenerationJob.objects.filter(pk=job_id, cancel_requested=True).exists()


def _save(
    lease: Lease, gen: GenerationInput, result: opt.Result, metrics_for: Callable[..., JobMetrics]
) -> JobMetrics:
    """The ``complete`` move, all slots (one ``bulk_create``) and the metrics, in one
    transaction: a reader never sees a completed job without its slots and metrics.

    The move goes first, so on PostgreSQL it also locks the job row; when it is refused
    (cancelled or taken over meanwhile) nothing is written and TransitionRefused rises.
    """
    started = time.monotonic()
    job_id = lease.job.pk
    length = {c.id: c.periods_per_session for c in gen.problem.classes}
    pinned = pins.pinned_cells(gen.problem)
    slots = [
        TimetableSlot(
            job_id=job_id,
            offering_id=o.pk,
            batch_id=o.batch_id,
            faculty_id=o.faculty_id,
            room_id=s.room,
            day=s.day,
            period=s.period + 1,
            length=length[s.class_id],
            active=False,
            primary=i == 0,
            pinned=(s.class_id, s.day, s.period) in pinned,
        )
        for s in result.sessions
        for i, o in enumerate(gen.offerings_of[s.class_id])
    ]
    with transaction.atomic():
        states.job_complete(
            job_id=job_id,
            token=lease.token,
            progress={
                "phase": "done",
                "objective": result.objective,
                "bound": result.best_bound,
                "elapsed_s": round(result.stats.wall_time_s, 1),
            },
        )
        TimetableSlot.objects.filter(job_id=job_id).delete()  # a restarted run's leftovers
        TimetableSlot.objects.bulk_create(slots, batch_size=2000)
        metrics = metrics_for(slots=len(slots), save_time_s=round(time.monotonic() - started, 3))
        GenerationJob.objects.filter(pk=job_id).update(metrics=metrics.as_json())
    return metrics


def remedy_budget_s(time_limit_s: float) -> float:
    """Seconds an infeasible job spends on remedies: the setting, capped so that finding
    the conflict, explaining it and the remedies stay inside the run's safety net (1.5 x
    the limit plus a grace; see ``lease.solve_monitored``)."""
    return max(0.0, min(settings.GENERATION_REMEDY_BUDGET_S, 0.5 * time_limit_s + 15))


def _fail(
    lease: Lease,
    error: str,
    *,
    infeasible: bool = False,
    remedies: tuple[opt.Remedy, ...] = (),
) -> GenerationJob:
    job = lease.job
    try:
        states.job_fail(
            job_id=job.pk,
            token=lease.token,
            error=error,
            remedies=[{"kind": r.kind, "text": r.text} for r in remedies],
        )
    except states.TransitionRefused as refused:
        raise Lost() from refused
    scope = job.scope_label
    first_line = error.splitlines()[0]
    span = sentry_sdk.get_current_span()
    if span is not None:
        generation_report(span, None, variants=0)
    if infeasible:
        # One issue per cause (whatever batch or teacher it names), tagged for its owners.
        sentry_sdk.capture_message(
            f"Timetable generation failed for {scope}: {first_line}",
            level="error",
            fingerprint=["timetable-infeasible", infeasibility_cause(error)],
            tags={"error.type": "optimizer", "infeasible.cause": infeasibility_cause(error)},
        )
    else:
        sentry_sdk.capture_message(
            f"Timetable generation failed for {scope}: {first_line}",
            level="error",
            tags={"error.type": "optimizer"},
        )
    return GenerationJob.objects.get(pk=job.pk)


def _stop(lease: Lease) -> GenerationJob:
    job = lease.job
    try:
        states.job_stop(job_id=job.pk, token=lease.token)
    except states.TransitionRefused as refused:
        raise Lost() from refused
    sentry_sdk.capture_message(
        f"Timetable generation cancelled for {job.scope_label}", level="info"
    )
    return GenerationJob.objects.get(pk=job.pk)
