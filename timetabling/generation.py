"""Timetable generation as a service: create a job, run it, cancel it, publish it.

``generation_job_create`` validates a scope, refuses a second active job for an overlapping
scope and enqueues the Celery task once the job row is committed. ``generation_job_run``
(called by the task, or in-process by the ``generate_timetable`` command) builds an
optimizer :class:`~timetabling.optimizer.Problem` from the database in a fixed, small number
of queries, solves it in a helper thread while the calling thread writes throttled progress
and a heartbeat and polls for a cancel request, and saves the result with one
``bulk_create``. ``timetable_publish`` switches the published (active) timetable of the
job's batches in one transaction.

All database access stays on the calling thread: the solver thread only computes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import sentry_sdk
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from academics.models import (
    Batch,
    Department,
    FacultyUnavailability,
    Offering,
    Room,
    SubjectKind,
    TimeSlot,
)
from sih28.errors import ApplicationError, ConflictError, NotFoundError, ServiceUnavailableError
from sih28.permissions import is_manager
from sih28.sentry import job_scope_context
from timetabling import optimizer as opt
from timetabling.models import ACTIVE_STATUSES, GenerationJob, JobStatus, TimetableSlot

logger = logging.getLogger(__name__)

FINISHED_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
# Any constant shared by every web process: the PostgreSQL advisory lock that serialises
# "is there already an active job for this scope?" checks.
_CREATE_LOCK_KEY = 0x5148_3238  # "SIH28"
_TICK_S = 0.2  # how often the monitoring thread wakes up
_PROGRESS_EVERY_S = 1.0  # at most one progress/heartbeat write per second


class GenerationForbidden(ApplicationError):
    status_code = 403


ProgressCallback = Callable[[dict[str, Any]], None]


# --- settings ---------------------------------------------------------------------------


def heartbeat_timeout_s() -> int:
    return int(getattr(settings, "GENERATION_HEARTBEAT_TIMEOUT_S", 120))


def pending_timeout_s() -> int:
    return int(getattr(settings, "GENERATION_PENDING_TIMEOUT_S", 3600))


def max_attempts() -> int:
    return int(getattr(settings, "GENERATION_MAX_ATTEMPTS", 2))


def stay_close_weight() -> int:
    """The cost of moving one published session when staying close: above an isolated
    period or an idle gap, so a few sessions move rather than many."""
    return int(getattr(settings, "GENERATION_STAY_CLOSE_WEIGHT", 4))


def heartbeat_interval_s() -> float:
    """Heartbeats come often enough that a live worker is never taken for a dead one."""
    return max(0.5, min(5.0, heartbeat_timeout_s() / 4))


def task_time_limits(solver_limit_s: int) -> tuple[int, int]:
    """(soft, hard) Celery time limits for a solver limit: solver < soft < hard.

    The margin pays for building the problem, the room phase and saving the slots.
    """
    soft = int(solver_limit_s + 30 + solver_limit_s // 4)
    return soft, soft + 30


def _check_manager(user: Any) -> None:
    if user is not None and not is_manager(user):
        raise GenerationForbidden("Only admin and staff can generate or publish timetables.")


# --- scope ------------------------------------------------------------------------------


def scope_batch_ids(
    *, semester: int | None, department_id: int | None, batch_id: int | None
) -> set[int]:
    """The batches a scope covers, plus every partner batch of their combined classes.

    A combined class is generated as a whole, so its batches join the scope together.
    Two queries whatever the size of the institution.
    """
    qs = Batch.objects.all()
    if semester:
        qs = qs.filter(semester=semester)
    if department_id:
        qs = qs.filter(department_id=department_id)
    if batch_id:
        qs = qs.filter(pk=batch_id)
    ids = set(qs.values_list("pk", flat=True))
    if not (semester or department_id or batch_id):
        return ids
    groups: dict[tuple[str, int, int], set[int]] = defaultdict(set)
    for group, subject_id, faculty_id, b in Offering.objects.exclude(group="").values_list(
        "group", "subject_id", "faculty_id", "batch_id"
    ):
        groups[(group, subject_id, faculty_id)].add(b)
    changed = True
    while changed:
        changed = False
        for members in groups.values():
            if members & ids and not members <= ids:
                ids |= members
                changed = True
    return ids


def _job_batch_ids(job: GenerationJob) -> set[int] | None:
    ids = (job.params or {}).get("batch_ids")
    return None if ids is None else set(ids)


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
        theirs = _job_batch_ids(other)
        if theirs is None or theirs & batch_ids:
            return other
    return None


def _scope_label(semester: int | None, department: Department | None,
                 batch: Batch | None) -> str:
    return GenerationJob(semester=semester, department=department, batch=batch).scope_label


# --- create -----------------------------------------------------------------------------


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
) -> GenerationJob:
    """Create a PENDING job for a scope and (``enqueue``) queue it for a Celery worker.

    The scope is the whole institution, optionally narrowed to a ``semester`` and to one
    ``department`` or one ``batch`` (codes). Raises ``ApplicationError`` (400) for an invalid
    scope, ``ConflictError`` (409) when an active job already covers an overlapping scope
    and ``ServiceUnavailableError`` (503) when the task broker cannot be reached; in that
    case the job is marked FAILED. Without a broker (embedded mode) the task runs in-process
    before this returns.
    """
    _check_manager(user)
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
            raise ApplicationError(f"Unknown department {department!r}.",
                                   extra={"department": department})
    if batch:
        batch_obj = Batch.objects.filter(code=batch).first()
        if batch_obj is None:
            raise ApplicationError(f"Unknown batch {batch!r}.", extra={"batch": batch})
    label = _scope_label(semester, dept_obj, batch_obj)

    with transaction.atomic():
        _lock_job_creation()
        batch_ids = scope_batch_ids(
            semester=semester,
            department_id=dept_obj.pk if dept_obj else None,
            batch_id=batch_obj.pk if batch_obj else None,
        )
        if not Offering.objects.filter(batch_id__in=batch_ids).exists():
            raise ApplicationError(f"Nothing to generate: {label} has no offerings.")
        other = _overlapping_active_job(batch_ids)
        if other is not None:
            raise ConflictError(
                f"Job {other.pk} ({other.status}, {other.scope_label}) is already generating "
                f"an overlapping scope; wait for it to finish or cancel it.",
                extra={"job": other.pk},
            )
        job = GenerationJob.objects.create(
            status=JobStatus.PENDING,
            semester=semester,
            department=dept_obj,
            batch=batch_obj,
            time_limit_s=limit,
            params={"stay_close": bool(stay_close), "batch_ids": sorted(batch_ids),
                    "attempts": 0},
            created_by=user if getattr(user, "pk", None) else None,
            term_start=term_start,
            term_end=term_end,
        )
        if enqueue:
            transaction.on_commit(partial(_enqueue, job.pk, limit))
    job.refresh_from_db()
    return job


def _broker_errors() -> tuple[type[BaseException], ...]:
    from kombu.exceptions import OperationalError

    return (OperationalError, OSError, ConnectionError)


def _enqueue(job_id: int, limit: int) -> None:
    """Queue the job (runs after commit). An unreachable broker fails the job and answers
    503; nothing stays PENDING forever."""
    from sih28.celery import app
    from timetabling.tasks import generate_timetable_task

    if app.conf.task_always_eager:
        # Embedded mode: the task runs here, in-process. A failure has already been recorded
        # on the job (FAILED, with the error); log it (and so report it to Sentry) and let
        # the caller answer with the job.
        try:
            result = generate_timetable_task.apply_async(args=[job_id])
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
            result = generate_timetable_task.apply_async(
                args=[job_id], soft_time_limit=soft, time_limit=hard, connection=conn,
            )
    except _broker_errors() as exc:
        reason = f"{type(exc).__name__}: {exc}"
        logger.error("generation job %s could not be queued: %s", job_id, reason)
        GenerationJob.objects.filter(pk=job_id).update(
            status=JobStatus.FAILED,
            finished_at=timezone.now(),
            error=f"Could not queue the job: the task broker (Redis) is unreachable ({reason}).",
        )
        raise ServiceUnavailableError(
            "The task queue (Redis) is unreachable, so the timetable cannot be generated now. "
            f"Job {job_id} was marked FAILED; try again when the queue is back.",
            extra={"job": job_id},
        ) from exc
    GenerationJob.objects.filter(pk=job_id).update(celery_task_id=result.id)


# --- building the problem ---------------------------------------------------------------


@dataclass
class GenerationInput:
    """The optimizer problem plus what is needed to turn its result back into slots."""

    problem: opt.Problem
    offerings_of: dict[int, list[Offering]]  # class id -> its offerings, first is primary
    batch_ids: set[int]
    previous: tuple[opt.Session, ...]  # the published timetable of the scope
    issues: list[str] = field(default_factory=list)  # reasons it cannot be solved at all


def _time_grid(rows: Iterable[tuple[int, int, dt.time, dt.time]]) -> opt.TimeGrid:
    """TimeSlot rows (day, 1-based period, start, end) -> a 0-based grid with missing cells
    and breaks (period p+1 does not start exactly when p ends)."""
    cells = {(day, period - 1): (start, end) for day, period, start, end in rows}
    if not cells:
        return opt.TimeGrid(days=0, periods_per_day=0)
    days = max(d for d, _ in cells) + 1
    periods = max(p for _, p in cells) + 1
    missing = frozenset(
        (d, p) for d in range(days) for p in range(periods) if (d, p) not in cells
    )
    breaks = frozenset(
        (d, p)
        for (d, p), (_, end) in cells.items()
        if (d, p + 1) in cells and cells[(d, p + 1)][0] != end
    )
    return opt.TimeGrid(days=days, periods_per_day=periods, missing=missing, breaks_after=breaks)


def _room_kind(kind: str) -> opt.RoomKind:
    return opt.RoomKind.LAB if kind == SubjectKind.LAB else opt.RoomKind.LECTURE


def generation_problem_build(*, job: GenerationJob, stay_close: bool | None = None,
                             ) -> GenerationInput:
    """Read everything the optimizer needs for ``job`` in a fixed number of queries.

    Offerings of the scope are grouped into classes (same non-empty group, subject and
    faculty = one combined class). The published sessions of batches outside the scope are
    fixed: their faculty, rooms and batches stay busy. With ``stay_close`` the published
    sessions of the scope are the timetable to stay close to.
    """
    if stay_close is None:
        stay_close = bool((job.params or {}).get("stay_close"))
    batch_ids = scope_batch_ids(semester=job.semester, department_id=job.department_id,
                                batch_id=job.batch_id)
    offerings = list(
        Offering.objects.filter(batch_id__in=batch_ids)
        .select_related("subject", "batch", "faculty")
        .order_by("batch__code", "subject__code", "pk")
    )
    grid = _time_grid(
        TimeSlot.objects.values_list("day", "period", "start_time", "end_time")
    )
    rooms = tuple(
        opt.Room(id=pk, kind=opt.RoomKind(kind), capacity=capacity)
        for pk, kind, capacity in Room.objects.order_by("pk").values_list(
            "pk", "kind", "capacity")
    )
    faculty_rows = {o.faculty_id: o.faculty for o in offerings}
    unavailable: dict[int, set[opt.Slot]] = defaultdict(set)
    for fid, day, period in FacultyUnavailability.objects.filter(
        faculty_id__in=faculty_rows
    ).values_list("faculty_id", "day", "period"):
        unavailable[fid].add((day, period - 1))
    faculty = tuple(
        opt.Faculty(
            id=f.pk,
            unavailable=frozenset(unavailable.get(f.pk, ())),
            max_periods_per_day=f.max_hours_per_day,
            max_periods_per_week=f.max_hours_per_week,
        )
        for f in sorted(faculty_rows.values(), key=lambda f: f.pk)
    )
    batch_rows = {o.batch_id: o.batch for o in offerings}
    batches = tuple(opt.Batch(id=b.pk, size=b.size) for b in batch_rows.values())

    # classes: combined offerings (same non-empty group, subject, faculty) are one class
    members: dict[tuple[Any, ...], list[Offering]] = {}
    for o in offerings:
        key = ("g", o.group, o.subject_id, o.faculty_id) if o.group else ("o", o.pk)
        members.setdefault(key, []).append(o)
    days_in_grid = len({d for d in range(grid.days)
                        if any(grid.exists(d, p) for p in range(grid.periods_per_day))})
    classes: list[opt.ClassSpec] = []
    offerings_of: dict[int, list[Offering]] = {}
    class_of_offering: dict[int, int] = {}
    for group in members.values():
        first = group[0]
        subject = first.subject
        cid = first.pk
        offerings_of[cid] = group
        for o in group:
            class_of_offering[o.pk] = cid
        classes.append(
            opt.ClassSpec(
                id=cid,
                kind=_room_kind(subject.kind),
                faculty=first.faculty_id,
                batches=tuple(dict.fromkeys(o.batch_id for o in group)),
                sessions_per_week=subject.sessions_per_week,
                periods_per_session=subject.periods_per_session,
                min_days=min(subject.min_days, subject.sessions_per_week, days_in_grid),
            )
        )

    # published sessions: outside the scope they are fixed, inside they are "previous"
    fixed_cells: dict[tuple[int, int, int, int, int], list[int]] = {}
    previous: dict[tuple[int, int, int], int] = {}
    for day, period, length, fid, room_id, b, offering_id in TimetableSlot.objects.filter(
        active=True
    ).values_list("day", "period", "length", "faculty_id", "room_id", "batch_id",
                  "offering_id"):
        if b in batch_ids:
            prev_cid = class_of_offering.get(offering_id)
            if prev_cid is not None:
                previous.setdefault((prev_cid, day, period - 1), room_id)
        else:
            # a combined class has one slot per batch: one fixed session for all of them
            fixed_cells.setdefault((day, period - 1, length, fid, room_id), []).append(b)
    fixed = tuple(
        opt.FixedSession(day=d, period=p, length=n, faculty=f, room=r, batches=tuple(bs))
        for (d, p, n, f, r), bs in sorted(fixed_cells.items())
    )
    prev = tuple(
        opt.Session(class_id=cid, day=d, period=p, room=r)
        for (cid, d, p), r in sorted(previous.items())
    )
    names = {
        "faculty": {f.pk: f.employee_id for f in faculty_rows.values()},
        "batches": {b.pk: b.code for b in batch_rows.values()},
        "rooms": {},
        "classes": {
            cid: f"{g[0].subject.code} ({'+'.join(o.batch.code for o in g)})"
            for cid, g in offerings_of.items()
        },
    }
    issues = []
    if not grid.days:
        issues.append("The weekly time grid is empty: import timeslots first.")
    if not rooms:
        issues.append("There are no rooms: import rooms first.")
    problem = opt.Problem(
        grid=grid,
        rooms=rooms,
        faculty=faculty,
        batches=batches,
        classes=tuple(classes),
        fixed=fixed,
        previous=prev if stay_close else (),
        weights=opt.Weights(previous_distance=stay_close_weight()),
        names=names,
    )
    return GenerationInput(problem=problem, offerings_of=offerings_of, batch_ids=batch_ids,
                           previous=prev, issues=issues)


def _name_rooms(gen: GenerationInput) -> None:
    """Room codes for explanations (one query, only when an explanation is needed)."""
    gen.problem.names["rooms"] = dict(Room.objects.values_list("pk", "code"))


# --- running ----------------------------------------------------------------------------


def _moved(previous: Iterable[opt.Session], sessions: Iterable[opt.Session]) -> int:
    """Previous sessions that are not at their (class, day, period) any more."""
    kept: dict[tuple[int, int, int], int] = defaultdict(int)
    for s in sessions:
        kept[(s.class_id, s.day, s.period)] += 1
    moved = 0
    for s in previous:
        key = (s.class_id, s.day, s.period)
        if kept[key]:
            kept[key] -= 1
        else:
            moved += 1
    return moved


def _finish(job_id: int, status: str, *, error: str = "", **fields: Any) -> None:
    GenerationJob.objects.filter(pk=job_id).update(
        status=status, error=error, finished_at=timezone.now(), **fields
    )


def _claim(job_id: int, task_id: str | None) -> tuple[GenerationJob | None, str]:
    """Take the job for this run. Returns (job, "") or (None, why there is nothing to do).

    A PENDING job is taken at once. A RUNNING job is a redelivery: if its worker still
    beats, someone else is running it; once the heartbeat has been silent for the heartbeat
    timeout, the worker is gone and the job is restarted here (up to the attempt limit).
    """
    now = timezone.now()
    claim = {"status": JobStatus.RUNNING, "started_at": now, "heartbeat_at": now,
             "error": "", "progress": {"phase": "building"}}
    if task_id:
        claim["celery_task_id"] = task_id
    if GenerationJob.objects.filter(pk=job_id, status=JobStatus.PENDING,
                                    cancel_requested=False).update(**claim):
        return GenerationJob.objects.get(pk=job_id), ""
    job = GenerationJob.objects.filter(pk=job_id).first()
    if job is None:
        raise NotFoundError(f"Generation job {job_id} does not exist.")
    if job.status == JobStatus.PENDING and job.cancel_requested:
        _finish(job_id, JobStatus.CANCELLED, error="Cancelled before it started.")
        return None, "cancelled before it started"
    if job.status in FINISHED_STATUSES:
        return None, f"already {job.status}"
    # RUNNING: wait until its heartbeat is silent for the timeout, then take it over
    timeout = heartbeat_timeout_s()
    last_beat = job.heartbeat_at or job.started_at or job.created_at
    while True:
        silent = (timezone.now() - last_beat).total_seconds()
        if silent >= timeout:
            break
        time.sleep(min(timeout - silent + 0.05, heartbeat_interval_s()))
        current = GenerationJob.objects.filter(pk=job_id).values_list(
            "status", "heartbeat_at").first()
        if current is None:
            raise NotFoundError(f"Generation job {job_id} does not exist.")
        if current[0] != JobStatus.RUNNING:
            return None, f"already {current[0]}"
        if current[1] != job.heartbeat_at:
            return None, "running on another worker (its heartbeat is alive)"
    attempts = int((job.params or {}).get("attempts", 0))
    if attempts >= max_attempts():
        if GenerationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING,
                                        heartbeat_at=job.heartbeat_at).update(
            status=JobStatus.FAILED, finished_at=timezone.now(),
            error=(f"Worker vanished: no heartbeat since {_when(last_beat)}; gave up after "
                   f"{attempts} attempts."),
        ):
            return None, "gave up after repeated worker losses"
        return None, "taken over by another worker"
    if not GenerationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING,
                                        heartbeat_at=job.heartbeat_at).update(**claim):
        return None, "taken over by another worker"
    logger.warning("generation job %s: worker vanished (no heartbeat since %s); restarting",
                   job_id, _when(last_beat))
    return GenerationJob.objects.get(pk=job_id), ""


def _when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "never"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


class _Lost(Exception):
    """The job was taken from this run (marked failed, or restarted elsewhere)."""


class _Monitor:
    """On the calling thread: throttled progress + heartbeat writes and the cancel poll.

    One UPDATE per second at most; it only matches while this run still owns the job and
    no cancel was requested, so a zero row count means "stop".
    """

    def __init__(self, job: GenerationJob, cancel: threading.Event,
                 on_progress: ProgressCallback | None) -> None:
        self.job_id = job.pk
        self.token = job.started_at
        self.cancel = cancel
        self.on_progress = on_progress
        self.latest: opt.Progress | None = None  # written by the solver thread
        self.solutions = 0
        self.reported: opt.Progress | None = None
        self.last_write = 0.0
        self.start = time.monotonic()
        self.lost = False
        self.cancel_requested = False

    def solver_progress(self, progress: opt.Progress) -> None:  # solver thread: no I/O
        self.solutions += 1
        self.latest = progress

    def tick(self, *, force: bool = False) -> None:
        now = time.monotonic()
        latest = self.latest
        changed = latest is not None and latest is not self.reported
        due = now - self.last_write >= (_PROGRESS_EVERY_S if changed
                                        else min(_PROGRESS_EVERY_S, heartbeat_interval_s()))
        if not (force or due):
            return
        self.last_write = now
        data: dict[str, Any] = {"phase": "solving", "elapsed_s": round(now - self.start, 1),
                                "solutions": self.solutions}
        if latest is not None:
            data.update(objective=latest.objective, bound=latest.bound,
                        solver_elapsed_s=round(latest.elapsed_s, 1))
        updated = GenerationJob.objects.filter(
            pk=self.job_id, status=JobStatus.RUNNING, started_at=self.token,
            cancel_requested=False,
        ).update(progress=data, heartbeat_at=timezone.now())
        if not updated:
            state = GenerationJob.objects.filter(pk=self.job_id).values_list(
                "status", "started_at", "cancel_requested").first()
            if state is not None and state[0] == JobStatus.RUNNING and state[1] == self.token:
                self.cancel_requested = bool(state[2])
            else:
                self.lost = True
            self.cancel.set()
            return
        if changed:
            self.reported = latest
            if self.on_progress is not None:
                self.on_progress(data)


def _solve_monitored(problem: opt.Problem, options: opt.SolveOptions, monitor: _Monitor,
                     ) -> opt.Result:
    """Solve in a helper thread; this thread writes progress and watches for cancel."""
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = opt.solve(problem, options, on_progress=monitor.solver_progress,
                                      cancel=monitor.cancel)
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"solve-job-{monitor.job_id}", daemon=True)
    thread.start()
    # the solver's own time limit plus a grace period: a safety net, never the normal path
    give_up = time.monotonic() + options.time_limit_s * 1.5 + 30
    try:
        while thread.is_alive():
            thread.join(_TICK_S)
            if not thread.is_alive():
                break
            monitor.tick()
            if time.monotonic() > give_up:
                monitor.cancel.set()
    except BaseException:
        # SoftTimeLimitExceeded, KeyboardInterrupt, a database error: stop the solver first
        monitor.cancel.set()
        thread.join(30)
        raise
    if "error" in box:
        raise box["error"]
    if monitor.latest is not monitor.reported:
        monitor.tick(force=True)  # the last improvement is reported even on a short solve
    return box["result"]


@contextlib.contextmanager
def _generation_span() -> Iterator[Any]:
    """A transaction of its own, or a child span inside the Celery task's transaction."""
    if sentry_sdk.get_current_span() is None:
        with sentry_sdk.start_transaction(op="timetable.generate",
                                          name="Generate Timetable") as span:
            yield span
    else:
        with sentry_sdk.start_span(op="timetable.generate", name="Generate Timetable") as span:
            yield span


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
    job, why = _claim(job_id, task_id)
    if job is None:
        logger.info("generation job %s: nothing to do (%s)", job_id, why)
        return GenerationJob.objects.get(pk=job_id)
    job = GenerationJob.objects.select_related("department", "batch", "created_by").get(
        pk=job_id)
    scope = job.scope_label
    # Tags feature, job_id, scope, semester and the user on the Celery task's own scope (so
    # its transaction and the errors it reports carry them), else on a fresh one.
    with job_scope_context(job, feature="timetable", scope=scope), _generation_span() as root:
        try:
            return _run(job, on_progress, root)
        except _Lost:
            logger.warning("generation job %s was taken from this run; result discarded",
                           job_id)
            return GenerationJob.objects.get(pk=job_id)
        except BaseException as exc:
            reason = _exception_reason(exc)
            GenerationJob.objects.filter(pk=job_id, status=JobStatus.RUNNING).update(
                status=JobStatus.FAILED, finished_at=timezone.now(), error=reason)
            root.set_status("internal_error")
            raise


