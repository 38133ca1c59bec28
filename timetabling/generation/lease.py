"""The lease a run holds on its job: claiming it, the heartbeat, and the cancel poll.

A run claims its job (PENDING -> RUNNING) or, when a redelivered task finds the job RUNNING
with a heartbeat silent for ``GENERATION_HEARTBEAT_TIMEOUT_S``, restarts it (up to
``GENERATION_MAX_ATTEMPTS``). While the solver works in a helper thread, the calling thread
writes throttled progress and the heartbeat, guarded by the lease token, and so notices at
once when the job was cancelled or taken over. All database access stays on the calling
thread: the solver thread only computes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone

from timetabling import optimizer as opt
from timetabling import selectors
from timetabling.generation import states
from timetabling.generation.params import JobParams
from timetabling.models import GenerationJob, JobStatus

logger = logging.getLogger(__name__)

FINISHED_STATUSES = (JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELLED)
_TICK_S = 0.2  # how often the monitoring thread wakes up
_PROGRESS_EVERY_S = 1.0  # at most one progress/heartbeat write per second
_GRACE_S = 30.0  # the safety net gives the solver 1.5 x its limit plus this before cancelling

ProgressCallback = Callable[[dict[str, Any]], None]


def heartbeat_interval_s() -> float:
    """Heartbeats come often enough that a live worker is never taken for a dead one."""
    return max(0.5, min(5.0, settings.GENERATION_HEARTBEAT_TIMEOUT_S / 4))


def when(moment: dt.datetime | None) -> str:
    if moment is None:
        return "never"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S %Z")


@dataclass(frozen=True)
class Lease:
    """This run's hold on a job: the job (read once, with its scope and creator) and the
    ``started_at`` token that the moves ending the run must match."""

    job: GenerationJob
    token: dt.datetime


def _lease(job_id: int, token: dt.datetime) -> Lease:
    return Lease(job=selectors.job_list().get(pk=job_id), token=token)


def claim(job_id: int, task_id: str | None) -> tuple[Lease | None, str]:
    """Take the job for this run. Returns (lease, "") or (None, why there is nothing to do).

    A PENDING job is taken at once. A RUNNING job is a redelivery: if its worker still
    beats, someone else is running it; once the heartbeat has been silent for the heartbeat
    timeout, the worker is gone and the job is restarted here (up to the attempt limit).
    """
    try:
        return _lease(job_id, states.job_claim(job_id=job_id, task_id=task_id)), ""
    except states.TransitionRefused as refused:
        current = refused.current
    if current == JobStatus.PENDING:  # still pending, so a cancel was requested
        try:
            states.job_cancel(job_id=job_id)
        except states.TransitionRefused as late:
            return None, f"already {late.current}"
        return None, "cancelled before it started"
    if current in FINISHED_STATUSES:
        return None, f"already {current}"
    return _take_over(job_id, task_id)


def _take_over(job_id: int, task_id: str | None) -> tuple[Lease | None, str]:
    """Wait until a RUNNING job's heartbeat is silent for the timeout, then restart it."""
    job = GenerationJob.objects.only("heartbeat_at", "started_at", "created_at", "params").get(
        pk=job_id
    )
    timeout = settings.GENERATION_HEARTBEAT_TIMEOUT_S
    last_beat = job.heartbeat_at or job.started_at or job.created_at
    while True:
        silent = (timezone.now() - last_beat).total_seconds()
        if silent >= timeout:
            break
        time.sleep(min(timeout - silent + 0.05, heartbeat_interval_s()))
        current = (
            GenerationJob.objects.filter(pk=job_id)
            .values_list("status", "heartbeat_at", named=True)
            .first()
        )
        if current is None:
            return None, "deleted meanwhile"
        if current.status != JobStatus.RUNNING:
            return None, f"already {current.status}"
        if current.heartbeat_at != job.heartbeat_at:
            return None, "running on another worker (its heartbeat is alive)"
    attempts = JobParams.of(job).attempts
    try:
        if attempts >= settings.GENERATION_MAX_ATTEMPTS:
            states.job_abandon(
                job_id=job_id,
                seen_beat=job.heartbeat_at,
                error=(
                    f"Worker vanished: no heartbeat since {when(last_beat)}; gave up after "
                    f"{attempts} attempts."
                ),
            )
            return None, "gave up after repeated worker losses"
        token = states.job_restart(job_id=job_id, seen_beat=job.heartbeat_at, task_id=task_id)
    except states.TransitionRefused:
        return None, "taken over by another worker"
    logger.warning(
        "generation job %s: worker vanished (no heartbeat since %s); restarting",
        job_id,
        when(last_beat),
    )
    return _lease(job_id, token), ""


