"""The editing answers as the published schema describes them (status, body, headers)."""

from __future__ import annotations

import pytest
from knox.models import AuthToken

from tests.openapi import SCHEMA, auth
from tests.timetabling.test_editing import draft  # noqa: F401 - the fixture
from timetabling.models import GenerationJob, TimetableSlot

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def token(admin_user) -> str:
    return AuthToken.objects.create(user=admin_user)[1]


def call(token: str, path: str, method: str = "GET", **parts):
    case = SCHEMA[path][method].Case(headers=auth(token), **parts)
    return case.call_and_validate()


def test_moves_options_pins_and_changes_match_the_schema(token, draft):  # noqa: F811
    job, slots = draft
    moves = "/api/generation-jobs/{id}/moves/"
    body = {"slot": slots["cs301"].pk, "day": "MON", "period": 1, "dry_run": True}
    dry = call(
        token,
        moves,
        "POST",
        path_parameters={"id": job.pk},
        body=body,
        media_type="application/json",
    )
    assert dry.status_code == 200 and dry.json()["violations"]
    refused = call(
        token,
        moves,
        "POST",
        path_parameters={"id": job.pk},
        body={**body, "dry_run": False},
        media_type="application/json",
    )
    assert refused.status_code == 409 and refused.json()["violations"]
    options = call(
        token,
        "/api/timetable-slots/{id}/options/",
        path_parameters={"id": slots["cs301"].pk},
        query={"limit": 5},
    )
    assert len(options.json()["options"]) == 5
    pinned = call(
        token, "/api/timetable-slots/{id}/pin/", "POST", path_parameters={"id": slots["cs301"].pk}
    )
    assert pinned.json()[0]["pinned"] is True
    GenerationJob.objects.filter(pk=job.pk).update(published_at="2026-01-05T09:00:00Z")
    TimetableSlot.objects.filter(job=job).update(active=True)
    made = call(
        token,
        moves,
        "POST",
        path_parameters={"id": job.pk},
        body={"slot": slots["cs301"].pk, "day": "TUE", "period": 4},
        media_type="application/json",
    )
    assert made.status_code == 201
    changes = call(
        token, "/api/generation-jobs/{id}/changes/", path_parameters={"id": made.json()["job"]}
    )
    assert len(changes.json()["time_moves"]) == 1
    conflict = call(
        token, "/api/timetable-slots/{id}/unpin/", "POST", path_parameters={"id": slots["cs301"].pk}
    )
    assert conflict.status_code == 409
