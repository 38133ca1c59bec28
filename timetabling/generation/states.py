"""The generation job's state machine: the allowed moves, and one function per move.

``MOVES`` is the whole table (``docs/generation.md`` shows it; a test keeps the two equal).
Every change of a job's ``status`` (and the two same-state moves that matter to it, a cancel
request and publishing) goes through one function here, and each function is one
compare-and-set ``UPDATE ... WHERE status IN (<from>)`` through
:func:`sih28.statemachine.apply_move`: a move from a stale reading either wins or raises
:class:`~sih28.statemachine.TransitionRefused` (a 409 for the API), never both movers and
never silently. Why a small table and not a state machine library is said in
:mod:`sih28.statemachine`.

A run holds a lease on its job: the ``started_at`` written by ``claim`` or ``restart`` is its
token, and the moves that end a run (``complete``, ``fail``, ``stop``) match it, so a run
whose job was restarted elsewhere cannot end it. ``abandon`` and ``restart`` match the
heartbeat that was seen silent, so a worker that beats meanwhile keeps its job.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from sih28.statemachine import Move, TransitionRefused, apply_move, moves_table
from timetabling.models import GenerationJob, JobStatus

__all__ = ["MOVES", "TransitionRefused", "moves_table"]

_P, _R = JobStatus.PENDING.value, JobStatus.RUNNING.value
_C, _F, _X = JobStatus.COMPLETED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value
_CANCEL_REFUSAL = "only a pending or running job can be cancelled"
_LEASE = "this run's lease (`started_at`) holds"
_SILENT = "the heartbeat seen silent is unchanged"
_CLAIMED = "`started_at` (the lease), `heartbeat_at`, `celery_task_id`; clears `error`"
_ENDED = "`finished_at`, `error`"

MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move(
            "claim",
            frozenset({_P}),
            _R,
            "only a pending job can be started",
            guard="no cancel requested",
            writes=_CLAIMED,
        ),
        Move(
            "restart",
            frozenset({_R}),
            _R,
            "only a running job can be restarted",
            guard=_SILENT,
            writes=_CLAIMED,
        ),
        Move("request_cancel", frozenset({_R}), _R, _CANCEL_REFUSAL, writes="`cancel_requested`"),
        Move(
            "cancel", frozenset({_P}), _X, _CANCEL_REFUSAL, writes=f"`cancel_requested`, {_ENDED}"
        ),
        Move(
            "cancel_vanished",
            frozenset({_R}),
            _X,
            _CANCEL_REFUSAL,
            guard=_SILENT,
            writes=f"`cancel_requested`, {_ENDED}",
        ),
        Move(
            "stop", frozenset({_R}), _X, "only a running job can stop", guard=_LEASE, writes=_ENDED
        ),
        Move(
            "complete",
            frozenset({_R}),
            _C,
            "only a running job can complete",
            guard=f"{_LEASE}; no cancel requested",
            writes=f"{_ENDED}, `progress` (with the slots and `metrics`, in one transaction)",
        ),
        Move(
            "fail", frozenset({_R}), _F, "only a running job can fail", guard=_LEASE, writes=_ENDED
        ),
        Move(
            "fail_to_queue",
            frozenset({_P}),
            _F,
            "only a pending job can fail to be queued",
            writes=_ENDED,
        ),
        Move(
            "abandon",
            frozenset({_R}),
            _F,
            "only a running job can be abandoned",
            guard=_SILENT,
            writes=_ENDED,
        ),
        Move("expire", frozenset({_P}), _F, "only a pending job can expire", writes=_ENDED),
        Move(
            "publish",
            frozenset({_C}),
            _C,
            "only a completed job can be published",
            writes="`published_at` (and swaps the active slots, in one transaction)",
        ),
    )
}

_LABEL = "Job"


def _move(name: str, job_id: int, guard: dict[str, Any] | None = None, **values: Any) -> None:
    apply_move(GenerationJob, MOVES[name], job_id, label=_LABEL, guard=guard, values=values)


def _claim_values(now: dt.datetime, task_id: str | None) -> dict[str, Any]:
    values: dict[str, Any] = {
        "started_at": now,
        "heartbeat_at": now,
        "error": "",
        "remedies": [],
        "progress": {"phase": "building"},
    }
    if task_id:
        values["celery_task_id"] = task_id
    return values


def job_claim(*, job_id: int, task_id: str | None) -> dt.datetime:
    """PENDING -> RUNNING for this run; returns the lease token (``started_at``)."""
    now = timezone.now()
    _move("claim", job_id, {"cancel_requested": False}, **_claim_values(now, task_id))
    return now


def job_restart(*, job_id: int, seen_beat: dt.datetime | None, task_id: str | None) -> dt.datetime:
    """RUNNING (worker silent) -> RUNNING for this run; returns the new lease token."""
    now = timezone.now()
    _move("restart", job_id, {"heartbeat_at": seen_beat}, **_claim_values(now, task_id))
    return now


def job_request_cancel(*, job_id: int) -> None:
    """Ask a RUNNING job to stop; its run ends it with ``stop``."""
    _move("request_cancel", job_id, cancel_requested=True)


def job_cancel(*, job_id: int) -> None:
    """PENDING -> CANCELLED: cancelled before it started."""
    _move(
        "cancel",
        job_id,
        cancel_requested=True,
        finished_at=timezone.now(),
        error="Cancelled before it started.",
    )


def job_cancel_vanished(*, job_id: int, seen_beat: dt.datetime | None, error: str) -> None:
    """RUNNING -> CANCELLED: cancelled after its run vanished (its heartbeat stayed at
    ``seen_beat``), so no run is left to make ``stop``."""
    _move(
        "cancel_vanished",
        job_id,
        {"heartbeat_at": seen_beat},
        cancel_requested=True,
        finished_at=timezone.now(),
        error=error,
    )


def job_stop(*, job_id: int, token: dt.datetime) -> None:
    """RUNNING -> CANCELLED: the run stopped on a cancel request, nothing saved."""
    _move(
        "stop",
        job_id,
        {"started_at": token},
        finished_at=timezone.now(),
        error="Cancelled on request; nothing was saved.",
    )


def job_complete(*, job_id: int, token: dt.datetime, progress: dict[str, Any]) -> None:
    """RUNNING -> COMPLETED, while this run holds the lease and no cancel is requested."""
    _move(
        "complete",
        job_id,
        {"started_at": token, "cancel_requested": False},
        finished_at=timezone.now(),
        error="",
        progress=progress,
    )


def job_fail(
    *, job_id: int, token: dt.datetime, error: str, remedies: list[dict[str, str]] | None = None
) -> None:
    """RUNNING -> FAILED by the run that holds the lease (with an infeasible job's remedies)."""
    _move(
        "fail",
        job_id,
        {"started_at": token},
        finished_at=timezone.now(),
        error=error,
        remedies=remedies or [],
    )


def job_fail_to_queue(*, job_id: int, error: str) -> None:
    """PENDING -> FAILED: the task could not be queued."""
    _move("fail_to_queue", job_id, finished_at=timezone.now(), error=error)


def job_abandon(
    *, job_id: int, seen_beat: dt.datetime | None, error: str, now: dt.datetime | None = None
) -> None:
    """RUNNING -> FAILED: the worker vanished (its heartbeat stayed at ``seen_beat``)."""
    _move(
        "abandon",
        job_id,
        {"heartbeat_at": seen_beat},
        finished_at=now or timezone.now(),
        error=error,
    )


def job_expire(*, job_id: int, error: str, now: dt.datetime | None = None) -> None:
    """PENDING -> FAILED: no worker picked the job up in time."""
    _move("expire", job_id, finished_at=now or timezone.now(), error=error)


def job_publish(*, job_id: int, now: dt.datetime | None = None) -> dt.datetime:
    """COMPLETED -> COMPLETED with ``published_at``; returns the moment written."""
    moment = now or timezone.now()
    _move("publish", job_id, published_at=moment)
    return moment