class Lost(Exception):
    """The job was taken from this run (marked failed, or restarted elsewhere)."""


class Monitor:
    """On the calling thread: throttled progress + heartbeat writes and the cancel poll.

    One UPDATE per second at most; it only matches while this run still holds the lease
    and no cancel was requested, so a zero row count means "stop". The heartbeat never
    changes the job's status.
    """

    def __init__(
        self, lease: Lease, cancel: threading.Event, on_progress: ProgressCallback | None
    ) -> None:
        self.job_id = lease.job.pk
        self.token = lease.token
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

    def holds_lease(self) -> bool:
        return self._cancel_flag() is not None

    def _cancel_flag(self) -> bool | None:
        """The job's ``cancel_requested`` while this run holds the lease, else None."""
        return (
            GenerationJob.objects.filter(
                pk=self.job_id,
                status=JobStatus.RUNNING,
                started_at=self.token,
            )
            .values_list("cancel_requested", flat=True)
            .first()
        )

    def tick(self, *, force: bool = False) -> None:
        now = time.monotonic()
        latest = self.latest
        changed = latest is not None and latest is not self.reported
        due = now - self.last_write >= (
            _PROGRESS_EVERY_S if changed else min(_PROGRESS_EVERY_S, heartbeat_interval_s())
        )
        if not (force or due):
            return
        self.last_write = now
        data: dict[str, Any] = {
            "phase": "solving",
            "elapsed_s": round(now - self.start, 1),
            "solutions": self.solutions,
        }
        if latest is not None:
            data.update(
                objective=latest.objective,
                bound=latest.bound,
                solver_elapsed_s=round(latest.elapsed_s, 1),
            )
        updated = GenerationJob.objects.filter(
            pk=self.job_id,
            status=JobStatus.RUNNING,
            started_at=self.token,
            cancel_requested=False,
        ).update(progress=data, heartbeat_at=timezone.now())
        if not updated:
            flag = self._cancel_flag()
            if flag is None:
                self.lost = True
            else:
                self.cancel_requested = flag
            self.cancel.set()
            return
        if changed:
            self.reported = latest
            if self.on_progress is not None:
                self.on_progress(data)


def solve_monitored(
    problem: opt.Problem,
    options: opt.SolveOptions,
    monitor: Monitor,
) -> opt.Result:
    """Solve in a helper thread; this thread writes progress and watches for cancel."""
    box: dict[str, Any] = {}
    ready = threading.Event()

    def target() -> None:
        try:
            # a process's first solve compiles the annealing kernels (20 s and more on a busy
            # machine with an empty cache); that is not the solver's time, so the safety net
            # below starts counting only once they are ready (a no-op in a warmed worker)
            opt.warm_up()
            ready.set()
            box["result"] = opt.solve(
                problem, options, on_progress=monitor.solver_progress, cancel=monitor.cancel
            )
        except BaseException as exc:  # noqa: BLE001 - handed to the calling thread
            box["error"] = exc

    thread = threading.Thread(target=target, name=f"solve-job-{monitor.job_id}", daemon=True)
    thread.start()
    # the solver's own time limit plus a grace period: a safety net, never the normal path
    give_up: float | None = None
    try:
        while thread.is_alive():
            thread.join(_TICK_S)
            if not thread.is_alive():
                break
            monitor.tick()
            if give_up is None and ready.is_set():
                give_up = time.monotonic() + options.time_limit_s * 1.5 + _GRACE_S
            if give_up is not None and time.monotonic() > give_up:
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