def _exception_reason(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "SoftTimeLimitExceeded":
        return "The job ran out of its time limit before the timetable could be saved."
    if isinstance(exc, KeyboardInterrupt):
        return "Interrupted before the timetable was saved."
    return f"Generation failed with an internal error ({name}: {exc})."


def _run(job: GenerationJob, on_progress: ProgressCallback | None, root: Any) -> GenerationJob:
    scope = job.scope_label
    stay_close = bool((job.params or {}).get("stay_close"))
    t0 = time.monotonic()
    with sentry_sdk.start_span(op="db", name="Fetch constraints") as span:
        gen = generation_problem_build(job=job, stay_close=stay_close)
        problem = gen.problem
        span.set_data("classes", len(problem.classes))
        span.set_data("fixed_sessions", len(problem.fixed))
        span.set_data("rooms", len(problem.rooms))
    build_time = time.monotonic() - t0
    params = dict(job.params or {})
    params["batch_ids"] = sorted(gen.batch_ids)
    params["attempts"] = int(params.get("attempts", 0)) + 1
    GenerationJob.objects.filter(pk=job.pk).update(params=params)
    if gen.issues:
        return _fail(job, "Cannot generate a timetable: " + " ".join(gen.issues),
                     infeasible=True)

    options = opt.SolveOptions(
        time_limit_s=float(job.time_limit_s),
        workers=int(getattr(settings, "GENERATION_WORKERS", 2)),
        seed=int(params.get("seed", 0)),
    )
    cancel = threading.Event()
    monitor = _Monitor(job, cancel, on_progress)
    with sentry_sdk.start_span(op="optimize", name="Optimize") as span:
        monitor.tick(force=True)
        result = _solve_monitored(problem, options, monitor)
        sessions = len(result.sessions)
        span.set_data("variables", result.stats.variables)
        span.set_data("constraints", result.stats.constraints)
        span.set_data("sessions", sessions)
        span.set_data("objective", result.objective)
        span.set_data("bound", result.best_bound)
        span.set_data("status", result.status.value)
    if monitor.lost:
        raise _Lost()
    if monitor.cancel_requested or result.status == opt.Status.CANCELLED:
        if not monitor.cancel_requested and not _cancel_requested(job.pk):
            return _fail(job, f"The solver did not finish within the time limit of "
                              f"{job.time_limit_s} s plus its grace period.")
        return _cancelled(job)
    if result.status == opt.Status.INFEASIBLE:
        _name_rooms(gen)
        reasons = list(result.explanation)
        text = f"No feasible timetable exists for {scope}."
        if reasons:
            text += " Reasons:\n" + "\n".join(f"- {r}" for r in reasons)
        else:
            text += (" The solver proved that the hard rules cannot all be met but could not"
                     " name one reason; check rooms, faculty loads and unavailability.")
        return _fail(job, text, infeasible=True)
    if result.status == opt.Status.UNKNOWN:
        return _fail(job, f"No timetable was found within the time limit of "
                          f"{job.time_limit_s} s; try a longer time limit.")
    if not result.has_solution:
        return _fail(job, f"The optimizer could not solve this problem ({result.status.value}).")

    evaluation = opt.evaluate(problem, result.sessions)
    t1 = time.monotonic()
    with sentry_sdk.start_span(op="db.bulk_create", name="Save timetable slots") as span:
        rows = _save(job, gen, result)
        span.set_data("rows", rows)
    save_time = time.monotonic() - t1
    if rows is None:
        if monitor.lost or not _owned(job):
            raise _Lost()
        return _cancelled(job)
    metrics = {
        "status": result.status.value,
        "hard_violations": evaluation.hard_total,
        "hard_by_kind": {k: v for k, v in evaluation.hard.items() if v},
        "penalties": {p.name: {"count": p.count, "weight": p.weight}
                      for p in evaluation.penalties},
        "soft_penalty": evaluation.soft_total,
        "objective": result.objective,
        "bound": result.best_bound,
        "variables": result.stats.variables,
        "constraints": result.stats.constraints,
        "solve_time_s": round(result.stats.wall_time_s, 3),
        "time_to_first_feasible_s": (None if result.stats.time_to_first_feasible_s is None
                                     else round(result.stats.time_to_first_feasible_s, 3)),
        "classes": len(problem.classes),
        "sessions": len(result.sessions),
        "slots": rows,
        "fixed_sessions": len(problem.fixed),
        "stay_close": stay_close,
        "moved": _moved(gen.previous, result.sessions) if gen.previous else None,
        "previous_sessions": len(gen.previous),
        "build_time_s": round(build_time, 3),
        "save_time_s": round(save_time, 3),
    }
    GenerationJob.objects.filter(pk=job.pk).update(metrics=metrics)
    root.set_data("hard_violations", evaluation.hard_total)
    sentry_sdk.capture_message(
        f"Timetable generated for {scope}: {len(result.sessions)} sessions, "
        f"{evaluation.hard_total} hard violations, soft penalty {evaluation.soft_total}",
        level="info",
    )
    return GenerationJob.objects.get(pk=job.pk)


def _cancel_requested(job_id: int) -> bool:
    return GenerationJob.objects.filter(pk=job_id, cancel_requested=True).exists()


def _owned(job: GenerationJob) -> bool:
    return GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING,
                                        started_at=job.started_at).exists()


