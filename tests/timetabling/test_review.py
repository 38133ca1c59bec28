"""A timetable's review: submit, approve or reject, publish, supersede; who may move; the
audit trail written with every move; the table in the documentation."""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import pytest
from django.db import connection

from sih28.statemachine import moves_table
from tests import factories
from timetabling import generation
from timetabling.generation import review
from timetabling.models import GenerationJob, ReviewEvent, TimetableSlot

pytestmark = pytest.mark.django_db


def _job(department=None, batch=None, scope_batch=None) -> GenerationJob:
    """A completed job (scope: ``department`` or ``scope_batch``) with one slot of ``batch``
    (a draft timetable)."""
    job = factories.GenerationJobFactory(department=department, batch=scope_batch)
    batch = batch or scope_batch
    offering = factories.OfferingFactory(batch=batch) if batch else factories.OfferingFactory()
    factories.TimetableSlotFactory(job=job, offering=offering, active=False)
    return job


@pytest.fixture
def dept():
    return factories.DepartmentFactory(code="CSE")


@pytest.fixture
def hod(dept):
    return factories.UserFactory(username="hod", role="faculty", is_approver=True, department=dept)


@pytest.fixture
def dean():
    return factories.UserFactory(username="dean", role="faculty", is_approver=True)


def test_the_documented_table_is_the_code():
    doc = (Path(__file__).resolve().parents[2] / "docs" / "generation.md").read_text()
    assert moves_table(review.MOVES) in doc


def test_submit_approve_publish_through_the_api(
    staff_client, staff_user, client_for, hod, dept, django_assert_max_num_queries
):
    batch = factories.BatchFactory(department=dept)
    job = _job(department=dept, batch=batch)
    url = f"/api/generation-jobs/{job.pk}"
    submitted = staff_client.post(f"{url}/submit/", {"comment": "week 1 draft"}, format="json")
    assert submitted.status_code == 200 and submitted.json()["review"] == "submitted"
    hod_client = client_for(hod)
    approved = hod_client.post(f"{url}/approve/", {"comment": "fine"}, format="json")
    assert approved.status_code == 200, approved.json()
    assert approved.json()["review"] == "approved"
    assert not job.slots.filter(active=True).exists()  # approved is not yet published
    published = hod_client.post(f"{url}/publish/")
    assert published.status_code == 200 and published.json()["published"]
    assert published.json()["review"] == "published"
    assert job.slots.filter(active=True).count() == 1

    with django_assert_max_num_queries(6):
        log = staff_client.get(f"{url}/review-log/")
    assert log.status_code == 200
    trail = [(e["move"], e["from_state"], e["to_state"], e["username"]) for e in log.json()]
    assert trail == [
        ("submit", "draft", "submitted", staff_user.username),
        ("approve", "submitted", "approved", "hod"),
        ("publish", "approved", "published", "hod"),
    ]
    assert [e["comment"] for e in log.json()][:2] == ["week 1 draft", "fine"]


def test_the_submitter_cannot_approve_their_own_submission(admin_user, admin_client):
    job = _job()
    generation.timetable_submit(job_id=job.pk, user=admin_user)
    response = admin_client.post(f"/api/generation-jobs/{job.pk}/approve/")
    assert response.status_code == 403 and "someone else" in response.json()["detail"]
    job.refresh_from_db()
    assert job.review == "submitted"
    assert not ReviewEvent.objects.filter(job=job, move="approve").exists()


def test_a_head_of_department_approves_only_their_department(staff_user, hod, dean, dept):
    other = _job(department=factories.DepartmentFactory(code="ECE"))
    whole = _job()
    own_batch = _job(scope_batch=factories.BatchFactory(department=dept))
    for job in (other, whole, own_batch):
        generation.timetable_submit(job_id=job.pk, user=staff_user)
    for job in (other, whole):
        with pytest.raises(review.ReviewForbidden, match="approver for"):
            generation.timetable_approve(job_id=job.pk, user=hod)
    # a batch of their department is their scope too
    assert generation.timetable_approve(job_id=own_batch.pk, user=hod).review == "approved"
    # a dean (no department) approves the whole institution
    assert generation.timetable_approve(job_id=whole.pk, user=dean).review == "approved"


def test_students_and_plain_faculty_cannot_approve(staff_user, student_client, faculty_client):
    job = _job()
    generation.timetable_submit(job_id=job.pk, user=staff_user)
    for client in (student_client, faculty_client):
        assert client.post(f"/api/generation-jobs/{job.pk}/approve/").status_code == 403
        assert client.get(f"/api/generation-jobs/{job.pk}/review-log/").status_code == 403


def test_only_an_approved_timetable_can_be_published(staff_client, staff_user):
    job = _job()
    response = staff_client.post(f"/api/generation-jobs/{job.pk}/publish/")
    assert response.status_code == 409 and "only an approved" in response.json()["detail"]
    generation.timetable_submit(job_id=job.pk, user=staff_user)
    assert staff_client.post(f"/api/generation-jobs/{job.pk}/publish/").status_code == 409
    assert not TimetableSlot.objects.filter(active=True).exists()


def test_a_rejection_needs_a_reason_and_can_be_submitted_again(staff_user, dean):
    job = _job()
    generation.timetable_submit(job_id=job.pk, user=staff_user)
    with pytest.raises(Exception, match="Say why"):
        generation.timetable_reject(job_id=job.pk, user=dean, comment="  ")
    rejected = generation.timetable_reject(job_id=job.pk, user=dean, comment="labs on Friday")
    assert rejected.review == "rejected"
    assert generation.timetable_submit(job_id=job.pk, user=staff_user).review == "submitted"
    assert ReviewEvent.objects.get(job=job, move="reject").comment == "labs on Friday"


