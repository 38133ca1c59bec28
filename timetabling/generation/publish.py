"""Acting on a job from outside its run: cancel it, publish it, fail the stale ones."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from timetabling.generation import states
from timetabling.generation.create import check_manager
from timetabling.generation.lease import when
from timetabling.generation.params import JobParams
from timetabling.models import GenerationJob, JobStatus, TimetableSlot

logger = logging.getLogger(__name__)


def generation_job_cancel(*, job_id: int, user: Any) -> GenerationJob:
    """Cancel a PENDING job at once, or ask a RUNNING one to stop (its solver stops within
    about a second and the job ends CANCELLED). A finished job cannot be cancelled:
    ``TransitionRefused`` (409)."""
    check_manager(user)
    try:
        states.job_cancel(job_id=job_id)
    except states.TransitionRefused as refused:
        if refused.current != JobStatus.RUNNING:
            raise
        states.job_request_cancel(job_id=job_id)
    return GenerationJob.objects.get(pk=job_id)


@transaction.atomic
def timetable_publish(*, job_id: int, user: Any) -> GenerationJob:
    """Make a COMPLETED job's slots the published timetable of its batches.

    In one transaction: the ``publish`` move (refused, 409, unless the job is COMPLETED),
    then the active slots of the batches in the job's scope are deactivated (they stay,
    with their attendance) and the job's slots are activated. Batches outside the scope
    keep their published timetable.
    """
    check_manager(user)
    states.job_publish(job_id=job_id)
    job = GenerationJob.objects.get(pk=job_id)
    batch_ids = set(JobParams.of(job).batch_ids or ()) | set(
        job.slots.values_list("batch_id", flat=True).distinct()
    )
    TimetableSlot.objects.filter(active=True, batch_id__in=batch_ids).exclude(job_id=job.pk).update(
        active=False
    )
    job.slots.update(active=True)
    return job


def generation_jobs_mark_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Fail every RUNNING job whose worker stopped beating for the heartbeat timeout
    (``abandon``) and every PENDING job no worker picked up within the pending timeout
    (``expire``). Returns their ids."""
    now = now or timezone.now()
    timeout = settings.GENERATION_HEARTBEAT_TIMEOUT_S
    hb_cutoff = now - dt.timedelta(seconds=timeout)
    failed: list[int] = []
    running = GenerationJob.objects.filter(status=JobStatus.RUNNING).filter(
        Q(heartbeat_at__lt=hb_cutoff)
        | Q(heartbeat_at__isnull=True, started_at__lt=hb_cutoff)
        | Q(heartbeat_at__isnull=True, started_at__isnull=True, created_at__lt=hb_cutoff)
    )
    for row in running.values_list("pk", "heartbeat_at", "started_at", named=True):
        last_seen = when(row.heartbeat_at or row.started_at)
        try:
            states.job_abandon(
                job_id=row.pk,
                seen_beat=row.heartbeat_at,
                now=now,
                error=(
                    f"Worker vanished: no heartbeat since {last_seen}"
                    f" (more than {timeout} s). Nothing was saved; generate again."
                ),
            )
        except states.TransitionRefused:
            continue  # it beat, finished or was taken over meanwhile
        failed.append(row.pk)
    pending_cutoff = now - dt.timedelta(seconds=settings.GENERATION_PENDING_TIMEOUT_S)
    for job in GenerationJob.objects.filter(
        status=JobStatus.PENDING, created_at__lt=pending_cutoff
    ).only("pk", "created_at"):
        try:
            states.job_expire(
                job_id=job.pk,
                now=now,
                error=(
                    f"No worker picked the job up since {when(job.created_at)}: is a Celery worker "
                    f"running? Generate again."
                ),
            )
        except states.TransitionRefused:
            continue  # picked up or cancelled meanwhile
        failed.append(job.pk)
    for pk in failed:
        logger.warning("generation job %s marked FAILED as stale", pk)
    return failed
