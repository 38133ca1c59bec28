"""The generation job's state machine: every allowed move, every refused one, the guards,
and two movers from the same stale reading (exactly one wins)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.utils import timezone

from sih28.statemachine import TransitionRefused, moves_table
from tests import factories
from timetabling.generation import states
from timetabling.models import GenerationJob, JobStatus

pytestmark = pytest.mark.django_db

T0 = timezone.now() - dt.timedelta(minutes=10)  # the lease token and last heartbeat seen

# One call per move, as its callers make it (the lease token and the silent beat are T0).
CALLS: dict[str, Callable[[int], object]] = {
    "claim": lambda pk: states.job_claim(job_id=pk, task_id="task-2"),
    "restart": lambda pk: states.job_restart(job_id=pk, seen_beat=T0, task_id="task-2"),
    "request_cancel": lambda pk: states.job_request_cancel(job_id=pk),
    "cancel": lambda pk: states.job_cancel(job_id=pk),
    "cancel_vanished": lambda pk: states.job_cancel_vanished(
        job_id=pk, seen_beat=T0, error="its run had stopped"
    ),
    "stop": lambda pk: states.job_stop(job_id=pk, token=T0),
    "complete": lambda pk: states.job_complete(job_id=pk, token=T0, progress={"phase": "done"}),
    "fail": lambda pk: states.job_fail(job_id=pk, token=T0, error="it broke"),
    "fail_to_queue": lambda pk: states.job_fail_to_queue(job_id=pk, error="no broker"),
    "abandon": lambda pk: states.job_abandon(job_id=pk, seen_beat=T0, error="vanished"),
    "expire": lambda pk: states.job_expire(job_id=pk, error="never picked up"),
    "publish": lambda pk: states.job_publish(job_id=pk),
}

# What each move writes besides the status.
EFFECTS: dict[str, Callable[[GenerationJob], bool]] = {
    "claim": lambda j: (
        j.started_at > T0 and j.celery_task_id == "task-2" and j.progress == {"phase": "building"}
    ),
    "restart": lambda j: j.started_at > T0 and j.heartbeat_at > T0 and j.celery_task_id == "task-2",
    "request_cancel": lambda j: j.cancel_requested and j.finished_at is None,
    "cancel": lambda j: (
        j.cancel_requested
        and j.finished_at is not None
        and j.error == "Cancelled before it started."
    ),
    "cancel_vanished": lambda j: (
        j.cancel_requested and j.finished_at is not None and j.error == "its run had stopped"
    ),
    "stop": lambda j: j.finished_at is not None and "Cancelled on request" in j.error,
    "complete": lambda j: j.finished_at is not None and j.progress == {"phase": "done"},
    "fail": lambda j: j.finished_at is not None and j.error == "it broke",
    "fail_to_queue": lambda j: j.finished_at is not None and j.error == "no broker",
    "abandon": lambda j: j.finished_at is not None and j.error == "vanished",
    "expire": lambda j: j.finished_at is not None and j.error == "never picked up",
    "publish": lambda j: j.published_at is not None,
}

ALLOWED = [(name, source) for name, move in states.MOVES.items() for source in sorted(move.sources)]
REFUSED = [
    (name, status)
    for name, move in states.MOVES.items()
    for status in JobStatus.values
    if status not in move.sources
]


def _job(status: str, **fields: object) -> GenerationJob:
    return factories.GenerationJobFactory(
        **{"status": status, "started_at": T0, "heartbeat_at": T0, **fields}
    )


def test_every_move_has_a_call_and_an_effect_here():
    assert set(CALLS) == set(EFFECTS) == set(states.MOVES)


def test_the_documented_table_is_the_table_in_the_code():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "generation.md").read_text()
    assert moves_table(states.MOVES) in doc


@pytest.mark.parametrize("name, source", ALLOWED)
def test_an_allowed_move(name, source):
    job = _job(source)
    CALLS[name](job.pk)
    job.refresh_from_db()
    assert job.status == states.MOVES[name].target
    assert EFFECTS[name](job)


@pytest.mark.parametrize("name, status", REFUSED)
def test_a_move_from_a_wrong_state_is_refused_and_changes_nothing(name, status):
    job = _job(status)
    before = model_to_dict(GenerationJob.objects.get(pk=job.pk))
    with pytest.raises(TransitionRefused) as refused:
        CALLS[name](job.pk)
    assert refused.value.current == status and not refused.value.guard_failed
    assert refused.value.move is states.MOVES[name]
    assert refused.value.status_code == 409
    assert refused.value.message.startswith(f"Job {job.pk} is {status}; ")
    assert model_to_dict(GenerationJob.objects.get(pk=job.pk)) == before


@pytest.mark.parametrize(
    "name, fields",
    [
        ("claim", {"cancel_requested": True}),  # a cancel came before the worker
        ("complete", {"cancel_requested": True}),  # a cancel came while the solver finished
        ("complete", {"started_at": T0 + dt.timedelta(seconds=1)}),  # restarted elsewhere
        ("fail", {"started_at": T0 + dt.timedelta(seconds=1)}),
        ("stop", {"started_at": T0 + dt.timedelta(seconds=1)}),
        ("abandon", {"heartbeat_at": T0 + dt.timedelta(seconds=1)}),  # it beat meanwhile
        ("cancel_vanished", {"heartbeat_at": T0 + dt.timedelta(seconds=1)}),
        ("restart", {"heartbeat_at": T0 + dt.timedelta(seconds=1)}),
    ],
)
def test_a_move_whose_guard_no_longer_holds_is_refused(name, fields):
    source = sorted(states.MOVES[name].sources)[0]
    job = _job(source, **fields)
    with pytest.raises(TransitionRefused) as refused:
        CALLS[name](job.pk)
    assert refused.value.current == source and refused.value.guard_failed
    assert GenerationJob.objects.get(pk=job.pk).status == source


def test_a_missing_job_is_not_found():
    from sih28.errors import NotFoundError

    with pytest.raises(NotFoundError):
        states.job_cancel(job_id=987654)


def test_two_movers_from_the_same_stale_reading_cannot_both_win():
    job = _job(JobStatus.RUNNING)
    stale = GenerationJob.objects.get(pk=job.pk)  # both movers read this row
    states.job_stop(job_id=stale.pk, token=stale.started_at)
    with pytest.raises(TransitionRefused) as refused:
        states.job_complete(job_id=stale.pk, token=stale.started_at, progress={})
    assert refused.value.current == JobStatus.CANCELLED
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED and job.progress == {}


def test_two_stale_checks_abandon_a_job_once():
    job = _job(JobStatus.RUNNING)
    seen = GenerationJob.objects.get(pk=job.pk).heartbeat_at
    states.job_abandon(job_id=job.pk, seen_beat=seen, error="first")
    with pytest.raises(TransitionRefused):
        states.job_abandon(job_id=job.pk, seen_beat=seen, error="second")
    assert GenerationJob.objects.get(pk=job.pk).error == "first"


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_concurrent_movers_on_postgresql_exactly_one_wins():
    """Eight threads, each with its own connection, move the same RUNNING row from the same
    reading: four try to complete it, four to stop it. The database lets one through."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises all writers")
    job = _job(JobStatus.RUNNING)
    token = GenerationJob.objects.get(pk=job.pk).started_at
    barrier = threading.Barrier(8)
    won: list[str] = []
    refused: list[str] = []

    def mover(name: str) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            try:
                if name == "complete":
                    states.job_complete(job_id=job.pk, token=token, progress={})
                else:
                    states.job_stop(job_id=job.pk, token=token)
                won.append(name)
            except TransitionRefused as exc:
                refused.append(exc.current)
        finally:
            conn.close()

    threads = [threading.Thread(target=mover, args=(n,)) for n in ["complete", "stop"] * 4]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1 and len(refused) == 7
    final = GenerationJob.objects.get(pk=job.pk).status
    assert final == states.MOVES[won[0]].target
    assert set(refused) == {final}
