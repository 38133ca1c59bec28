"""The published OpenAPI schema tells the truth: schemathesis fuzzes every operation in-process.

For each operation of the schema, schemathesis sends schema-valid and schema-invalid
requests (its examples, coverage and fuzzing phases) through the WSGI application, as an
admin (every operation) and as a student (every read), and runs all its checks on every
answer: no 5xx; status code, content type, headers and body as documented; invalid input
rejected; valid input not rejected for its shape. A fixed seed and a bounded number of
examples (``tests.openapi``) keep the run reproducible and about a minute long (about
5,700 requests).

Generation requests must not start solves: the fuzz queues generation tasks on a queue no
worker reads (an in-memory one in embedded mode, purged afterwards), so
``POST /api/generation-jobs/`` answers at once, as it does with a real broker.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import HealthCheck, seed, settings
from knox.models import AuthToken

from sih28.celery import app as celery_app
from tests import factories
from tests.openapi import MAX_EXAMPLES, SCHEMA, SEED, auth, sample_metrics


@pytest.fixture
def small_world(transactional_db):
    """One of each record, so that lists and details return real rows to check: a completed
    job of the whole institution (no department, batch or creator) with its metrics, its
    slot, an attendance record, a period of the grid and a faculty unavailability."""
    job = factories.GenerationJobFactory(
        status="COMPLETED",
        metrics=sample_metrics(),
        term_start=dt.date(2026, 1, 5),
        term_end=dt.date(2026, 5, 29),
    )
    slot = factories.TimetableSlotFactory(job=job)
    factories.AttendanceFactory(slot=slot, student__batch=slot.batch)
    factories.TimeSlotFactory(day=0, period=1)
    factories.FacultyUnavailabilityFactory(faculty=slot.faculty)
    return slot


@pytest.fixture
def unread_queue():
    """Generation tasks are queued, never run: embedded mode's in-process execution is
    switched off (the broker is then the in-memory one); whatever was queued is purged."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager
    celery_app.control.purge()


def _token(role: str, small_world) -> str:
    user = factories.UserFactory(role=role, username=f"fuzz-{role}")
    if role == "student":
        factories.StudentFactory(user=user, batch=small_world.batch)
    return AuthToken.objects.create(user=user)[1]


@pytest.fixture
def admin_token(small_world, unread_queue) -> str:
    return _token("admin", small_world)


@pytest.fixture
def student_token(small_world, unread_queue) -> str:
    return _token("student", small_world)


FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.mark.slow
@SCHEMA.parametrize()
@seed(SEED)
@FUZZ
def test_every_operation_answers_an_admin_as_its_schema_says(case, admin_token):
    case.call_and_validate(headers=auth(admin_token))


@pytest.mark.slow
@SCHEMA.include(method="GET").parametrize()
@seed(SEED)
@FUZZ
def test_every_read_answers_a_student_as_its_schema_says(case, student_token):
    """Students read only part of each list; what they get must still be what the schema
    says (their writes are all refused by role before any input is read)."""
    case.call_and_validate(headers=auth(student_token))
