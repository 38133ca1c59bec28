"""Timetable generation as a service: create a job, run it, cancel it, publish it.

``generation_job_create`` validates a scope, refuses a second active job for an overlapping
scope and enqueues the Celery task once the job row is committed (``create``).
``generation_job_run`` (called by the task, or in-process by the ``generate_timetable``
command) claims the job (``lease``), builds an optimizer problem from the database in a fixed,
small number of queries (``problem``), solves it in a helper thread while the calling thread
writes throttled progress and a heartbeat and polls for a cancel request, and saves the
result with one ``bulk_create`` (``run``). A completed job's timetable then goes
through review (``review``: submit, approve or reject, publish; ``timetable_publish``
switches the published timetable of the job's batches in one transaction). Every status change is a
named move of ``states``; what a run measured is a ``JobMetrics`` (``metrics``).
"""

from timetabling.generation.compare import VariantComparison, variant_comparison
from timetabling.generation.create import (
    GenerationForbidden,
    generation_job_create,
    task_time_limits,
)
from timetabling.generation.lease import FINISHED_STATUSES
from timetabling.generation.metrics import JobMetrics, PenaltyCount, TeacherPenaltyCount
from timetabling.generation.params import JobParams
from timetabling.generation.problem import GenerationInput, generation_problem_build
from timetabling.generation.publish import generation_job_cancel
from timetabling.generation.review import (
    COMMAND_LINE_COMMENT,
    ReviewForbidden,
    review_log,
    timetable_approve,
    timetable_publish,
    timetable_publish_direct,
    timetable_reject,
    timetable_submit,
    variant_choose,
)
from timetabling.generation.run import generation_job_run
from timetabling.generation.scope import Pull, Scope, scope_resolve
from timetabling.generation.stale import generation_jobs_mark_stale
from timetabling.generation.states import MOVES, TransitionRefused

__all__ = [
    "COMMAND_LINE_COMMENT",
    "ReviewForbidden",
    "review_log",
    "timetable_approve",
    "timetable_publish_direct",
    "timetable_reject",
    "timetable_submit",
    "variant_choose",
    "VariantComparison",
    "variant_comparison",
    "FINISHED_STATUSES",
    "MOVES",
    "GenerationForbidden",
    "GenerationInput",
    "JobMetrics",
    "JobParams",
    "PenaltyCount",
    "Pull",
    "Scope",
    "TeacherPenaltyCount",
    "TransitionRefused",
    "generation_job_cancel",
    "generation_job_create",
    "generation_job_run",
    "generation_jobs_mark_stale",
    "generation_problem_build",
    "scope_resolve",
    "task_time_limits",
    "timetable_publish",
]
