"""A completed job's metrics are one typed value, read the same way by the API (and its
OpenAPI schema), the ``generate_timetable`` command and the timetable pages."""

from __future__ import annotations

import dataclasses
import io

import pytest
from django.core.management import call_command

from tests import factories
from timetabling.generation import JobMetrics, PenaltyCount, TeacherPenaltyCount
from timetabling.management.commands import generate_timetable as command
from timetabling.models import GenerationJob, JobStatus
from timetabling.serializers import JobMetricsSerializer

pytestmark = pytest.mark.django_db

SAMPLE = JobMetrics(
    status="FEASIBLE",
    hard_violations=0,
    hard_by_kind={},
    penalties={
        "idle_gap": PenaltyCount(count=13, weight=5),
        "min_days": PenaltyCount(count=2, weight=3),
    },
    soft_penalty=71,
    objective=71.0,
    bound=12.5,
    variables=4321,
    constraints=8765,
    solve_time_s=9.875,
    time_to_first_feasible_s=0.25,
    classes=37,
    sessions=93,
    slots=101,
    fixed_sessions=4,
    stay_close=True,
    moved=7,
    previous_sessions=55,
    build_time_s=0.125,
    save_time_s=0.0625,
)


def _completed(**fields: object) -> GenerationJob:
    return factories.GenerationJobFactory(
        status=JobStatus.COMPLETED, metrics=SAMPLE.as_json(), **fields
    )


def test_metrics_survive_the_json_field():
    job = _completed()
    job.refresh_from_db()
    assert JobMetrics.of(job) == SAMPLE
    assert JobMetrics.of(factories.GenerationJobFactory(status=JobStatus.PENDING)) is None
    assert SAMPLE.penalties["idle_gap"].cost == 65


def test_the_serializer_has_one_field_per_metric():
    assert list(JobMetricsSerializer().fields) == [f.name for f in dataclasses.fields(JobMetrics)]


def test_the_api_returns_the_typed_metrics(admin_client):
    done = _completed()
    pending = factories.GenerationJobFactory(status=JobStatus.PENDING)
    body = admin_client.get(f"/api/generation-jobs/{done.pk}/").json()
    assert body["metrics"] == {
        **SAMPLE.as_json(),
        "penalties": {
            "idle_gap": {"count": 13, "weight": 5},
            "min_days": {"count": 2, "weight": 3},
        },
    }
    assert admin_client.get(f"/api/generation-jobs/{pending.pk}/").json()["metrics"] is None


def test_the_schema_documents_metrics_as_an_object(admin_client):
    schema = admin_client.get("/api/schema/?format=json").json()
    components = schema["components"]["schemas"]
    metrics = components["JobMetrics"]
    assert list(metrics["properties"]) == [f.name for f in dataclasses.fields(JobMetrics)]
    assert metrics["properties"]["penalties"]["additionalProperties"] == {
        "$ref": "#/components/schemas/PenaltyCount"
    }
    assert metrics["properties"]["soft_penalty"]["type"] == "integer"
    job_metrics = components["GenerationJob"]["properties"]["metrics"]
    assert "#/components/schemas/JobMetrics" in str(job_metrics)
    assert job_metrics["nullable"] is True  # null until the job has completed


def test_the_command_prints_the_typed_metrics(monkeypatch):
    factories.small_institution()

    def run(*, job_id: int, on_progress: object = None) -> GenerationJob:
        GenerationJob.objects.filter(pk=job_id).update(
            status=JobStatus.COMPLETED, metrics=SAMPLE.as_json()
        )
        return GenerationJob.objects.get(pk=job_id)

    monkeypatch.setattr(command, "generation_job_run", run)
    out = io.StringIO()
    call_command("generate_timetable", stdout=out)
    text = out.getvalue()
    assert "classes placed:   37 (93 sessions, 101 slots)" in text
    assert "hard violations:  0" in text
    assert "soft penalty:     71 (solver objective 71.0, bound 12.5)" in text
    assert "idle_gap              13 x 5" in text
    assert "moved:            7 of 55 published sessions" in text
    assert "build 0.125 s, solve 9.875 s, first feasible 0.25 s, save 0.0625 s" in text


def test_the_pages_show_the_typed_metrics(client, staff_user):
    client.force_login(staff_user)
    job = _completed()
    pending = factories.GenerationJobFactory(status=JobStatus.PENDING)
    html = client.get("/timetable/").content.decode()
    assert '<td class="metric-hard">0</td><td class="metric-soft">71</td>' in html
    assert '<td class="metric-sessions">93</td>' in html
    assert html.count('class="metric-soft"') == 1  # the pending job has none yet
    banner = client.get(f"/timetable/?job={job.pk}").content.decode()
    assert "0 hard violations, soft penalty 71, 7 of 55 published sessions moved" in banner
    assert "soft penalty" not in client.get(f"/timetable/?job={pending.pk}").content.decode()


SPLIT = dataclasses.replace(
    SAMPLE,
    moved_in_time=5,
    moved_room_only=2,
    teachers=[
        TeacherPenaltyCount(employee_id=f"CSE10{i:02d}", gap=i % 3, avoid=12 - i, prefer=1)
        for i in range(12)
    ],
)


def test_moves_split_and_teachers_report_survive_the_json_field():
    job = factories.GenerationJobFactory(status=JobStatus.COMPLETED, metrics=SPLIT.as_json())
    job.refresh_from_db()
    assert JobMetrics.of(job) == SPLIT
    # a job completed before the split and the report were measured still reads
    older = {
        k: v
        for k, v in SAMPLE.as_json().items()
        if k not in ("moved_in_time", "moved_room_only", "teachers")
    }
    old_job = factories.GenerationJobFactory(status=JobStatus.COMPLETED, metrics=older)
    assert JobMetrics.of(old_job) == SAMPLE


def test_the_command_prints_moves_by_kind_and_the_worst_ten_teachers(monkeypatch):
    factories.small_institution()

    def run(*, job_id: int, on_progress: object = None) -> GenerationJob:
        GenerationJob.objects.filter(pk=job_id).update(
            status=JobStatus.COMPLETED, metrics=SPLIT.as_json()
        )
        return GenerationJob.objects.get(pk=job_id)

    monkeypatch.setattr(command, "generation_job_run", run)
    out = io.StringIO()
    call_command("generate_timetable", stdout=out)
    text = out.getvalue()
    assert "moved:            5 in time, 2 in room only, of 55 published sessions" in text
    assert "CSE1000              0 /  12 /   1" in text
    assert "CSE1009" in text and "CSE1010" not in text
    assert "... and 2 more" in text
