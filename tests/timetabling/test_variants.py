"""Variants: K sibling jobs by named weightings, compared side by side; choosing one makes
it the draft for review and sets the others aside."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from sih28.celery import app as celery_app
from tests import factories
from timetabling import generation
from timetabling import optimizer as opt
from timetabling.generation.variants import WEIGHTINGS, variant_weights
from timetabling.models import GenerationJob, JobStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager_celery():
    saved = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)
    yield
    celery_app.conf.update(task_always_eager=saved[0], task_eager_propagates=saved[1])


@pytest.fixture
def institution(db):
    return factories.small_institution(departments=1, batches_per_department=2)


def test_each_weighting_changes_the_weights_it_names():
    base = opt.Weights(previous_distance=7)
    assert variant_weights("balanced", base) == base
    assert variant_weights("", base) == base
    compact = variant_weights("compact", base)
    assert (compact.idle_gap, compact.isolated, compact.previous_distance) == (4, 4, 7)
    teachers = variant_weights("teachers", base)
    assert (teachers.faculty_prefer, teachers.faculty_avoid) == (4, 8)
    assert variant_weights("rooms", base).room_change == 6
    assert len({w.seed for w in WEIGHTINGS}) == len(WEIGHTINGS)


def test_three_variants_are_compared_and_one_is_chosen(
    admin_client,
    staff_client,
    institution,
    django_assert_max_num_queries,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/api/generation-jobs/", {"variants": 3, "time_limit_s": 1}, format="json"
        )
    assert response.status_code == 202, response.json()
    group = response.json()["variant_group"]
    jobs = list(GenerationJob.objects.filter(variant_group=group).order_by("pk"))
    assert [j.variant_label for j in jobs] == ["balanced", "compact", "teachers"]
    assert all(j.status == JobStatus.COMPLETED for j in jobs), [(j.status, j.error) for j in jobs]
    assert [j.params.get("weighting") for j in jobs] == ["balanced", "compact", "teachers"]
    assert {j.review for j in jobs} == {"variant"}
    listed = admin_client.get(f"/api/generation-jobs/?variant_group={group}").json()
    assert listed["count"] == 3

    with django_assert_max_num_queries(8):
        compared = admin_client.get(f"/api/generation-jobs/{jobs[1].pk}/variants/")
    assert compared.status_code == 200
    body = compared.json()
    assert [v["label"] for v in body["variants"]] == ["balanced", "compact", "teachers"]
    for v in body["variants"]:
        assert v["hard_violations"] == 0 and v["sessions"] > 0
        assert v["soft_penalty"] == sum(v["penalties"].values())
        assert v["soft_penalty_balanced"] is not None
        assert 0 < v["room_utilisation"] <= 1 and v["load_std_dev"] is not None
    balanced = body["variants"][0]
    assert balanced["soft_penalty_balanced"] == balanced["soft_penalty"]  # today's weights
    assert [(p["first"], p["second"]) for p in body["pairs"]] == [
        (jobs[0].pk, jobs[1].pk),
        (jobs[0].pk, jobs[2].pk),
        (jobs[1].pk, jobs[2].pk),
    ]
    for pair in body["pairs"]:
        assert 0 <= pair["differ"] <= body["variants"][0]["sessions"]

    # a variant goes for review only once chosen
    assert staff_client.post(f"/api/generation-jobs/{jobs[2].pk}/submit/").status_code == 409
    chosen = staff_client.post(f"/api/generation-jobs/{jobs[2].pk}/choose/")
    assert chosen.status_code == 200 and chosen.json()["review"] == "draft"
    reviews = dict(GenerationJob.objects.filter(variant_group=group).values_list("pk", "review"))
    assert reviews == {jobs[0].pk: "not_chosen", jobs[1].pk: "not_chosen", jobs[2].pk: "draft"}
    assert staff_client.post(f"/api/generation-jobs/{jobs[0].pk}/choose/").status_code == 409
    assert staff_client.post(f"/api/generation-jobs/{jobs[2].pk}/submit/").status_code == 200


def test_variants_are_bounded_and_a_single_job_has_none(admin_client, admin_user, institution):
    too_many = admin_client.post("/api/generation-jobs/", {"variants": 6}, format="json")
    assert too_many.status_code == 400
    job = generation.generation_job_create(user=admin_user, enqueue=False)
    assert job.variant_group is None and job.review == "draft"
    response = admin_client.get(f"/api/generation-jobs/{job.pk}/variants/")
    assert response.status_code == 400
    assert admin_client.post(f"/api/generation-jobs/{job.pk}/choose/").status_code == 409


def test_the_command_makes_and_compares_variants(institution):
    out = io.StringIO()
    call_command("generate_timetable", "--time-limit", "1", "--variants", "2", stdout=out)
    text = out.getvalue()
    assert "variant balanced" in text and "variant compact" in text
    assert "sessions differ" in text and "2 of 2 variants completed" in text
    with pytest.raises(CommandError, match="Choose one variant"):
        call_command("generate_timetable", "--variants", "2", "--publish", stdout=io.StringIO())


def test_a_variant_waiting_for_its_running_sibling_is_not_expired(admin_user, institution):
    first = generation.generation_job_create(user=admin_user, enqueue=False, variants=2)
    waiting = GenerationJob.objects.filter(variant_group=first.variant_group).exclude(pk=first.pk)
    long_ago = timezone.now() - dt.timedelta(hours=1)
    GenerationJob.objects.filter(variant_group=first.variant_group).update(created_at=long_ago)
    GenerationJob.objects.filter(pk=first.pk).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), heartbeat_at=timezone.now()
    )
    assert generation.generation_jobs_mark_stale() == []
    assert waiting.get().status == JobStatus.PENDING
    # once the group is quiet, a variant nobody ran is expired like any job
    GenerationJob.objects.filter(pk=first.pk).update(
        status=JobStatus.COMPLETED, finished_at=long_ago
    )
    assert generation.generation_jobs_mark_stale() == [waiting.get().pk]
