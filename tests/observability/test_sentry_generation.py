"""Generation quality as data a dashboard can chart, infeasible runs as one issue per
cause, and the beat schedule's tasks as Sentry cron monitors: all asserted on what the
REAL SDK recorded."""

from __future__ import annotations

import pytest
import sentry_sdk

from tests import factories

pytestmark = pytest.mark.django_db


def _generation_run(user, **scope):
    from timetabling.generation import generation_job_create, generation_job_run

    job = generation_job_create(user=user, time_limit_s=10, enqueue=False, **scope)
    return generation_job_run(job_id=job.pk)


def test_a_generation_carries_its_outcome_as_span_data(sentry):
    from timetabling.generation import JobMetrics

    factories.small_institution(
        departments=1, batches_per_department=1, theory_per_department=2, labs=False, combined=False
    )
    job = _generation_run(factories.UserFactory(role="admin"), semester=3)
    assert job.status == "COMPLETED", job.error
    metrics = JobMetrics.of(job)
    assert metrics is not None
    sentry_sdk.flush()
    [txn] = [t for t in sentry.transactions if t["contexts"]["trace"]["op"] == "timetable.generate"]
    data = txn["contexts"]["trace"]["data"]
    assert data["generation.variants"] == 1
    assert data["generation.hard_violations"] == metrics.hard_violations == 0
    assert data["generation.sessions"] == metrics.sessions > 0
    assert data["generation.objective"] == metrics.objective
    assert data["generation.bound"] == metrics.bound
    assert data["generation.gap"] >= 0
    assert data["generation.time_to_first_feasible_s"] == metrics.time_to_first_feasible_s
    assert data["generation.soft_penalty"] == metrics.soft_penalty
    for name, penalty in metrics.penalties.items():
        assert data[f"generation.penalties.{name}"] == penalty.count
    assert "generation.moved" not in data or data["generation.moved"] == metrics.moved


def _infeasible_institution(code: str) -> None:
    # Four theory subjects of 3 sessions for one batch but a 2x2 grid: cannot fit.
    factories.small_institution(
        departments=1,
        batches_per_department=1,
        theory_per_department=4,
        labs=False,
        combined=False,
        days=2,
        periods=2,
    )


def test_infeasible_runs_are_one_issue_per_cause(sentry):
    _infeasible_institution("A")
    user = factories.UserFactory(role="staff")
    job = _generation_run(user)
    assert job.status == "FAILED"
    sentry_sdk.flush()
    [failure] = [e for e in sentry.events if e.get("level") == "error"]
    kind, cause = failure["fingerprint"]
    assert kind == "timetable-infeasible"
    assert cause and not any(ch.isdigit() for ch in cause)  # no counts in the cause
    from academics.models import Batch

    for batch in Batch.objects.all():
        assert batch.code not in cause  # nor the data's names
    assert failure["tags"]["error.type"] == "optimizer"
    assert failure["tags"]["infeasible.cause"] == cause
    [txn] = [t for t in sentry.transactions if t["contexts"]["trace"]["op"] == "timetable.generate"]
    assert txn["contexts"]["trace"]["data"]["generation.variants"] == 0


def test_the_same_cause_in_another_scope_is_the_same_issue():
    from timetabling.generation.telemetry import infeasibility_cause

    head = "No feasible timetable exists for {}. Reasons:\n- "
    one = head.format("semester 3") + "batch CSE-A needs 12 periods, the week has 4"
    two = head.format("all") + "batch ME-B2 needs 30 periods, the week has 20\n- faculty #4 x"
    other = head.format("all") + "faculty F009 must teach 9 periods but is available for 2"
    assert infeasibility_cause(one) == infeasibility_cause(two)
    assert infeasibility_cause(one) == "batch needs N periods, the week has N"
    assert infeasibility_cause(other) != infeasibility_cause(one)
    assert infeasibility_cause(
        "Cannot generate a timetable: There are no rooms: import rooms first."
    )


def test_beat_tasks_check_in_as_cron_monitors(sentry, settings, jobs_in_process):
    """A task the beat schedule starts sends an in-progress check-in and, when it ends,
    an ok check-in for the same monitor (the Celery integration's monitor_beat_tasks)."""
    from celery.beat import ScheduleEntry, Scheduler
    from celery.schedules import schedule

    from sih28.celery import app

    entry = ScheduleEntry(  # run in this process (``jobs_in_process``), with or without Redis
        name="mark-stale-generation-jobs",
        task="timetabling.tasks.mark_stale_jobs_task",
        schedule=schedule(60.0),
        app=app,
    )
    scheduler = Scheduler(app=app, lazy=True)
    scheduler.apply_entry(entry, producer=None)
    sentry_sdk.flush()
    check_ins = sentry.items("check_in")
    assert [c["status"] for c in check_ins] == ["in_progress", "ok"], check_ins
    assert {c["monitor_slug"] for c in check_ins} == {"mark-stale-generation-jobs"}
    assert check_ins[0]["check_in_id"] == check_ins[1]["check_in_id"]
    assert check_ins[0]["monitor_config"]["schedule"] == {
        "type": "interval",
        "value": 1,
        "unit": "minute",
    }
    assert check_ins[1]["duration"] >= 0
