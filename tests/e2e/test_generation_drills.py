"""Failure drills for timetable generation against a real Redis and real Celery workers.

(a) a worker is SIGKILLed in the middle of a solve; (b) Redis is unreachable when a job is
requested; (c) two generate requests for one scope at once; (d) an institution without a
feasible timetable; plus cancelling a job that a worker is solving.
"""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from sih28.celery import app as celery_app
from tests import factories
from tests.services import purge_task_queue, requires_postgres, requires_redis
from timetabling import generation
from timetabling.models import GenerationJob, JobStatus, TimetableSlot

pytestmark = [pytest.mark.services, requires_postgres, requires_redis]


def _admin_client() -> APIClient:
    user = factories.UserFactory(role="admin", username="drill-admin")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    return client


def _wait_for(job_id: int, done, timeout: float, what: str) -> GenerationJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = GenerationJob.objects.get(pk=job_id)
        if done(job):
            return job
        time.sleep(0.2)
    job = GenerationJob.objects.get(pk=job_id)
    raise AssertionError(
        f"job {job_id} never {what} within {timeout} s: {job.status} {job.progress} {job.error}"
    )


def _published() -> set[tuple]:
    return set(
        TimetableSlot.objects.filter(active=True).values_list(
            "pk", "job_id", "batch_id", "day", "period", "room_id"
        )
    )


def _publish_a_timetable() -> GenerationJob:
    job = generation.generation_job_create(user=None, time_limit_s=1, enqueue=False)
    job = generation.generation_job_run(job_id=job.pk)
    assert job.status == JobStatus.COMPLETED, job.error
    return generation.timetable_publish_direct(job_id=job.pk, user=None)


def test_a_killed_worker_does_not_leave_the_job_running(celery_workers):
    """(a) SIGKILL in mid-solve: the unacknowledged message goes back to the queue after
    the visibility timeout, a fresh worker sees the job's heartbeat has gone silent, restarts
    it and completes it. The published timetable is untouched throughout."""
    env = {"CELERY_VISIBILITY_TIMEOUT": "2", "GENERATION_HEARTBEAT_TIMEOUT_S": "3"}
    factories.small_institution(departments=3)
    _publish_a_timetable()
    published = _published()
    first = celery_workers.start(**env)
    client = _admin_client()
    response = client.post("/api/generation-jobs/", {"time_limit_s": 5}, format="json")
    assert response.status_code == 202, response.json()
    job_id = response.json()["id"]
    _wait_for(
        job_id,
        lambda j: j.status == JobStatus.RUNNING and j.progress.get("phase") == "solving",
        30,
        "started solving",
    )
    time.sleep(1)
    first.kill()
    killed = GenerationJob.objects.get(pk=job_id)
    assert killed.status == JobStatus.RUNNING  # killed in mid-solve, nothing saved
    assert not killed.slots.exists()

    time.sleep(2.5)  # past the visibility timeout: the message is visible again
    celery_workers.start(**env)
    job = _wait_for(
        job_id, lambda j: j.status in generation.FINISHED_STATUSES, 60, "finished after the restart"
    )
    assert job.status == JobStatus.COMPLETED, job.error
    assert job.params["attempts"] == 2
    assert job.metrics["hard_violations"] == 0
    assert not job.slots.filter(active=True).exists()  # a draft until published
    assert _published() == published
    assert client.get(f"/api/generation-jobs/{job_id}/").json()["status"] == "COMPLETED"


def test_a_killed_worker_without_redelivery_is_failed_by_the_stale_check(celery_workers, settings):
    """(a, bounded) No worker comes back: the periodic stale-job check fails the job once
    its heartbeat has been silent for the timeout."""
    settings.GENERATION_HEARTBEAT_TIMEOUT_S = 2
    factories.small_institution(departments=2)
    worker = celery_workers.start(GENERATION_HEARTBEAT_TIMEOUT_S="2")
    job = generation.generation_job_create(user=None, time_limit_s=8)
    _wait_for(job.pk, lambda j: j.status == JobStatus.RUNNING and j.heartbeat_at, 30, "started")
    worker.kill()
    deadline = time.monotonic() + 10
    failed: list[int] = []
    while job.pk not in failed and time.monotonic() < deadline:
        time.sleep(0.5)
        failed = generation.generation_jobs_mark_stale()
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Worker vanished: no heartbeat since ")


