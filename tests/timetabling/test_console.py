"""The console's generation pages: start a job, its progress box, cancel, the result."""

from __future__ import annotations

import io
import threading

import pytest
from django.db import connection

from imports.services import institution_import
from tests import factories
from tests.tiny_institution import TINY
from timetabling.models import GenerationJob, JobStatus


def _load_tiny() -> None:
    files = {}
    for kind, text in TINY.items():
        files[kind] = io.BytesIO(text.encode())
        files[kind].name = f"{kind}.csv"
    institution_import(files=files)


def _wait(job_id: int, seconds: float = 120) -> GenerationJob:
    """Join the thread running the job (reading the job meanwhile would be a second writer's
    wait that SQLite's in-memory test database refuses), then read it."""
    name = f"generation-job-{job_id}"
    runner = next((t for t in threading.enumerate() if t.name == name), None)
    if runner is not None:  # None: it has finished already
        runner.join(seconds)
        assert not runner.is_alive(), f"job {job_id} still running after {seconds} s"
    return GenerationJob.objects.get(pk=job_id)


@pytest.fixture
def office(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.mark.django_db
def test_faculty_and_students_get_403(client):
    for role in ("faculty", "student"):
        client.force_login(factories.UserFactory(role=role))
        for url in ("/office/generate/", "/office/jobs/1/", "/office/jobs/1/progress/"):
            assert client.get(url).status_code == 403, (role, url)


@pytest.mark.django_db
def test_a_department_and_a_batch_together_is_an_error_next_to_the_field(office):
    _load_tiny()
    response = office.post(
        "/office/generate/", {"department": "CSE", "batch": "CSE-3A", "time_limit_s": 5}
    )
    assert response.status_code == 400
    assert response.context["form"].errors["batch"] == ["Choose a department or a batch, not both."]
    assert not GenerationJob.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="the job runs in a thread: needs PostgreSQL (set DATABASE_URL); SQLite's "
    "in-memory test database refuses a second connection's writes instead of waiting",
)
def test_generate_runs_beside_the_page_and_the_status_box_follows_it(office, jobs_in_process):
    _load_tiny()
    response = office.post("/office/generate/", {"time_limit_s": 5, "department": "CSE"})
    assert response.status_code == 302
    job_id = int(response["Location"].rstrip("/").rsplit("/", 1)[1])
    assert response["Location"] == f"/office/jobs/{job_id}/"
    done = _wait(job_id)  # it ran in a thread, after the answer
    assert done.status == JobStatus.COMPLETED, done.error
    job = done
    page = office.get(response["Location"])
    assert page.status_code == 200
    assert f"/office/jobs/{job.pk}/progress/".encode() in page.content
    box = office.get(f"/office/jobs/{job.pk}/progress/").content.decode()
    assert "data-active" not in box, "a finished job's box stops the polling"
    assert "4 sessions placed, 0 hard violations" in box
    assert f"/timetable/?job={job.pk}" in box


@pytest.mark.django_db
def test_cancelling_a_pending_job_cancels_it(office):
    _load_tiny()
    job = factories.GenerationJobFactory(status=JobStatus.PENDING)
    response = office.post(f"/office/jobs/{job.pk}/cancel/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.CANCELLED
    assert office.get(f"/office/jobs/{job.pk}/cancel/").status_code == 405


@pytest.mark.django_db
def test_console_pages_read_a_few_queries(office, django_assert_max_num_queries):
    _load_tiny()
    job = factories.GenerationJobFactory()
    for url in ("/office/generate/", f"/office/jobs/{job.pk}/", f"/office/jobs/{job.pk}/progress/"):
        with django_assert_max_num_queries(8):
            assert office.get(url).status_code == 200, url


@pytest.mark.django_db
def test_asking_for_variants_makes_sibling_jobs_to_compare(office):
    _load_tiny()
    response = office.post(
        "/office/generate/", {"time_limit_s": 5, "department": "CSE", "variants": 3}
    )
    assert response.status_code == 302
    jobs = list(GenerationJob.objects.order_by("pk"))
    assert len(jobs) == 3 and len({j.variant_group for j in jobs}) == 1
    assert [j.variant_label for j in jobs] == ["balanced", "compact", "teachers"]
    assert response["Location"] == f"/office/jobs/{jobs[0].pk}/"
    too_many = office.post("/office/generate/", {"time_limit_s": 5, "variants": 6})
    assert too_many.status_code == 400
    assert too_many.context["form"].errors["variants"]
