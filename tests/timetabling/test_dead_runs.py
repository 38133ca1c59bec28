"""A job whose run died (its process was killed; embedded mode has no beat and no
redelivery) is cleared without beat, and cancel answers what really happened."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from sih28.celery import app as celery_app
from tests import factories
from timetabling import generation
from timetabling.models import GenerationJob, JobStatus

pytestmark = pytest.mark.django_db

TIMEOUT = 30  # GENERATION_HEARTBEAT_TIMEOUT_S in these tests


@pytest.fixture(autouse=True)
def _embedded(settings):
    """Embedded mode: tasks in-process, no beat."""
    settings.GENERATION_HEARTBEAT_TIMEOUT_S = TIMEOUT
    settings.CELERY_TASK_ALWAYS_EAGER = True
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


@pytest.fixture
def institution(db):
    return factories.small_institution(departments=1)


def _died_mid_solve(user, silent_s: float) -> GenerationJob:
    """A job claimed by a process that then died: RUNNING, heartbeat ``silent_s`` ago."""
    job = generation.generation_job_create(user=user, time_limit_s=1, enqueue=False)
    beat = timezone.now() - dt.timedelta(seconds=silent_s)
    GenerationJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING, started_at=beat, heartbeat_at=beat
    )
    return job


def test_a_dead_run_does_not_block_its_scope_without_beat(admin_client, admin_user, institution):
    dead = _died_mid_solve(admin_user, silent_s=TIMEOUT + 5)
    # before: 409 "Job N (RUNNING ...) is already generating an overlapping scope", for ever
    job = generation.generation_job_create(user=admin_user, time_limit_s=1, enqueue=False)
    assert job.status == JobStatus.PENDING
    dead.refresh_from_db()
    assert dead.status == JobStatus.FAILED
    assert dead.error.startswith("Worker vanished: no heartbeat since ")


def test_reading_a_dead_job_through_the_api_shows_it_failed(admin_client, admin_user, institution):
    dead = _died_mid_solve(admin_user, silent_s=TIMEOUT + 5)
    alive = factories.GenerationJobFactory(
        status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    body = admin_client.get(f"/api/generation-jobs/{dead.pk}/").json()
    assert body["status"] == "FAILED" and body["error"].startswith("Worker vanished")
    listed = {
        j["id"]: j["status"] for j in admin_client.get("/api/generation-jobs/").json()["results"]
    }
    assert listed == {dead.pk: "FAILED", alive.pk: "RUNNING"}


def test_a_pending_job_left_by_a_dead_process_expires_in_embedded_mode(admin_user, institution):
    """Embedded, the creating request runs its job right after commit: a job still
    PENDING after the heartbeat timeout was left by a process that died (the Celery
    pending timeout, an hour, would block its scope that long)."""
    left = generation.generation_job_create(user=admin_user, time_limit_s=1, enqueue=False)
    GenerationJob.objects.filter(pk=left.pk).update(
        created_at=timezone.now() - dt.timedelta(seconds=TIMEOUT + 1)
    )
    fresh = factories.GenerationJobFactory(status=JobStatus.PENDING)
    assert generation.generation_jobs_mark_stale() == [left.pk]
    assert GenerationJob.objects.get(pk=fresh.pk).status == JobStatus.PENDING


def test_cancelling_a_dead_run_cancels_it_at_once(admin_client, admin_user, institution):
    dead = _died_mid_solve(admin_user, silent_s=TIMEOUT + 5)
    response = admin_client.post(f"/api/generation-jobs/{dead.pk}/cancel/")
    # before: 200 with the job still RUNNING, and nothing would ever stop it
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "CANCELLED" and body["finished_at"]
    assert body["error"].startswith("Cancelled; its run had already stopped")
    # a redelivered task finds nothing to do
    assert generation.generation_job_run(job_id=dead.pk).status == JobStatus.CANCELLED
    again = admin_client.post(f"/api/generation-jobs/{dead.pk}/cancel/")
    assert again.status_code == 409 and again.json()["status"] == "CANCELLED"


def test_cancelling_a_live_run_is_accepted_not_done(admin_client, admin_user, institution):
    live = _died_mid_solve(admin_user, silent_s=1)  # it beat a second ago: alive
    response = admin_client.post(f"/api/generation-jobs/{live.pk}/cancel/")
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "RUNNING" and body["cancel_requested"] is True
    assert body["finished_at"] is None


def test_cancelling_a_pending_job_is_done(admin_client, admin_user, institution):
    job = generation.generation_job_create(user=admin_user, time_limit_s=1, enqueue=False)
    response = admin_client.post(f"/api/generation-jobs/{job.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "CANCELLED"
