"""A revoked token or a deactivated user is refused on the very next request, however the
change was made and whichever server answers; a password change and logout revoke tokens;
tokens expire and are stored only as hashes."""

from __future__ import annotations

import datetime as dt
import importlib
import io
import urllib.error
import urllib.request
from types import SimpleNamespace
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from academics.models import User


def _deactivate_in_bulk(user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=False)


def _deactivate_by_save(user: User) -> None:
    user.is_active = False
    user.save()


def _delete_token_in_bulk(user: User) -> None:
    AuthToken.objects.filter(user=user).delete()


def _delete_token_with_sql(user: User) -> None:
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM knox_authtoken WHERE user_id = %s", [user.pk])


def _change_password(user: User) -> None:
    user.set_password("a-new-pass-word-456")
    user.save()


def _change_password_with_the_command(user: User) -> None:
    with mock.patch("getpass.getpass", return_value="a-new-pass-word-456"):  # the prompts
        call_command("changepassword", user.username, stdout=io.StringIO())


REVOCATIONS = [
    _deactivate_in_bulk,
    _deactivate_by_save,
    _delete_token_in_bulk,
    _delete_token_with_sql,
    _change_password,
    _change_password_with_the_command,
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
    _, token = AuthToken.objects.create(user=staff_user)
    url = f"{live_server.url}/api/departments/"
    assert _get(url, token) == 200
    assert _get(url, token) == 200
    revoke(staff_user)
    assert _get(url, token) == 401


@pytest.mark.django_db
def test_a_password_change_in_the_admin_revokes_tokens(client, admin_user, staff_user):
    _, token = AuthToken.objects.create(user=staff_user)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api.get("/api/departments/").status_code == 200
    admin_user.is_staff = True
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    response = client.post(
        f"/admin/academics/user/{staff_user.pk}/password/",
        {"password1": "a-new-pass-word-456", "password2": "a-new-pass-word-456"},
    )
    assert response.status_code == 302, response.content[:500]
    assert api.get("/api/departments/").status_code == 401


@pytest.mark.django_db
def test_login_logout_and_logout_all(api_client, staff_user):
    def login() -> str:
        response = api_client.post(
            "/api/auth/token/",
            {"username": staff_user.username, "password": "pass-word-123"},
            format="json",
        )
        assert response.status_code == 200
        return response.json()["token"]

    first, second, third = login(), login(), login()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    assert api_client.post("/api/auth/logout/").status_code == 204
    assert api_client.get("/api/departments/").status_code == 401  # that token only
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert api_client.get("/api/departments/").status_code == 200
    assert api_client.post("/api/auth/logout-all/").status_code == 204
    for token in (second, third):
        api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert api_client.get("/api/departments/").status_code == 401


@pytest.mark.django_db
def test_tokens_are_stored_hashed_and_expire(api_client, staff_user, settings):
    response = api_client.post(
        "/api/auth/token/",
        {"username": staff_user.username, "password": "pass-word-123"},
        format="json",
    )
    token = response.json()["token"]
    stored = AuthToken.objects.get(user=staff_user)
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM knox_authtoken")
        assert not any(token in str(cell) for row in cursor.fetchall() for cell in row)
    ttl = settings.REST_KNOX["TOKEN_TTL"]
    assert abs(stored.expiry - (timezone.now() + ttl)) < dt.timedelta(minutes=1)
    assert response.json()["expiry"]

    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert api_client.get("/api/departments/").status_code == 200
    AuthToken.objects.filter(pk=stored.pk).update(expiry=timezone.now() - dt.timedelta(seconds=1))
    assert api_client.get("/api/departments/").status_code == 401


@pytest.mark.django_db
def test_the_migration_hashes_plain_text_tokens_and_keeps_them_working(api_client, staff_user):
    """A database from before: DRF's table with a plain-text key. After the migration the
    same key still signs in, and no plain-text key is left."""
    migration = importlib.import_module("sih28.migrations.0001_api_tokens_hashed")
    old_key = "0123456789abcdef0123456789abcdef01234567"
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE authtoken_token (key varchar(40) PRIMARY KEY, created timestamp, "
            "user_id bigint NOT NULL)"
        )
        cursor.execute(
            "INSERT INTO authtoken_token (key, created, user_id) VALUES (%s, %s, %s)",
            [old_key, timezone.now(), staff_user.pk],
        )
    try:
        migration.hash_old_tokens(django_apps, SimpleNamespace(connection=connection))
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM authtoken_token")
            assert cursor.fetchone()[0] == 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE authtoken_token")
    stored = AuthToken.objects.get(user=staff_user)
    assert stored.digest != old_key and stored.expiry is not None
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {old_key}")
    assert api_client.get("/api/departments/").status_code == 200
