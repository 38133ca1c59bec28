"""Answers the schema once got wrong, each checked against the published schema.

Each request goes through the WSGI application and its answer through all of schemathesis's
checks for that operation (status code documented, body, content type and headers as
documented), so a schema that says less or other than the API does fails here.
"""

from __future__ import annotations

import pytest
from knox.models import AuthToken

from tests import factories
from tests.openapi import SCHEMA, auth, sample_metrics

# Requests go through the real WSGI handler, which closes a connection left inside a
# transaction when the request ends (Django's test client switches that off; this does not),
# so each test commits its rows instead of running inside one rolled-back transaction.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token(admin_user) -> str:
    return AuthToken.objects.create(user=admin_user)[1]


def call(token: str, path: str, method: str = "GET", **parts):
    """One request as the schema describes it; fails unless the answer matches the schema."""
    case = SCHEMA[path][method].Case(headers=auth(token), **parts)
    return case.call_and_validate()


def operation(path: str, method: str) -> dict:
    return SCHEMA.raw_schema["paths"][path][method.lower()]


def test_a_job_of_the_whole_institution_started_by_a_command_matches_the_schema(token):
    job = factories.GenerationJobFactory(status="COMPLETED")  # no department, batch, creator
    answer = call(token, "/api/generation-jobs/{id}/", path_parameters={"id": job.pk})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["department"], body["batch"], body["created_by"]) == (None, None, None)
    assert call(token, "/api/generation-jobs/").json()["count"] == 1


def test_a_completed_jobs_metrics_match_the_schema(token):
    job = factories.GenerationJobFactory(status="COMPLETED", metrics=sample_metrics())
    answer = call(token, "/api/generation-jobs/{id}/", path_parameters={"id": job.pk})
    metrics = answer.json()["metrics"]
    assert (metrics["objective"], metrics["moved"]) == (None, None)
    assert metrics["penalties"] == {"isolated_periods": {"count": 2, "weight": 3}}


def test_times_of_day_match_the_schema_both_ways(token):
    period = factories.TimeSlotFactory(day=0, period=1)
    answer = call(token, "/api/timeslots/{id}/", path_parameters={"id": period.pk})
    assert answer.json()["start_time"] == "09:00:00"
    field = SCHEMA.raw_schema["components"]["schemas"]["TimeSlot"]["properties"]["start_time"]
    assert "format" not in field  # OpenAPI's "time" would demand an offset ("09:00:00Z")
    created = call(
        token,
        "/api/timeslots/",
        "POST",
        body={"day": 1, "period": 2, "start_time": "9:00", "end_time": "09:50:00"},
        media_type="application/json",
    )
    assert created.status_code == 201
    refused = call(
        token,
        "/api/timeslots/",
        "POST",
        body={"day": 2, "period": 2, "start_time": "09:00+05:30", "end_time": "0950"},
        media_type="application/json",
    )
    assert refused.status_code == 400
    assert set(refused.json()) == {"start_time", "end_time"}


def test_the_json_export_is_the_documented_list_of_sessions(token):
    slot = factories.TimetableSlotFactory(period=1)
    factories.TimeSlotFactory(day=0, period=1)
    answer = call(
        token,
        "/api/generation-jobs/{id}/export/",
        path_parameters={"id": slot.job_id},
        query={"format": "json"},
    )
    assert answer.status_code == 200
    [row] = answer.json()
    assert (row["day"], row["period"], row["start"]) == ("MON", 1, "09:00")


def test_an_invalid_upload_form_is_a_400_with_a_detail(token):
    answer = call(
        token,
        "/api/imports/",
        "POST",
        body={"update": "maybe", "departments": b"code,name\nCSE,CS\n"},
        media_type="multipart/form-data",
    )
    assert answer.status_code == 400
    body = answer.json()
    assert "nothing was imported" in body["detail"]
    assert body["errors"] == ["update: Must be a valid boolean."]


def test_a_page_past_the_last_is_a_documented_404(token):
    factories.DepartmentFactory()
    answer = call(token, "/api/departments/", query={"page": 2})
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Invalid page."}
    [page_size] = [
        p for p in operation("/api/departments/", "GET")["parameters"] if p["name"] == "page_size"
    ]
    # any whole number from 1 is accepted; more than 200 rows are never returned (a cap)
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 2**63 - 1)
    assert "at most 200" in page_size["description"]


def test_marking_attendance_documents_its_own_inputs_and_an_unknown_slot(token):
    create = operation("/api/attendance/", "POST")
    assert not [p for p in create.get("parameters", []) if p["in"] == "query"]
    answer = call(
        token,
        "/api/attendance/",
        "POST",
        body={
            "slot": 987654,
            "date": "2026-03-02",
            "entries": [{"student": 1, "status": "present"}],
        },
        media_type="application/json",
    )
    assert answer.status_code == 404
    assert "does not exist" in answer.json()["detail"]


def test_marking_attendance_answers_the_documented_plain_list(token, published_slot):
    student = published_slot.batch.students.get()
    answer = call(
        token,
        "/api/attendance/",
        "POST",
        body={
            "slot": published_slot.pk,
            "date": "2026-03-02",
            "entries": [{"student": student.pk, "status": "present"}],
        },
        media_type="application/json",
    )
    assert answer.status_code == 201
    assert [row["status"] for row in answer.json()] == ["present"]


def test_every_operation_documents_the_errors_it_can_give():
    for path, operations in SCHEMA.raw_schema["paths"].items():
        for method, spec in operations.items():
            codes = set(spec["responses"])
            label = f"{method.upper()} {path}"
            assert "429" in codes, label  # every operation is throttled
            if path != "/api/auth/token/":
                assert {"401", "403"} <= codes, label
            if "{" in path:
                assert "404" in codes, label
            if "requestBody" in spec:
                assert "400" in codes, label


def test_an_anonymous_request_gets_the_documented_401():
    case = SCHEMA["/api/departments/"]["GET"].Case()
    answer = case.call_and_validate()
    assert answer.status_code == 401
    assert "detail" in answer.json()


def test_a_students_timetable_and_an_options_export_row_match_the_schema(token):
    option = factories.BasketOptionFactory()
    student = factories.EnrollmentFactory(option=option).student
    slot = factories.TimetableSlotFactory(offering=option.offerings.get(), day=0, period=1)
    factories.TimeSlotFactory(day=0, period=1)
    mine = call(token, "/api/timetable-slots/mine/", query={"student": student.roll_number})
    [row] = mine.json()["results"]
    assert (row["id"], row["basket"]) == (slot.pk, option.basket.code)
    assert call(token, "/api/timetable-slots/mine/").json()["count"] == 0  # not a student
    missing = call(token, "/api/timetable-slots/mine/", query={"student": "NOPE"})
    assert missing.status_code == 404
    export = call(
        token,
        "/api/generation-jobs/{id}/export/",
        path_parameters={"id": slot.job_id},
        query={"format": "json"},
    )
    assert [r["basket"] for r in export.json()] == [option.basket.code]
    chosen = call(token, "/api/enrollments/").json()["results"]
    assert chosen == [
        {
            "id": chosen[0]["id"],
            "student": student.roll_number,
            "basket": option.basket.code,
            "subject": option.subject.code,
        }
    ]
