"""Shared fixtures: users of every role, authenticated API clients, a small institution."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.cache import cache
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-0123456789abcdef")


@pytest.fixture(autouse=True)
def _remedies_off(settings):
    """An infeasible job spends up to a minute on verified remedies (short solves); tests
    not about remedies switch that off, the ones about them set a budget."""
    settings.GENERATION_REMEDY_BUDGET_S = 0


@pytest.fixture(autouse=True)
def _clear_cache():
    """Throttle counters and cached values must not leak between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def _client_for(user) -> APIClient:
    client = APIClient()
    _, token = AuthToken.objects.create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def admin_user(db):
    return factories.UserFactory(role="admin", username="admin1")


@pytest.fixture
def staff_user(db):
    return factories.UserFactory(role="staff", username="staff1")


@pytest.fixture
def faculty_user(db):
    return factories.UserFactory(role="faculty", username="faculty1")


@pytest.fixture
def student_user(db):
    return factories.UserFactory(role="student", username="student1")


@pytest.fixture
def admin_client(admin_user) -> APIClient:
    return _client_for(admin_user)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    return _client_for(staff_user)


@pytest.fixture
def faculty_client(faculty_user) -> APIClient:
    return _client_for(faculty_user)


@pytest.fixture
def student_client(student_user) -> APIClient:
    return _client_for(student_user)


@pytest.fixture
def client_for():
    return _client_for


@pytest.fixture
def published_slot(db, faculty_user, student_user):
    """A published Monday slot taught by ``faculty_user`` to ``student_user``'s batch."""
    faculty = factories.FacultyFactory(user=faculty_user)
    student = factories.StudentFactory(user=student_user)
    offering = factories.OfferingFactory(batch=student.batch, faculty=faculty)
    job = factories.GenerationJobFactory(
        status="COMPLETED", term_start=dt.date(2026, 1, 5), term_end=dt.date(2026, 5, 29)
    )
    return factories.TimetableSlotFactory(job=job, offering=offering, day=0, period=1, active=True)


@pytest.fixture
def jobs_in_process():
    """Generation jobs run in this process (the console's: in a thread), as in the embedded
    mode, even when the suite runs with Redis (real Celery workers: ``tests/e2e``)."""
    from sih28.celery import app

    before = app.conf.task_always_eager
    app.conf.update(task_always_eager=True)
    yield
    app.conf.update(task_always_eager=before)