def _save(job: GenerationJob, gen: GenerationInput, result: opt.Result) -> int | None:
    """All slots in one transaction, one ``bulk_create``; None when the job is no longer
    this run's to complete (cancelled or taken over meanwhile)."""
    length = {c.id: c.periods_per_session for c in gen.problem.classes}
    slots = [
        TimetableSlot(
            job_id=job.pk,
            offering_id=o.pk,
            batch_id=o.batch_id,
            faculty_id=o.faculty_id,
            room_id=s.room,
            day=s.day,
            period=s.period + 1,
            length=length[s.class_id],
            active=False,
            primary=i == 0,
        )
        for s in result.sessions
        for i, o in enumerate(gen.offerings_of[s.class_id])
    ]
    with transaction.atomic():
        owned = (
            GenerationJob.objects.select_for_update()
            .filter(pk=job.pk, status=JobStatus.RUNNING, started_at=job.started_at,
                    cancel_requested=False)
            .exists()
        )
        if not owned:
            return None
        TimetableSlot.objects.filter(job_id=job.pk).delete()  # a restarted run's leftovers
        TimetableSlot.objects.bulk_create(slots, batch_size=2000)
        GenerationJob.objects.filter(pk=job.pk).update(
            status=JobStatus.COMPLETED, finished_at=timezone.now(), error="",
            progress={"phase": "done", "objective": result.objective,
                      "bound": result.best_bound,
                      "elapsed_s": round(result.stats.wall_time_s, 1)},
        )
    return len(slots)


