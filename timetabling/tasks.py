"""Celery tasks: take ids, call one service, decide retry or fail."""

from __future__ import annotations

import logging
import time

from celery import shared_task, signals

from sih28.errors import NotFoundError
from timetabling import optimizer
from timetabling.generation import generation_job_run, generation_jobs_mark_stale

logger = logging.getLogger(__name__)


@signals.worker_init.connect
def compile_optimizer(**_kwargs: object) -> None:
    """Compile the annealing kernel in the worker's main process, before the pool forks:
    every child inherits it, and numba's on-disk cache is filled, so no job waits for the
    compiler (about 20 s on an empty cache, 0.2 s to load a full one)."""
    started = time.monotonic()
    optimizer.warm_up()
    logger.info("optimizer ready in %.1f s", time.monotonic() - started)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True)
def generate_timetable_task(self, job_id: int) -> str:
    """Run one generation job.

    The message is acknowledged only when the run is over (``acks_late``) and is requeued
    when the worker process dies (``reject_on_worker_lost``). A redelivered message finds
    the job RUNNING: the service restarts it once its heartbeat has gone silent, or does
    nothing if it already finished or still runs elsewhere. Soft and hard time limits are
    set per call from the job's solver limit (see ``generation.task_time_limits``).
    """
    try:
        job = generation_job_run(job_id=int(job_id), task_id=self.request.id)
    except NotFoundError:
        logger.warning("generation job %s no longer exists; nothing to do", job_id)
        return "MISSING"
    return job.status


@shared_task
def mark_stale_jobs_task() -> list[int]:
    """Periodic (beat): fail jobs whose worker vanished or that no worker picked up."""
    return generation_jobs_mark_stale()