def test_redis_down_answers_503_and_leaves_no_pending_job(transactional_db):
    """(b) The broker is unreachable: 503 with a clear message, the job is FAILED (not
    PENDING forever), and reads keep working."""
    factories.small_institution(departments=1)
    client = _admin_client()
    saved = celery_app.conf.broker_url
    celery_app.conf.broker_url = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    try:
        started = time.monotonic()
        response = client.post("/api/generation-jobs/", {"time_limit_s": 5}, format="json")
        elapsed = time.monotonic() - started
    finally:
        celery_app.conf.broker_url = saved
    assert response.status_code == 503
    assert "task queue (Redis) is unreachable" in response.json()["detail"]
    assert elapsed < 15
    job = GenerationJob.objects.get()
    assert job.status == JobStatus.FAILED
    assert "broker (Redis) is unreachable" in job.error
    assert not GenerationJob.objects.filter(status=JobStatus.PENDING).exists()
    listing = client.get("/api/generation-jobs/")
    assert listing.status_code == 200 and listing.json()["count"] == 1
    assert client.get(f"/api/generation-jobs/{job.pk}/").json()["status"] == "FAILED"


def test_two_simultaneous_requests_for_one_scope(transactional_db):
    """(c) One request wins (202), the other gets 409: the check and the insert are
    serialised by a PostgreSQL advisory lock."""
    factories.small_institution(departments=1)
    _, token = AuthToken.objects.create(
        user=factories.UserFactory(role="admin", username="drill-admin")
    )
    barrier = threading.Barrier(2)
    codes: list[int] = []

    def request() -> None:
        try:
            client = APIClient()
            client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait(5)
            response = client.post(
                "/api/generation-jobs/", {"department": "DEP1", "time_limit_s": 5}, format="json"
            )
            codes.append(response.status_code)
        finally:
            connection.close()

    try:
        for _ in range(3):  # a few rounds: the race window is small
            GenerationJob.objects.all().delete()
            codes.clear()
            threads = [threading.Thread(target=request) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert sorted(codes) == [202, 409]
            assert GenerationJob.objects.count() == 1
    finally:
        purge_task_queue()


def test_an_infeasible_institution_fails_with_the_explanation(celery_worker):
    """(d) Through the API and a worker: FAILED with the explanation, nothing saved."""
    inst = factories.small_institution(departments=1)
    for teacher in inst["faculty"]:
        teacher.max_hours_per_day = 1  # the combined class needs 2 of them on some day
        teacher.max_hours_per_week = 2
        teacher.save()
    client = _admin_client()
    response = client.post("/api/generation-jobs/", {"time_limit_s": 5}, format="json")
    assert response.status_code == 202
    job = _wait_for(
        response.json()["id"], lambda j: j.status in generation.FINISHED_STATUSES, 30, "finished"
    )
    assert job.status == JobStatus.FAILED
    body = client.get(f"/api/generation-jobs/{job.pk}/").json()
    assert body["error"].startswith("No feasible timetable exists for whole institution.")
    assert not TimetableSlot.objects.exists()


def test_cancel_stops_a_job_a_worker_is_solving(celery_worker):
    factories.small_institution(departments=3)
    client = _admin_client()
    job_id = client.post("/api/generation-jobs/", {"time_limit_s": 20}, format="json").json()["id"]
    _wait_for(
        job_id,
        lambda j: j.status == JobStatus.RUNNING and j.progress.get("phase") == "solving",
        30,
        "started solving",
    )
    asked = time.monotonic()
    assert client.post(f"/api/generation-jobs/{job_id}/cancel/").status_code == 202
    job = _wait_for(job_id, lambda j: j.status in generation.FINISHED_STATUSES, 15, "stopped")
    assert job.status == JobStatus.CANCELLED
    assert time.monotonic() - asked < 6
    assert not job.slots.exists()