def _fail(job: GenerationJob, error: str, *, infeasible: bool = False) -> GenerationJob:
    GenerationJob.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.FAILED, finished_at=timezone.now(), error=error)
    scope = job.scope_label
    first_line = error.splitlines()[0]
    if infeasible:
        sentry_sdk.capture_message(f"Timetable generation failed for {scope}: {first_line}",
                                   level="error", fingerprint=["timetable-infeasible", scope])
    else:
        sentry_sdk.capture_message(f"Timetable generation failed for {scope}: {first_line}",
                                   level="error")
    return GenerationJob.objects.get(pk=job.pk)


def _cancelled(job: GenerationJob) -> GenerationJob:
    GenerationJob.objects.filter(pk=job.pk).exclude(status__in=FINISHED_STATUSES).update(
        status=JobStatus.CANCELLED, finished_at=timezone.now(),
        error="Cancelled on request; nothing was saved.")
    sentry_sdk.capture_message(f"Timetable generation cancelled for {job.scope_label}",
                               level="info")
    return GenerationJob.objects.get(pk=job.pk)


# --- cancel, publish, stale jobs --------------------------------------------------------


def _locked_job(job_id: int) -> GenerationJob:
    job = GenerationJob.objects.select_for_update().filter(pk=job_id).first()
    if job is None:
        raise NotFoundError(f"Generation job {job_id} does not exist.")
    return job