def test_a_second_approval_from_the_same_reading_is_refused(staff_user, dean, admin_client):
    job = _job()
    generation.timetable_submit(job_id=job.pk, user=staff_user)
    generation.timetable_approve(job_id=job.pk, user=dean)
    response = admin_client.post(f"/api/generation-jobs/{job.pk}/approve/")
    assert response.status_code == 409 and "approved" in response.json()["detail"]
    assert ReviewEvent.objects.filter(job=job, move="approve").count() == 1


def test_publishing_supersedes_the_previous_timetable_of_the_scope(admin_user, staff_user, dean):
    batch = factories.BatchFactory()
    first = _job(batch=batch)
    generation.timetable_publish_direct(job_id=first.pk, user=admin_user)
    second = _job(batch=batch)
    generation.timetable_submit(job_id=second.pk, user=staff_user)
    generation.timetable_approve(job_id=second.pk, user=dean)
    generation.timetable_publish(job_id=second.pk, user=staff_user)
    first.refresh_from_db()
    assert first.review == "superseded"
    assert set(TimetableSlot.objects.filter(active=True).values_list("job", flat=True)) == {
        second.pk
    }
    event = ReviewEvent.objects.get(job=first, move="supersede")
    assert (event.from_state, event.to_state, event.user) == ("published", "superseded", staff_user)
    # a timetable of another batch stays published
    third = _job()
    generation.timetable_publish_direct(job_id=third.pk, user=None)
    second.refresh_from_db()
    assert second.review == "published"


def test_the_command_line_path_is_recorded_and_only_for_admins(staff_user, caplog, monkeypatch):
    crumbs = []
    monkeypatch.setattr(review.sentry_sdk, "add_breadcrumb", lambda **kw: crumbs.append(kw))
    job = _job()
    with pytest.raises(review.ReviewForbidden):
        generation.timetable_publish_direct(job_id=job.pk, user=staff_user)
    with caplog.at_level(logging.INFO, logger="timetabling.generation.review"):
        generation.timetable_publish_direct(job_id=job.pk, user=None)
    event = ReviewEvent.objects.get(job=job)
    assert (event.move, event.user, event.comment) == (
        "publish_direct",
        None,
        "published from the command line",
    )
    assert "draft -> published (publish_direct) by the command line" in caplog.text
    assert crumbs and crumbs[-1]["category"] == "timetable.review"
    assert crumbs[-1]["data"] == {"job_id": job.pk, "move": "publish_direct", "from": "draft",
                                  "to": "published"}  # fmt: skip


def test_a_job_that_has_not_completed_is_not_reviewed(staff_client):
    job = factories.GenerationJobFactory(status="PENDING")
    response = staff_client.post(f"/api/generation-jobs/{job.pk}/submit/")
    assert response.status_code == 409 and "PENDING" in response.json()["detail"]


def test_the_review_page_shows_the_trail_and_the_variants(
    client, staff_user, dean, student_user, django_assert_max_num_queries
):
    group = uuid.uuid4()
    first, second = _job(), _job()
    GenerationJob.objects.filter(pk__in=[first.pk, second.pk]).update(
        variant_group=group, review="variant"
    )
    GenerationJob.objects.filter(pk=first.pk).update(variant_label="balanced")
    GenerationJob.objects.filter(pk=second.pk).update(variant_label="compact")
    generation.variant_choose(job_id=second.pk, user=staff_user)
    generation.timetable_submit(job_id=second.pk, user=staff_user, comment="the compact one")
    client.force_login(dean)
    with django_assert_max_num_queries(12):
        page = client.get(f"/timetable/job/{second.pk}/review/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="review-trail"' in html and "the compact one" in html
    assert "Compact days for students" in html and "not_chosen" in html
    client.force_login(student_user)
    assert client.get(f"/timetable/job/{second.pk}/review/").status_code == 403


@pytest.mark.django_db(transaction=True)
def test_concurrent_choices_of_one_group_on_postgresql_exactly_one_wins():
    """Four threads, each with its own connection, choose different variants of one group at
    once: one is chosen, the others are refused, and the trail has one choice."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL): SQLite serialises all writers")
    staff = factories.UserFactory(username="chooser", role="staff")
    group = uuid.uuid4()
    jobs = [_job() for _ in range(4)]
    GenerationJob.objects.filter(pk__in=[j.pk for j in jobs]).update(
        variant_group=group, review="variant"
    )
    barrier = threading.Barrier(4)
    won: list[int] = []
    refused: list[str] = []

    def chooser(job_id: int) -> None:
        from django.db import connection as conn

        try:
            barrier.wait()
            try:
                generation.variant_choose(job_id=job_id, user=staff)
                won.append(job_id)
            except Exception as exc:  # noqa: BLE001 - what each refusal says is asserted
                refused.append(str(exc))
        finally:
            conn.close()

    threads = [threading.Thread(target=chooser, args=(j.pk,)) for j in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert len(won) == 1 and len(refused) == 3, refused
    reviews = dict(GenerationJob.objects.filter(variant_group=group).values_list("pk", "review"))
    assert reviews[won[0]] == "draft"
    assert sorted(reviews.values()) == ["draft", "not_chosen", "not_chosen", "not_chosen"]
    assert ReviewEvent.objects.filter(move="choose").count() == 1
