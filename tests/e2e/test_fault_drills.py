"""Fault drills against real services of their own (``tests/e2e/faults.py``): the app
behind gunicorn, a Celery worker, a PostgreSQL cluster and a redis-server started here.

- Redis stopped, then started again, during reads, logins, attendance and a generation.
- PostgreSQL restarted during the same mix.
- The log disk full (``django.log`` on ``/dev/full``, the kernel's ENOSPC), then room again.

In each: no 500 and no traceback in any answer, no job left RUNNING or PENDING, every
attendance mark that was answered 201 is stored, and service is back within seconds of
the fault ending. Each drill prints its figures (``pytest -s``) and appends them to
``logs/drills.log``; ``docs/operations.md`` records a run.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator

import pytest
from django.conf import settings

from tests.e2e.faults import (
    AppServer,
    PostgresCluster,
    RedisServer,
    Traffic,
    app_env,
    assert_no_500,
    assert_no_lost_attendance,
    attendance_targets,
    celery_worker,
    postgres_skip_reason,
    redis_skip_reason,
    report,
    stop_process_group,
    wait_until,
)

FINISHED = {"COMPLETED", "FAILED", "CANCELLED"}
HEARTBEAT_TIMEOUT_S = 10  # GENERATION_HEARTBEAT_TIMEOUT_S in the drills: dead runs clear fast


def _once_reason() -> str | None:
    if not settings.REDIS_URL:
        return "the drills run once, in the PostgreSQL + Redis pass (REDIS_URL set)"
    return postgres_skip_reason()


pytestmark = [
    pytest.mark.services,
    pytest.mark.slow,
    pytest.mark.skipif(_once_reason() is not None, reason=_once_reason() or ""),
]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory) -> Iterator[PostgresCluster]:
    pg = PostgresCluster()
    try:
        pg.init()
        pg.start()
        pg.prepare_template(tmp_path_factory.mktemp("template-logs"))
        yield pg
    finally:
        pg.destroy()


def _jobs(app: AppServer, token: str) -> dict[int, str]:
    body = app.call("GET", "/api/generation-jobs/?page_size=200", token=token).json()
    return {job["id"]: job["status"] for job in body["results"]}


def _all_finished(app: AppServer, token: str) -> bool:
    answer = app.call("GET", "/api/generation-jobs/?page_size=200", token=token)
    return answer.status == 200 and all(j["status"] in FINISHED for j in answer.json()["results"])


def _status(app: AppServer, token: str, job_id: int) -> str:
    answer = app.call("GET", f"/api/generation-jobs/{job_id}/", token=token)
    return answer.json()["status"] if answer.status == 200 else ""


@pytest.mark.skipif(redis_skip_reason() is not None, reason=redis_skip_reason() or "")
def test_redis_stopped_then_started_during_reads_logins_and_a_generation(cluster, tmp_path):
    redis = RedisServer(tmp_path)
    redis.start()
    env = app_env(
        DATABASE_URL=cluster.copy(),
        REDIS_URL=redis.url,
        LOG_DIR=str(tmp_path / "logs"),
        GENERATION_HEARTBEAT_TIMEOUT_S=str(HEARTBEAT_TIMEOUT_S),
    )
    worker = app = traffic = None
    try:
        worker = celery_worker(env, tmp_path / "worker.log")
        app = AppServer(env, tmp_path / "app.log").start()
        token = app.login()
        traffic = Traffic(app, token, attendance_targets(app, token, 100)).start()
        first = app.call("POST", "/api/generation-jobs/", {"time_limit_s": 6}, token)
        assert first.status == 202, first
        job_id = first.json()["id"]
        wait_until(lambda: _status(app, token, job_id) == "RUNNING", 60, "the job running")
        time.sleep(1)

        redis.stop()
        down = time.monotonic()
        time.sleep(1)
        refused = app.call("POST", "/api/generation-jobs/", {"time_limit_s": 2}, token)
        health_down = app.call("GET", "/healthz")
        time.sleep(3)
        redis.start()
        up = time.monotonic()

        wait_until(lambda: app.call("GET", "/healthz").status == 200, 30, "healthz 200 again")
        health_back_s = time.monotonic() - up
        wait_until(lambda: _status(app, token, job_id) in FINISHED, 90, "the first job ending")

        def generate():
            answer = app.call("POST", "/api/generation-jobs/", {"time_limit_s": 2}, token)
            return answer if answer.status == 202 else None

        second = wait_until(generate, 30, "a generation accepted again", every=0.5)
        accepted_s = time.monotonic() - up
        second_id = second.json()["id"]
        wait_until(lambda: _status(app, token, second_id) in FINISHED, 90, "the second job")
        generated_s = time.monotonic() - up
        traffic.stop()

        assert refused.status == 503, refused
        assert "task queue (Redis) is unreachable" in refused.json()["detail"]
        assert refused.seconds < 1.0  # at once: Redis is known down
        assert health_down.status == 503 and health_down.json()["status"] == "degraded"
        outage = traffic.between(down, up)
        reads = [a for a in outage if a.method == "GET"]
        logins = [a for a in outage if a.kind == "POST /api/auth/token/"]
        assert reads and all(a.status == 200 for a in reads), [(a.kind, a.status) for a in reads]
        assert logins and all(a.status == 200 for a in logins)
        assert max(a.seconds for a in outage) < 2.0, max(a.seconds for a in outage)
        assert_no_500([*traffic.answers, first, refused, second, health_down])
        assert_no_lost_attendance(app, token, traffic.marked)
        assert _status(app, token, second_id) == "COMPLETED"
        wait_until(lambda: _all_finished(app, token), 30, "every job finished")
        report(
            "redis-stopped",
            outage_s=round(up - down, 1),
            requests=len(traffic.answers),
            during_outage=len(outage),
            slowest_during_outage_s=round(max(a.seconds for a in outage), 3),
            healthz_back_s=round(health_back_s, 1),
            generation_accepted_s=round(accepted_s, 1),
            generation_done_s=round(generated_s, 1),
            attendance_marked=len(traffic.marked),
            jobs=_jobs(app, token),
        )
    finally:
        if traffic is not None:
            traffic.stop()
        if app is not None:
            app.stop()
        stop_process_group(worker)
        redis.stop()


def test_postgres_restarted_during_reads_logins_and_a_generation(cluster, tmp_path):
    """Embedded mode (no Redis): the generation runs in the web process, so the restart
    breaks its run; the job is cleared (FAILED) by the stale check, without beat."""
    env = app_env(
        DATABASE_URL=cluster.copy(),
        REDIS_URL="",
        LOG_DIR=str(tmp_path / "logs"),
        GENERATION_HEARTBEAT_TIMEOUT_S=str(HEARTBEAT_TIMEOUT_S),
    )
    app = AppServer(env, tmp_path / "app.log").start()
    traffic = None
    try:
        token = app.login()
        traffic = Traffic(app, token, attendance_targets(app, token, 100)).start()
        generating: list = []
        runner = threading.Thread(
            target=lambda: generating.append(
                app.call("POST", "/api/generation-jobs/", {"time_limit_s": 8}, token, timeout=60)
            ),
            daemon=True,
        )
        runner.start()
        time.sleep(3)  # the job runs in-process, inside that request

        cluster.stop()
        down = time.monotonic()
        time.sleep(3)
        cluster.start()
        up = time.monotonic()

        first = wait_until(
            lambda: traffic.first_ok_after(up, "GET /api/rooms/"), 30, "a read answered again"
        )
        read_back_s = first.at + first.seconds - up
        runner.join(60)
        wait_until(lambda: _all_finished(app, token), HEARTBEAT_TIMEOUT_S + 30, "jobs finished")
        jobs_clear_s = time.monotonic() - up
        time.sleep(1)
        traffic.stop()

        outage = [a for a in traffic.between(down, up) if a.status >= 400]
        assert outage, "no request met the outage"
        assert all(a.status == 503 for a in outage), [(a.kind, a.status) for a in outage]
        assert all(a.seconds < 2.0 for a in outage), max(a.seconds for a in outage)
        assert outage[0].json()["detail"].startswith("The database is unreachable")
        assert_no_500([*traffic.answers, *generating])
        assert_no_lost_attendance(app, token, traffic.marked)
        report(
            "postgres-restarted",
            outage_s=round(up - down, 1),
            requests=len(traffic.answers),
            answered_503=len(outage),
            slowest_503_s=round(max(a.seconds for a in outage), 3),
            reads_back_s=round(read_back_s, 2),
            jobs_cleared_s=round(jobs_clear_s, 1),
            attendance_marked=len(traffic.marked),
            jobs=_jobs(app, token),
        )
    finally:
        if traffic is not None:
            traffic.stop()
        app.stop()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
def test_log_disk_full_then_room_again(cluster, tmp_path):
    logs = tmp_path / "logs"
    logs.mkdir()
    log_file = logs / "django.log"
    log_file.symlink_to("/dev/full")  # every write: ENOSPC, from the kernel
    env = app_env(DATABASE_URL=cluster.copy(), REDIS_URL="", LOG_DIR=str(logs))
    app_log = tmp_path / "app.log"
    app = AppServer(env, app_log).start()
    traffic = None
    try:
        token = app.login()
        traffic = Traffic(app, token, attendance_targets(app, token, 100)).start()
        time.sleep(4)
        log_file.unlink()
        log_file.write_text("")
        room = time.monotonic()
        wait_until(lambda: "request method=" in log_file.read_text(), 30, "request lines again")
        back_s = time.monotonic() - room
        traffic.stop()

        full = traffic.between(0, room)
        assert full and all(a.status in (200, 201) for a in full), {a.status for a in full}
        assert_no_500(traffic.answers)
        assert_no_lost_attendance(app, token, traffic.marked)
        stderr = app_log.read_text(errors="replace")
        assert "Logging error" not in stderr
        notices = [line for line in stderr.splitlines() if line.startswith("sih28.logs:")]
        assert 1 <= len(notices) <= 3, notices
        assert "No space left on device" in notices[0]
        report(
            "log-disk-full",
            requests_while_full=len(full),
            stderr_notices=len(notices),
            lines_back_s=round(back_s, 1),
            attendance_marked=len(traffic.marked),
        )
    finally:
        if traffic is not None:
            traffic.stop()
        app.stop()
