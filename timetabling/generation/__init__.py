"""Timetable generation as a service: create a job, run it, cancel it, publish it.

``generation_job_create`` validates a scope, refuses a second active job for an overlapping
scope and enqueues the Celery task once the job row is committed (``create``).
``generation_job_run`` (called by the task, or in-process by the ``generate_timetable``
command) claims the job (``lease``), builds an optimizer problem from the database in a fixed,
small number of queries (``problem``), solves it in a helper thread while the calling thread
writes throttled progress and a heartbeat and polls for a cancel request, and saves the
result with one ``bulk_create`` (``run``). ``timetable_publish`` switches the published
timetable of the job's batches in one transaction (``publish``). Every status change is a
named move of ``states``; what a run measured is a ``JobMetrics`` (``metrics``).
"""

from timetabling.generation.create import (
    GenerationForbidden,
    generation_job_create,
    task_time_limits,
)
from timetabling.generation.lease import FINISHED_STATUSES
from timetabling.generation.metrics import JobMetrics, PenaltyCount, TeacherPenaltyCount
from timetabling.generation.params import JobParams
from timetabling.generation.problem import GenerationInput, generation_problem_build
from timetabling.generation.publish import generation_job_cancel, timetable_publish
from timetabling.generation.run import generation_job_run
from timetabling.generation.scope import scope_batch_ids
from timetabling.generation.stale import generation_jobs_mark_stale
from timetabling.generation.states import MOVES, TransitionRefused

__all__ = [
    "FINISHED_STATUSES",
    "MOVES",
    "GenerationForbidden",
    "GenerationInput",
    "JobMetrics",
    "JobParams",
    "PenaltyCount",
    "TeacherPenaltyCount",
    "TransitionRefused",
    "generation_job_cancel",
    "generation_job_create",
    "generation_job_run",
    "generation_jobs_mark_stale",
    "generation_problem_build",
    "scope_batch_ids",
    "task_time_limits",
    "timetable_publish",
]
