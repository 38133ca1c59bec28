"""Creating a job for a scope and queueing it for a worker."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, connections, transaction

from academics.models import Batch, Department, Offering
from sih28.errors import ApplicationError, ConflictError, ServiceUnavailableError
from sih28.permissions import is_manager
from sih28.redis_breaker import REDIS
from timetabling.generation import states
from timetabling.generation.params import JobParams
from timetabling.generation.scope import scope_resolve
from timetabling.generation.stale import generation_jobs_mark_stale
from timetabling.generation.variants import MAX_VARIANTS, WEIGHTINGS
from timetabling.models import ACTIVE_STATUSES, GenerationJob, JobStatus, ReviewState

logger = logging.getLogger(__name__)

# Any constant shared by every web process: the PostgreSQL advisory lock that serialises
# "is there already an active job for this scope?" checks.
_CREATE_LOCK_KEY = 0x5148_3238  # "SIH28"


class GenerationForbidden(ApplicationError):
    status_code = 403


def check_manager(user: Any) -> None:
    if user is not None and not is_manager(user):
        raise GenerationForbidden("Only admin and staff can generate or publish timetables.")


def task_time_limits(solver_limit_s: int) -> tuple[int, int]:
    """(soft, hard) Celery time limits for a solver limit: solver < soft < hard.

    The margin pays for building the problem, the room phase and saving the slots.
    """
    soft = int(solver_limit_s + 30 + solver_limit_s // 4)
    return soft, soft + 30


def _lock_job_creation() -> None:
    """Serialise job creation so that two simultaneous requests cannot both pass the
    overlap check: a transaction-scoped advisory lock on PostgreSQL; on SQLite a no-op
    write that takes the database write lock at once."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CREATE_LOCK_KEY])
    else:
        GenerationJob.objects.filter(pk=-1).update(cancel_requested=False)


def _overlapping_active_job(batch_ids: set[int]) -> GenerationJob | None:
    for other in GenerationJob.objects.filter(status__in=ACTIVE_STATUSES).select_related(
        "department", "batch"
    ):
        theirs = JobParams.of(other).batch_ids
        if theirs is None or theirs & batch_ids:
            return other
    return None


def generation_job_create(
    *,
    user: Any,
    semester: int | None = None,
    department: str | None = None,
    batch: str | None = None,
    time_limit_s: int | None = None,
    stay_close: bool = False,
    term_start: dt.date | None = None,
    term_end: dt.date | None = None,
    enqueue: bool = True,
    background: bool = False,
    variants: int = 1,
) -> GenerationJob:
    """Create a PENDING job for a scope and (``enqueue``) queue it for a Celery worker.

    The scope is the whole institution, optionally narrowed to a ``semester`` and to one
    ``department`` or one ``batch`` (codes). Raises ``ApplicationError`` (400) for an invalid
    scope, ``ConflictError`` (409) when an active job already covers an overlapping scope
    and ``ServiceUnavailableError`` (503) when the task broker cannot be reached; in that
    case the job is marked FAILED. Without a broker (embedded mode) the task runs in-process
    before this returns, or, with ``background`` (the console, which shows the job's progress
    while it runs), in a thread of this process after it returns.

    ``variants`` > 1 creates that many sibling jobs (``variants.WEIGHTINGS``), one task each,
    sharing a ``variant_group``; the first is returned.
    """
    check_manager(user)
    if not 1 <= variants <= MAX_VARIANTS:
        raise ApplicationError(f"variants must be between 1 and {MAX_VARIANTS} (got {variants}).")
    department = (department or "").strip() or None
    batch = (batch or "").strip() or None
    if department and batch:
        raise ApplicationError("Choose a department or a batch, not both.")
    limit = settings.GENERATION_TIME_LIMIT_S if time_limit_s is None else int(time_limit_s)
    max_limit = settings.GENERATION_MAX_TIME_LIMIT_S
    if not 1 <= limit <= max_limit:
        raise ApplicationError(
            f"time_limit_s must be between 1 and {max_limit} seconds (got {limit})."
        )
    if semester is not None and semester < 1:
        raise ApplicationError(f"semester must be 1 or more (got {semester}).")
    if term_start and term_end and term_end < term_start:
        raise ApplicationError("term_end must not be before term_start.")
    dept_obj = batch_obj = None
    if department:
        dept_obj = Department.objects.filter(code=department).first()
        if dept_obj is None:
            raise ApplicationError(
                f"Unknown department {department!r}.", extra={"department": department}
            )
    if batch:
        batch_obj = Batch.objects.filter(code=batch).first()
        if batch_obj is None:
            raise ApplicationError(f"Unknown batch {batch!r}.", extra={"batch": batch})
    label = GenerationJob(semester=semester, department=dept_obj, batch=batch_obj).scope_label
    if enqueue and _broker_known_down():
        raise ServiceUnavailableError(
            "The task queue (Redis) is unreachable, so the timetable cannot be generated now; "
            "try again when it is back. Reading timetables and data still works."
        )
    # A job whose run died must not block its scope (409) forever where no beat runs.
    generation_jobs_mark_stale()

    with transaction.atomic():
        _lock_job_creation()
        scope = scope_resolve(
            semester=semester,
            department_id=dept_obj.pk if dept_obj else None,
            batch_id=batch_obj.pk if batch_obj else None,
        )
        batch_ids = set(scope.batch_ids)
        if not Offering.objects.filter(batch_id__in=batch_ids).exists():
            raise ApplicationError(f"Nothing to generate: {label} has no offerings.")
        other = _overlapping_active_job(batch_ids)
        if other is not None:
            raise ConflictError(
                f"Job {other.pk} ({other.status}, {other.scope_label}) is already generating "
                f"an overlapping scope; wait for it to finish or cancel it.",
                extra={"job": other.pk},
            )
        group = uuid.uuid4() if variants > 1 else None
        jobs = []
        for weighting in WEIGHTINGS[:variants] if group else (None,):
            params = JobParams(
                stay_close=bool(stay_close),
                batch_ids=frozenset(batch_ids),
                seed=weighting.seed if weighting else 0,
                weighting=weighting.label if weighting else "",
                scope_notes=scope.notes(label),
            )
            job = GenerationJob.objects.create(
                status=JobStatus.PENDING,
                semester=semester,
                department=dept_obj,
                batch=batch_obj,
                time_limit_s=limit,
                params=params.as_json(),
                created_by=user if getattr(user, "pk", None) else None,
                term_start=term_start,
                term_end=term_end,
                review=ReviewState.VARIANT if group else ReviewState.DRAFT,
                variant_group=group,
                variant_label=weighting.label if weighting else "",
            )
            jobs.append(job)
            if enqueue:
                transaction.on_commit(partial(_enqueue, job.pk, limit, background=background))
        job = jobs[0]
    job.refresh_from_db()
    return job


