"""A revoked token or a deactivated user is refused on the very next request, however the
change was made and whichever server answers."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest
from django.db import connection
from rest_framework.authtoken.models import Token

from academics.models import User


def _deactivate_in_bulk(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def _deactivate_by_save(user: User) -> None:
    user.is_active = False
    user.save()


def _delete_token_in_bulk(user: User) -> None:
    Token.objects.filter(user=user).delete()


def _delete_token_with_sql(user: User) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM authtoken_token WHERE user_id = %s", [user.pk])


REVOCATIONS = [
    _deactivate_in_bulk,
    _deactivate_by_save,
    _delete_token_in_bulk,
    _delete_token_with_sql,
]


@pytest.mark.django_db
@pytest.mark.parametrize("revoke", REVOCATIONS, ids=lambda f: f.__name__.strip("_"))
def test_next_request_is_refused(revoke, staff_user, staff_client):
    assert staff_client.get("/api/departments/").status_code == 200
    assert staff_client.get("/api/departments/").status_code == 200
    revoke(staff_user)
    assert staff_client.get("/api/departments/").status_code == 401


@pytest.mark.django_db
def test_role_change_in_bulk_takes_effect_at_once(staff_user, staff_client):
    assert (
        staff_client.post(
            "/api/departments/", {"code": "Y1", "name": "Y"}, format="json"
        ).status_code
        == 201
    )
    User.objects.filter(pk=staff_user.pk).update(role="student")
    assert (
        staff_client.post(
            "/api/departments/", {"code": "Y2", "name": "Y"}, format="json"
        ).status_code
        == 403
    )


def _get(url: str, token: str) -> int:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "revoke", [_deactivate_in_bulk, _delete_token_in_bulk], ids=lambda f: f.__name__.strip("_")
)
def test_a_second_server_refuses_at_once(revoke, live_server, staff_user):
    """The live server answers from its own thread and database connection (and, when the
    suite runs with ``REDIS_URL``, shares the Redis cache with this process)."""
    token = Token.objects.create(user=staff_user).key
    url = f"{live_server.url}/api/departments/"
    assert _get(url, token) == 200
    assert _get(url, token) == 200
    revoke(staff_user)
    assert _get(url, token) == 401