@transaction.atomic
def generation_job_cancel(*, job_id: int, user: Any) -> GenerationJob:
    """Cancel a PENDING job at once, or ask a RUNNING one to stop (its solver stops within
    about a second and the job ends CANCELLED). A finished job cannot be cancelled (409)."""
    _check_manager(user)
    job = _locked_job(job_id)
    if job.status == JobStatus.PENDING:
        job.status = JobStatus.CANCELLED
        job.cancel_requested = True
        job.finished_at = timezone.now()
        job.error = "Cancelled before it started."
        job.save(update_fields=["status", "cancel_requested", "finished_at", "error"])
    elif job.status == JobStatus.RUNNING:
        job.cancel_requested = True
        job.save(update_fields=["cancel_requested"])
    else:
        raise ConflictError(f"Job {job.pk} is {job.status}; only a pending or running job "
                            f"can be cancelled.")
    return job


@transaction.atomic
def timetable_publish(*, job_id: int, user: Any) -> GenerationJob:
    """Make a COMPLETED job's slots the published timetable of its batches.

    In one transaction: the active slots of the batches in the job's scope are deactivated
    (they stay, with their attendance) and the job's slots are activated. Batches outside
    the scope keep their published timetable.
    """
    _check_manager(user)
    job = _locked_job(job_id)
    if job.status != JobStatus.COMPLETED:
        raise ConflictError(f"Job {job.pk} is {job.status}; only a completed job can be "
                            f"published.")
    batch_ids = (_job_batch_ids(job) or set()) | set(
        job.slots.values_list("batch_id", flat=True).distinct()
    )
    TimetableSlot.objects.filter(active=True, batch_id__in=batch_ids).exclude(
        job_id=job.pk).update(active=False)
    job.slots.update(active=True)
    job.published_at = timezone.now()
    job.save(update_fields=["published_at"])
    return job


