"""Cached token lookups: no query once known, nothing secret cached, every change seen."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from sih28.authentication import token_cache_key

pytestmark = pytest.mark.django_db


def _auth_queries(client) -> tuple[int, int]:
    """(status, queries touching the token table) of one request."""
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/departments/")
    return response.status_code, sum("authtoken_token" in q["sql"] for q in ctx.captured_queries)


def test_second_request_does_not_query_the_token(staff_client):
    assert _auth_queries(staff_client) == (200, 1)
    assert _auth_queries(staff_client) == (200, 0)


def test_cache_holds_no_secret_or_personal_field(staff_user, staff_client):
    staff_client.get("/api/departments/")
    key = Token.objects.get(user=staff_user).key
    cached = cache.get(token_cache_key(key))
    assert cached == {"id": staff_user.pk, "role": "staff", "is_active": True,
                      "is_staff": staff_user.is_staff, "is_superuser": staff_user.is_superuser}
    assert key not in token_cache_key(key)
    assert staff_user.password not in repr(cached)


def test_cached_user_carries_role_for_permissions(student_client, staff_client):
    staff_client.get("/api/departments/")
    student_client.get("/api/departments/")
    # Both now come from the cache; roles still decide what they may do.
    assert _auth_queries(staff_client)[1] == _auth_queries(student_client)[1] == 0
    assert staff_client.post("/api/departments/", {"code": "X1", "name": "X"},
                             format="json").status_code == 201
    assert student_client.post("/api/departments/", {"code": "X2", "name": "X"},
                               format="json").status_code == 403


def test_deactivating_the_user_takes_effect_at_once(staff_user, staff_client):
    assert staff_client.get("/api/departments/").status_code == 200
    staff_user.is_active = False
    staff_user.save()
    assert staff_client.get("/api/departments/").status_code == 401


def test_role_change_takes_effect_at_once(staff_user, staff_client):
    assert staff_client.post("/api/departments/", {"code": "Y1", "name": "Y"},
                             format="json").status_code == 201
    staff_user.role = "student"
    staff_user.save(update_fields=["role"])
    assert staff_client.post("/api/departments/", {"code": "Y2", "name": "Y"},
                             format="json").status_code == 403


def test_deleted_token_is_refused_at_once(staff_user, staff_client):
    assert staff_client.get("/api/departments/").status_code == 200
    Token.objects.filter(user=staff_user).get().delete()
    assert staff_client.get("/api/departments/").status_code == 401


def test_deleted_user_is_refused_at_once(staff_user, staff_client):
    assert staff_client.get("/api/departments/").status_code == 200
    staff_user.delete()
    assert staff_client.get("/api/departments/").status_code == 401


def test_zero_seconds_turns_the_cache_off(settings, staff_client):
    settings.AUTH_TOKEN_CACHE_SECONDS = 0
    assert _auth_queries(staff_client) == (200, 1)
    assert _auth_queries(staff_client) == (200, 1)
