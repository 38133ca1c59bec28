"""Timetable generation as a service: create, run, cancel, publish, stale jobs, the command.

Tiny institutions and solver limits of a couple of seconds. Celery runs eagerly here (the
task executes in-process when the job's transaction commits), on SQLite and on
PostgreSQL alike; the real worker and broker are exercised in ``tests/e2e``.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
import time
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from sih28.celery import app as celery_app
from sih28.errors import ApplicationError, ConflictError
from tests import factories
from timetabling import generation
from timetabling import optimizer as opt
from timetabling.models import Attendance, GenerationJob, JobStatus, TimetableSlot
from timetabling.tasks import generate_timetable_task, mark_stale_jobs_task

pytestmark = pytest.mark.django_db

LIMIT = 1  # seconds of solver time per generation in these tests
CLOSE_LIMIT = 2  # where the quality of the solution matters


@pytest.fixture(autouse=True)
def _eager_celery():
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=saved[0], task_eager_propagates=saved[1])


@pytest.fixture
def institution(db):
    return factories.small_institution()


def _run(user, limit: int = LIMIT, **scope) -> GenerationJob:
    job = generation.generation_job_create(user=user, time_limit_s=limit, enqueue=False, **scope)
    return generation.generation_job_run(job_id=job.pk)


def _clashes(slots) -> list[str]:
    """Double bookings among ``slots`` (a combined class's sibling slots share a teacher and
    a room, so only primary slots count for faculty and rooms)."""
    batch, faculty, room = Counter(), Counter(), Counter()
    for s in slots:
        for p in range(s.period, s.period + s.length):
            batch[(s.batch_id, s.day, p)] += 1
            if s.primary:
                faculty[(s.faculty_id, s.day, p)] += 1
                room[(s.room_id, s.day, p)] += 1
    return [
        f"{kind} {key}"
        for kind, c in (("batch", batch), ("faculty", faculty), ("room", room))
        for key, n in c.items()
        if n > 1
    ]


# --- create: validation and conflicts ---------------------------------------------------


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"department": "NOPE"}, "Unknown department 'NOPE'"),
        ({"batch": "NOPE"}, "Unknown batch 'NOPE'"),
        ({"department": "DEP1", "batch": "DEP1B1"}, "not both"),
        ({"semester": 7}, "semester 7 has no offerings"),
        ({"term_start": "2026-05-01", "term_end": "2026-01-01"}, "term_end"),
    ],
)
def test_create_rejects_an_invalid_scope(admin_client, institution, payload, message):
    response = admin_client.post("/api/generation-jobs/", payload, format="json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert not GenerationJob.objects.exists()


def test_a_time_limit_above_the_maximum_is_refused_as_the_schema_says(
    admin_client, institution, settings
):
    limit = settings.GENERATION_MAX_TIME_LIMIT_S
    response = admin_client.post(
        "/api/generation-jobs/", {"time_limit_s": limit + 1}, format="json"
    )
    assert response.status_code == 400
    assert str(limit) in response.json()["time_limit_s"][0]
    assert not GenerationJob.objects.exists()
    schema = admin_client.get("/api/schema/?format=json").json()
    field = schema["components"]["schemas"]["GenerationJobCreateRequest"]["properties"]
    assert field["time_limit_s"]["maximum"] == limit


def test_only_admin_and_staff_generate(faculty_client, student_client, institution):
    for client in (faculty_client, student_client):
        assert client.post("/api/generation-jobs/", {}, format="json").status_code == 403
    assert not GenerationJob.objects.exists()


def test_an_overlapping_active_job_is_a_conflict(admin_client, admin_user, institution):
    running = generation.generation_job_create(user=admin_user, department="DEP1", enqueue=False)
    whole = admin_client.post("/api/generation-jobs/", {}, format="json")
    assert whole.status_code == 409
    assert f"Job {running.pk}" in whole.json()["detail"]
    # DEP1's batch is inside the running job's scope as well
    with pytest.raises(ConflictError):
        generation.generation_job_create(user=admin_user, batch="DEP1B2", enqueue=False)
    # another department does not overlap
    other = generation.generation_job_create(user=admin_user, department="DEP2", enqueue=False)
    assert other.status == JobStatus.PENDING
    # once the first job is over, the whole institution may be generated
    GenerationJob.objects.filter(pk__in=[running.pk, other.pk]).update(status=JobStatus.FAILED)
    assert generation.generation_job_create(user=admin_user, enqueue=False).pk


def test_combined_class_partners_join_the_scope(admin_user):
    inst = factories.small_institution(departments=1)
    b1, b2 = inst["batches"]
    job = generation.generation_job_create(user=admin_user, batch=b1.code, enqueue=False)
    # the combined class of DEP1 is attended by both batches, so both are generated
    assert set(job.params["batch_ids"]) == {b1.pk, b2.pk}


# --- run ----------------------------------------------------------------------------------


def test_post_generates_and_saves_the_timetable(
    admin_client, institution, django_capture_on_commit_callbacks
):
    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/api/generation-jobs/", {"time_limit_s": LIMIT}, format="json"
        )
    assert response.status_code == 202
    # all slots are saved by one bulk insert
    inserts = [
        q["sql"]
        for q in ctx.captured_queries
        if q["sql"].startswith('INSERT INTO "timetabling_timetableslot"')
    ]
    assert len(inserts) == 1
    job = GenerationJob.objects.get(pk=response.json()["id"])
    assert job.status == JobStatus.COMPLETED, job.error
    body = admin_client.get(f"/api/generation-jobs/{job.pk}/").json()
    assert body["status"] == "COMPLETED"
    metrics = body["metrics"]
    assert metrics["hard_violations"] == 0
    assert set(metrics["penalties"]) >= {"min_days", "same_day", "isolated", "idle_gap"}
    assert metrics["soft_penalty"] == sum(
        p["count"] * p["weight"] for p in metrics["penalties"].values()
    )
    assert metrics["variables"] > 0 and metrics["solve_time_s"] > 0
    slots = list(TimetableSlot.objects.filter(job=job))
    assert len(slots) == metrics["slots"] and not any(s.active for s in slots)
    # every offering meets sessions_per_week times; a combined class once per batch
    per_offering = Counter(s.offering_id for s in slots)
    for o in institution["offerings"]:
        assert per_offering[o.pk] == o.subject.sessions_per_week
    combined = [s for s in slots if s.offering.group]
    sessions = Counter((s.offering.group, s.day, s.period) for s in combined)
    assert all(n == 2 for n in sessions.values())  # both batches, same time
    assert sum(s.primary for s in combined) == len(sessions)  # one primary per session
    assert not _clashes(slots)


def test_build_queries_do_not_grow_with_the_institution(admin_user):
    factories.small_institution(departments=1, batches_per_department=1)
    small = generation.generation_job_create(user=admin_user, enqueue=False)
    with CaptureQueriesContext(connection) as few:
        gen_small = generation.generation_problem_build(job=small)
    GenerationJob.objects.all().delete()
    for d in range(2, 5):  # three more departments, many more offerings
        dept = factories.DepartmentFactory(code=f"X{d}")
        for b in range(3):
            batch = factories.BatchFactory(department=dept, code=f"X{d}B{b}")
            for _ in range(4):
                factories.OfferingFactory(batch=batch)
    big = generation.generation_job_create(user=admin_user, enqueue=False)
    with CaptureQueriesContext(connection) as many:
        gen_big = generation.generation_problem_build(job=big)
    assert len(gen_big.problem.classes) > 5 * len(gen_small.problem.classes)
    assert len(many.captured_queries) == len(few.captured_queries) <= 12


def test_the_time_grid_has_breaks_and_missing_cells():
    rows = [
        (0, 1, dt.time(8), dt.time(9)),
        (0, 2, dt.time(9), dt.time(10)),
        (0, 3, dt.time(11), dt.time(12)),  # a break after period 2
        (1, 1, dt.time(8), dt.time(9)),  # a short day
    ]
    grid = generation.problem.time_grid(rows)
    assert (grid.days, grid.periods_per_day) == (2, 3)
    assert grid.missing == frozenset({(1, 1), (1, 2)})
    assert grid.breaks_after == frozenset({(0, 1)})
    assert grid.can_start(0, 0, 2) and not grid.can_start(0, 1, 2)


def test_an_infeasible_institution_fails_with_an_explanation(admin_user, institution):
    teacher = institution["faculty"][0]
    teacher.max_hours_per_week = 1  # teaches far more than one period a week
    teacher.save()
    job = _run(admin_user)
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("No feasible timetable exists for whole institution.")
    # The optimizer's explanation names the teacher in the domain's words.
    assert f"faculty {teacher.employee_id}" in job.error, job.error
    assert not TimetableSlot.objects.exists()


def test_an_infeasible_job_proposes_verified_remedies(admin_user, institution, settings):
    settings.GENERATION_REMEDY_BUDGET_S = 20
    teacher = institution["faculty"][0]
    teacher.max_hours_per_week = 1
    teacher.save()
    job = _run(admin_user)
    assert job.status == JobStatus.FAILED
    assert job.remedies, job.error
    first = job.remedies[0]
    assert first["kind"] == "teacher_week"
    assert first["text"].startswith(f"allow faculty {teacher.employee_id} to teach up to ")
    assert "Remedies (each checked by the pre-checks and a short solve):" in job.error
    assert f"- {first['text']}" in job.error
    # the remedy holds: with the limit it names, the same institution generates
    needed = int(first["text"].split("up to ")[1].split()[0])
    teacher.max_hours_per_week = needed
    teacher.save()
    assert _run(admin_user).status == JobStatus.COMPLETED


def test_the_api_returns_a_jobs_remedies(admin_user, institution, settings, client):
    settings.GENERATION_REMEDY_BUDGET_S = 20
    teacher = institution["faculty"][0]
    teacher.max_hours_per_week = 1
    teacher.save()
    job = _run(admin_user)
    client.force_login(admin_user)
    body = client.get(f"/api/generation-jobs/{job.pk}/").json()
    assert body["remedies"] == job.remedies and body["remedies"]
    assert set(body["remedies"][0]) == {"kind", "text"}


def test_an_exception_fails_the_job_and_is_raised(admin_user, institution, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("solver exploded")

    monkeypatch.setattr(opt, "solve", broken)
    job = generation.generation_job_create(user=admin_user, time_limit_s=LIMIT, enqueue=False)
    with pytest.raises(RuntimeError):
        generation.generation_job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "internal error (RuntimeError: solver exploded)" in job.error
    assert job.finished_at is not None


# --- cancel -------------------------------------------------------------------------------


def test_cancel_a_pending_job(admin_client, admin_user, institution):
    job = generation.generation_job_create(user=admin_user, enqueue=False)
    response = admin_client.post(f"/api/generation-jobs/{job.pk}/cancel/")
    assert response.status_code == 200 and response.json()["status"] == "CANCELLED"
    # a task that still arrives does nothing
    assert generation.generation_job_run(job_id=job.pk).status == JobStatus.CANCELLED
    assert admin_client.post(f"/api/generation-jobs/{job.pk}/cancel/").status_code == 409


def test_cancel_stops_a_running_solve_promptly(admin_user, institution, monkeypatch):
    """The solver runs in a helper thread; the job's thread sees the cancel request in the
    database within about a second and stops the solve."""
    stopped_after: list[float] = []

    def slow_solve(problem, options, on_progress=None, cancel=None):
        start = time.monotonic()
        on_progress(opt.Progress(objective=50, bound=3, elapsed_s=0.1))
        assert cancel.wait(30), "the solve was never cancelled"
        stopped_after.append(time.monotonic() - start)
        return opt.Result(opt.Status.CANCELLED)

    monkeypatch.setattr(opt, "solve", slow_solve)
    job = generation.generation_job_create(user=admin_user, time_limit_s=60, enqueue=False)

    def cancel_on_first_progress(progress):
        assert progress["objective"] == 50 and progress["bound"] == 3
        generation.generation_job_cancel(job_id=job.pk, user=admin_user)

    job = generation.generation_job_run(job_id=job.pk, on_progress=cancel_on_first_progress)
    assert job.status == JobStatus.CANCELLED
    assert stopped_after and stopped_after[0] < 5
    assert not job.slots.exists()


# --- publish ------------------------------------------------------------------------------


def test_publish_switches_the_timetable_and_keeps_history(
    admin_client, admin_user, staff_user, institution
):
    first = _run(admin_user)
    generation.timetable_publish_direct(job_id=first.pk, user=admin_user)
    old_slot = first.slots.filter(primary=True).first()
    student = factories.StudentFactory(batch=old_slot.batch)
    factories.AttendanceFactory(student=student, slot=old_slot)

    second = _run(admin_user)
    assert not second.slots.filter(active=True).exists()  # a draft until published
    refused = admin_client.post(f"/api/generation-jobs/{second.pk}/publish/")
    assert refused.status_code == 409 and "approved" in refused.json()["detail"]
    generation.timetable_submit(job_id=second.pk, user=staff_user)
    generation.timetable_approve(job_id=second.pk, user=admin_user)
    response = admin_client.post(f"/api/generation-jobs/{second.pk}/publish/")
    assert response.status_code == 200 and response.json()["published_at"]
    assert response.json()["review"] == "published"
    first.refresh_from_db()
    assert first.review == "superseded"
    assert set(TimetableSlot.objects.filter(active=True).values_list("job", flat=True)) == {
        second.pk
    }
    assert first.slots.count() == first.metrics["slots"]  # old slots stay, inactive
    assert Attendance.objects.filter(slot=old_slot).count() == 1


def test_only_a_completed_job_can_be_published(admin_client, admin_user, institution):
    job = generation.generation_job_create(user=admin_user, enqueue=False)
    response = admin_client.post(f"/api/generation-jobs/{job.pk}/publish/")
    assert response.status_code == 409 and "PENDING" in response.json()["detail"]


def test_scoped_generation_keeps_other_batches_fixed(admin_user, institution):
    # a DEP1 teacher also teaches a DEP2 batch: DEP2's published sessions keep them busy
    shared = institution["faculty"][0]
    dep2_batch = next(b for b in institution["batches"] if b.code == "DEP2B1")
    factories.OfferingFactory(
        batch=dep2_batch,
        faculty=shared,
        subject=factories.SubjectFactory(code="SHARED", sessions_per_week=3, min_days=3),
    )
    whole = _run(admin_user)
    assert whole.status == JobStatus.COMPLETED, whole.error
    generation.timetable_publish_direct(job_id=whole.pk, user=admin_user)
    dep2_before = set(
        TimetableSlot.objects.filter(active=True, batch__department__code="DEP2").values_list(
            "pk", flat=True
        )
    )

    scoped = _run(admin_user, department="DEP1")
    assert scoped.status == JobStatus.COMPLETED, scoped.error
    assert scoped.metrics["fixed_sessions"] > 0
    assert not scoped.slots.filter(batch__department__code="DEP2").exists()
    generation.timetable_publish_direct(job_id=scoped.pk, user=admin_user)
    active = list(TimetableSlot.objects.filter(active=True))
    dep2_after = {s.pk for s in active if s.job_id == whole.pk}
    assert dep2_after == dep2_before  # DEP2 kept its published timetable
    assert {s.job_id for s in active if s.pk not in dep2_after} == {scoped.pk}
    assert not _clashes(active)


def test_stay_close_moves_few_sessions_after_a_teacher_loses_a_day(admin_user, institution):
    first = _run(admin_user, CLOSE_LIMIT)
    generation.timetable_publish_direct(job_id=first.pk, user=admin_user)
    # the teacher with the most sessions loses the day they teach most on
    busiest = Counter(first.slots.filter(primary=True).values_list("faculty_id", "day"))
    (teacher_id, day), lost = busiest.most_common(1)[0]
    for period in range(1, 7):
        factories.FacultyUnavailabilityFactory(faculty_id=teacher_id, day=day, period=period)

    close = _run(admin_user, CLOSE_LIMIT, stay_close=True)
    assert close.status == JobStatus.COMPLETED, close.error
    assert close.metrics["hard_violations"] == 0
    assert not close.slots.filter(faculty_id=teacher_id, day=day).exists()
    moved = close.metrics["moved"]
    assert lost <= moved <= 2 * lost + 2, close.metrics
    # sessions kept at their time keep their room too
    assert close.metrics["moved_room_only"] <= 2, close.metrics
    assert close.metrics["moved_in_time"] + close.metrics["moved_room_only"] == moved
    assert moved < close.metrics["sessions"] / 4
    assert close.metrics["previous_sessions"] == first.metrics["sessions"]
    assert "previous_distance" in close.metrics["penalties"]


# --- workers that vanish ----------------------------------------------------------------


def test_stale_jobs_are_marked_failed(admin_user, institution, settings):
    settings.GENERATION_HEARTBEAT_TIMEOUT_S = 60
    settings.GENERATION_PENDING_TIMEOUT_S = 600
    now = timezone.now()
    dead = factories.GenerationJobFactory(
        status="RUNNING", started_at=now, heartbeat_at=now - dt.timedelta(seconds=61)
    )
    alive = factories.GenerationJobFactory(status="RUNNING", started_at=now, heartbeat_at=now)
    forgotten = factories.GenerationJobFactory(status="PENDING")
    GenerationJob.objects.filter(pk=forgotten.pk).update(created_at=now - dt.timedelta(seconds=601))
    fresh = factories.GenerationJobFactory(status="PENDING")

    assert sorted(mark_stale_jobs_task()) == sorted([dead.pk, forgotten.pk])
    dead.refresh_from_db()
    forgotten.refresh_from_db()
    assert dead.status == JobStatus.FAILED
    assert dead.error.startswith("Worker vanished: no heartbeat since ")
    assert forgotten.status == JobStatus.FAILED and "No worker picked the job up" in (
        forgotten.error
    )
    assert GenerationJob.objects.get(pk=alive.pk).status == JobStatus.RUNNING
    assert GenerationJob.objects.get(pk=fresh.pk).status == JobStatus.PENDING


def test_a_redelivered_job_whose_worker_died_is_restarted(admin_user, institution, settings):
    settings.GENERATION_HEARTBEAT_TIMEOUT_S = 30
    job = generation.generation_job_create(user=admin_user, time_limit_s=LIMIT, enqueue=False)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    GenerationJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
        params={**job.params, "attempts": 1},
    )
    assert generate_timetable_task.apply(args=[job.pk]).get() == "COMPLETED"
    job.refresh_from_db()
    assert job.params["attempts"] == 2 and job.slots.exists()
    # a duplicate delivery of the finished job does nothing
    slots = set(job.slots.values_list("pk", flat=True))
    assert generate_timetable_task.apply(args=[job.pk]).get() == "COMPLETED"
    assert set(job.slots.values_list("pk", flat=True)) == slots


def test_a_job_whose_worker_keeps_dying_is_given_up(admin_user, institution, settings):
    settings.GENERATION_HEARTBEAT_TIMEOUT_S = 30
    settings.GENERATION_MAX_ATTEMPTS = 2
    job = generation.generation_job_create(user=admin_user, time_limit_s=LIMIT, enqueue=False)
    long_ago = timezone.now() - dt.timedelta(minutes=5)
    GenerationJob.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        started_at=long_ago,
        heartbeat_at=long_ago,
        params={**job.params, "attempts": 2},
    )
    job = generation.generation_job_run(job_id=job.pk)
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Worker vanished") and "gave up after 2 attempts" in job.error


def test_task_time_limits_leave_room_around_the_solver():
    for limit in (1, 60, 1800):
        soft, hard = generation.task_time_limits(limit)
        assert limit < soft < hard


def test_a_missing_job_is_not_an_error_for_the_task():
    assert generate_timetable_task.apply(args=[987654]).get() == "MISSING"


# --- the command --------------------------------------------------------------------------


def test_command_generates_publishes_and_prints_a_summary(institution):
    out = io.StringIO()
    call_command("generate_timetable", "--time-limit", str(LIMIT), "--publish", stdout=out)
    text = out.getvalue()
    job = GenerationJob.objects.get()
    assert job.status == JobStatus.COMPLETED and job.published_at is not None
    assert f"Job {job.pk}: COMPLETED" in text
    assert f"classes placed:   {job.metrics['classes']}" in text
    assert "hard violations:  0" in text
    assert "soft penalty:" in text and "min_days" in text and "idle_gap" in text
    assert "s  objective " in text  # progress lines while solving
    assert f"Published job {job.pk}" in text
    assert TimetableSlot.objects.filter(active=True).count() == job.metrics["slots"]


def test_command_exits_non_zero_with_the_explanation(institution):
    teacher = institution["faculty"][0]
    teacher.max_hours_per_week = 1
    teacher.save()
    out = io.StringIO()
    with pytest.raises(CommandError, match="No feasible timetable"):
        call_command(
            "generate_timetable", "--department", "DEP1", "--time-limit", str(LIMIT), stdout=out
        )
    assert "FAILED" in out.getvalue()


def test_command_rejects_an_unknown_department(institution):
    with pytest.raises(CommandError, match="Unknown department 'XYZ'"):
        call_command("generate_timetable", "--department", "XYZ", stdout=io.StringIO())


def test_the_service_refuses_other_roles(institution):
    teacher = factories.UserFactory(role="faculty")
    with pytest.raises(ApplicationError) as err:
        generation.generation_job_create(user=teacher, enqueue=False)
    assert err.value.status_code == 403


def test_progress_and_heartbeat_are_written_while_solving(admin_user, institution, monkeypatch):
    seen: list[dict] = []
    real_solve = opt.solve

    def solve_with_progress(problem, options, on_progress=None, cancel=None):
        for k in range(12):  # a burst of improvements over 2.4 s
            on_progress(opt.Progress(objective=20 - k, bound=2, elapsed_s=k / 5))
            time.sleep(0.2)
        return real_solve(problem, opt.SolveOptions(time_limit_s=1, workers=1))

    monkeypatch.setattr(opt, "solve", solve_with_progress)
    job = generation.generation_job_create(user=admin_user, enqueue=False)
    job = generation.generation_job_run(job_id=job.pk, on_progress=seen.append)
    assert job.status == JobStatus.COMPLETED, job.error
    assert 2 <= len(seen) <= 5  # throttled to about one a second (12+ improvements)
    assert seen[-1]["objective"] < 20 and seen[-1]["bound"] == 2
    assert job.heartbeat_at is not None and job.progress["phase"] == "done"
    assert not [t for t in threading.enumerate() if t.name == f"solve-job-{job.pk}"]


def test_a_run_reads_its_job_row_once_to_start_and_once_to_answer(admin_user, institution):
    job = generation.generation_job_create(user=admin_user, time_limit_s=LIMIT, enqueue=False)
    with CaptureQueriesContext(connection) as queries:
        job = generation.generation_job_run(job_id=job.pk)
    assert job.status == JobStatus.COMPLETED, job.error
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "timetabling_generationjob"' in q["sql"]
    ]
    assert len(reads) == 2, reads  # the claimed job (with its scope and creator); the result


def test_job_params_are_one_typed_value(admin_user, institution):
    job = generation.generation_job_create(user=admin_user, stay_close=True, enqueue=False)
    params = generation.JobParams.of(job)
    assert params.stay_close and params.attempts == 0 and params.seed == 0
    assert params.batch_ids == frozenset(b.pk for b in institution["batches"])
    assert generation.JobParams.of(GenerationJob(params={})) == generation.JobParams()
    again = params.next_attempt({1, 2})
    assert again.attempts == 1 and again.batch_ids == {1, 2} and again.stay_close
    assert job.params == params.as_json()