def generation_jobs_mark_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Mark FAILED every RUNNING job whose worker stopped beating for the heartbeat timeout
    and every PENDING job no worker picked up within the pending timeout. Returns their ids.
    """
    now = now or timezone.now()
    hb_cutoff = now - dt.timedelta(seconds=heartbeat_timeout_s())
    failed: list[int] = []
    running = GenerationJob.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=hb_cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=hb_cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=hb_cutoff)
    )
    for pk, beat, started in running.values_list("pk", "heartbeat_at", "started_at"):
        last = beat or started
        if GenerationJob.objects.filter(pk=pk, status=JobStatus.RUNNING,
                                        heartbeat_at=beat).update(
            status=JobStatus.FAILED, finished_at=now,
            error=(f"Worker vanished: no heartbeat since {_when(last)} (more than "
                   f"{heartbeat_timeout_s()} s). Nothing was saved; generate again."),
        ):
            failed.append(pk)
    pending_cutoff = now - dt.timedelta(seconds=pending_timeout_s())
    for pk, created in GenerationJob.objects.filter(
        status=JobStatus.PENDING, created_at__lt=pending_cutoff
    ).values_list("pk", "created_at"):
        if GenerationJob.objects.filter(pk=pk, status=JobStatus.PENDING).update(
            status=JobStatus.FAILED, finished_at=now,
            error=(f"No worker picked the job up since {_when(created)}: is a Celery worker "
                   f"running? Generate again."),
        ):
            failed.append(pk)
    for pk in failed:
        logger.warning("generation job %s marked FAILED as stale", pk)
    return failed
