"""Acting on a job from outside its run: cancel it, publish it."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.utils import timezone

from timetabling.generation import states
from timetabling.generation.create import check_manager
from timetabling.generation.lease import when
from timetabling.generation.params import JobParams
from timetabling.models import GenerationJob, JobStatus, TimetableSlot

logger = logging.getLogger(__name__)


def generation_job_cancel(*, job_id: int, user: Any) -> GenerationJob:
    """Cancel a job; the job returned says what really happened.

    - PENDING: ``cancel``, CANCELLED at once.
    - RUNNING, its run alive: ``request_cancel``; the job is still RUNNING with
      ``cancel_requested`` and its run makes ``stop`` within about a second (the API
      answers 202, not 200).
    - RUNNING, its run gone (no heartbeat for ``GENERATION_HEARTBEAT_TIMEOUT_S``: the
      process died, and in embedded mode nothing else would ever end it):
      ``cancel_vanished``, CANCELLED at once. A request to a dead run is never accepted
      as if someone would act on it.
    - Finished: ``TransitionRefused`` (409) naming the state it is in.
    """
    check_manager(user)
    try:
        states.job_cancel(job_id=job_id)
    except states.TransitionRefused as refused:
        if refused.current != JobStatus.RUNNING:
            raise
    else:
        return GenerationJob.objects.get(pk=job_id)
    timeout = settings.GENERATION_HEARTBEAT_TIMEOUT_S
    beat = (
        GenerationJob.objects.filter(pk=job_id)
        .values_list("heartbeat_at", "started_at", "created_at", named=True)
        .get()
    )
    last_seen = beat.heartbeat_at or beat.started_at or beat.created_at
    if (timezone.now() - last_seen).total_seconds() >= timeout:
        try:
            states.job_cancel_vanished(
                job_id=job_id,
                seen_beat=beat.heartbeat_at,
                error=(
                    f"Cancelled; its run had already stopped (no heartbeat since "
                    f"{when(last_seen)}, more than {timeout} s). Nothing was saved."
                ),
            )
        except states.TransitionRefused as late:
            if late.current != JobStatus.RUNNING:
                raise
            # it beat meanwhile: the run is alive after all, so ask it to stop
        else:
            return GenerationJob.objects.get(pk=job_id)
    states.job_request_cancel(job_id=job_id)
    return GenerationJob.objects.get(pk=job_id)


def timetable_slots_switch(*, job_id: int) -> list[int]:
    """Make a COMPLETED job's slots the published timetable of its batches.

    Call it inside the transaction of a review move (``review.timetable_publish``): the
    job ``publish`` move (refused, 409, unless the job is COMPLETED), then the active slots
    of the batches in the job's scope are deactivated (they stay, with their attendance)
    and the job's slots are activated. Batches outside the scope keep their published
    timetable. Returns the other jobs that have no active slot left (now superseded).
    """
    states.job_publish(job_id=job_id)
    job = GenerationJob.objects.get(pk=job_id)
    batch_ids = set(JobParams.of(job).batch_ids or ()) | set(
        job.slots.values_list("batch_id", flat=True).distinct()
    )
    losing = set(
        TimetableSlot.objects.filter(active=True, batch_id__in=batch_ids)
        .exclude(job_id=job.pk)
        .values_list("job_id", flat=True)
        .distinct()
    )
    TimetableSlot.objects.filter(active=True, batch_id__in=batch_ids).exclude(job_id=job.pk).update(
        active=False
    )
    job.slots.update(active=True)
    still_active = set(
        TimetableSlot.objects.filter(active=True, job_id__in=losing)
        .values_list("job_id", flat=True)
        .distinct()
    )
    return sorted(losing - still_active)
