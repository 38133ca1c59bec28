"""Jobs whose run is gone: failing them, with or without Celery beat."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from timetabling.generation import states
from timetabling.generation.lease import when
from timetabling.models import GenerationJob, JobStatus

logger = logging.getLogger(__name__)


def pending_timeout_s() -> int:
    """How long a job may stay PENDING. Embedded (tasks run in-process, no worker) the
    request that created a job claims it right after its commit, so a job still pending
    after the heartbeat timeout was left by a process that died."""
    timeout = settings.GENERATION_PENDING_TIMEOUT_S
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return min(timeout, settings.GENERATION_HEARTBEAT_TIMEOUT_S)
    return int(timeout)


def generation_jobs_mark_stale(*, now: dt.datetime | None = None) -> list[int]:
    """Fail every RUNNING job whose worker stopped beating for the heartbeat timeout
    (``abandon``) and every PENDING job no worker picked up within the pending timeout
    (``expire``). Returns their ids.

    Called by the beat task and, so that no job stays stuck where there is no beat
    (embedded mode, or beat not running), whenever jobs are created, listed or read:
    two indexed reads when nothing is stale."""
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
    pending_cutoff = now - dt.timedelta(seconds=pending_timeout_s())
    # Variants run in turn where tasks run in-process: a variant waits while a sibling runs
    # or has just finished, so its group's activity, not its age, says it is alive.
    busy_groups = GenerationJob.objects.filter(variant_group__isnull=False).filter(
        Q(status=JobStatus.RUNNING) | Q(finished_at__gte=pending_cutoff)
    )
    for job in (
        GenerationJob.objects.filter(status=JobStatus.PENDING, created_at__lt=pending_cutoff)
        .exclude(variant_group__in=busy_groups.values("variant_group"))
        .only("pk", "created_at")
    ):
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
