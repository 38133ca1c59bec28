"""The database unreachable: every request answers 503 with Retry-After at once, as JSON,
never a 500 with a traceback; a query the database refuses is still a 500.

The drill in ``tests/e2e/test_fault_drills.py`` restarts a real PostgreSQL; here every
query of the test's connection fails the way a refused connection does."""

from __future__ import annotations

import logging

import pytest
from django.db import InterfaceError, OperationalError, connection
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests import factories

pytestmark = pytest.mark.django_db


REFUSED = OperationalError('connection to server at "127.0.0.1", port 5432 failed')
CLOSED = InterfaceError("connection already closed")  # not a DatabaseError subclass


@pytest.fixture
def database_down(monkeypatch):
    def down(error: Exception = REFUSED) -> None:
        def refuse(*args, **kwargs):
            raise error

        monkeypatch.setattr(connection, "cursor", refuse)
        monkeypatch.setattr(connection, "is_usable", lambda: False)

    return down


@pytest.mark.parametrize("error", [REFUSED, CLOSED], ids=["refused", "closed"])
def test_api_requests_answer_503_while_the_database_is_unreachable(database_down, caplog, error):
    user = factories.UserFactory(role="staff")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    database_down(error)
    with caplog.at_level(logging.WARNING):
        responses = [client.get("/api/rooms/") for _ in range(5)]
    for response in responses:
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response.json() == {
            "detail": "The database is unreachable at the moment; try again in a few seconds."
        }
    warnings = [r for r in caplog.records if "database unreachable" in r.getMessage()]
    assert len(warnings) <= 1  # now and then, not per request
    assert not [r for r in caplog.records if r.exc_info]  # no tracebacks
    assert not [r for r in caplog.records if r.name == "django.request"]  # no ERROR each


def test_pages_answer_503_while_the_database_is_unreachable(client, database_down):
    client.force_login(factories.UserFactory(role="student"))
    database_down()
    response = client.get("/timetable/")
    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]


def test_a_query_the_database_refuses_is_not_taken_for_an_outage(monkeypatch):
    """SQLite's "database is locked" or a refused query: the connection is fine, so this
    stays a 500 (with its traceback logged), not a misleading 503."""
    from academics import api

    def broken(self, request, *args, **kwargs):
        raise OperationalError("expression tree is too large")

    monkeypatch.setattr(api.RoomViewSet, "list", broken)
    user = factories.UserFactory(role="staff")
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user=user)[1]}")
    response = client.get("/api/rooms/")
    assert response.status_code == 500