#: The Celery task that runs a job, by name: ``timetabling.tasks`` calls this package, so
#: this package names the task instead of importing it (``TimetablingConfig.ready``
#: registers it in every process).
GENERATE_TASK = "timetabling.tasks.generate_timetable_task"


def _run_in_thread(task: Any, job_id: int) -> None:
    """Embedded mode, for the console: run the job beside the request that created it. A
    failure is recorded on the job by the run; here it is logged (and so sent to Sentry)."""
    try:
        task.apply_async()
    except Exception:  # noqa: BLE001 - recorded on the job and logged with traceback
        logger.exception("generation job %s failed in-process", job_id)
    finally:
        connections.close_all()  # this thread's connections only


def _broker_known_down() -> bool:
    """Redis (the broker is the cache's Redis) failed moments ago: answer 503 at once
    instead of making the request wait for the broker's timeouts (``sih28.redis_breaker``)."""
    from sih28.celery import app

    return not app.conf.task_always_eager and REDIS.is_open()


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    return (OperationalError, OSError, ConnectionError)


def _enqueue(job_id: int, limit: int, *, background: bool = False) -> None:
    """Queue the job (runs after commit). An unreachable broker fails the job and answers
    503; nothing stays PENDING forever."""
    from sih28.celery import app

    task = app.signature(GENERATE_TASK, args=[job_id])
    if app.conf.task_always_eager and background:
        threading.Thread(
            target=_run_in_thread, args=(task, job_id), name=f"generation-job-{job_id}", daemon=True
        ).start()
        return
    if app.conf.task_always_eager:
        # Embedded mode: the task runs here, in-process. A failure has already been recorded
        # on the job (FAILED, with the error); log it (and so report it to Sentry) and let
        # the caller answer with the job.
        try:
            result = task.apply_async()
        except Exception:  # noqa: BLE001 - recorded on the job and logged with traceback
            logger.exception("generation job %s failed in-process", job_id)
            return
        GenerationJob.objects.filter(pk=job_id, celery_task_id="").update(
            celery_task_id=result.id or ""
        )
        return
    soft, hard = task_time_limits(limit)
    try:
        with app.connection_for_write() as conn:
            result = task.apply_async(
                soft_time_limit=soft,
                time_limit=hard,
                connection=conn,
            )
    except _broker_errors() as exc:
        reason = f"{type(exc).__name__}: {exc}"
        logger.error("generation job %s could not be queued: %s", job_id, reason)
        try:
            states.job_fail_to_queue(
                job_id=job_id,
                error=(
                    f"Could not queue the job: the task broker (Redis) is unreachable ({reason})."
                ),
            )
        except states.TransitionRefused as refused:  # cancelled meanwhile: leave it so
            logger.warning("generation job %s: %s", job_id, refused.message)
        raise ServiceUnavailableError(
            "The task queue (Redis) is unreachable, so the timetable cannot be generated now. "
            f"Job {job_id} was marked FAILED; try again when the queue is back.",
            extra={"job": job_id},
        ) from exc
    GenerationJob.objects.filter(pk=job_id).update(celery_task_id=result.id)
