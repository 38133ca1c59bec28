"""Every way to try a password (the token endpoint, the timetable sign-in page, the admin
sign-in page) meets one per-address limit: 429 after THROTTLE_AUTH (10/minute) attempts."""

from __future__ import annotations

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.throttling import SimpleRateThrottle

from tests import factories

pytestmark = pytest.mark.django_db

SIGN_INS = {
    "/api/auth/token/": {"format": "json"},
    "/timetable/login/": {},
    "/admin/login/": {},
}


@pytest.fixture(autouse=True)
def _mid_window(monkeypatch, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed
    # Mid-window, so the fixed window cannot roll over between the requests.
    monkeypatch.setattr(SimpleRateThrottle, "timer", staticmethod(lambda: 60 * 29_000_000 + 30.0))


def _guess(client, url: str, i: int) -> int:
    return client.post(
        url, {"username": "ops", "password": f"guess{i}"}, **SIGN_INS[url]
    ).status_code


@pytest.mark.parametrize("url", list(SIGN_INS))
def test_password_guessing_gets_429(url, client):
    factories.UserFactory(username="ops", role="admin", is_staff=True)
    codes = [_guess(client, url, i) for i in range(11)]
    assert 429 not in codes[:10], codes
    assert codes[10] == 429
    response = client.post(url, {"username": "ops", "password": "pass-word-123"}, **SIGN_INS[url])
    assert response.status_code == 429  # even the right password, until the window passes
    assert int(response["Retry-After"]) > 0


def test_the_sign_in_pages_still_render_when_throttled(client):
    for i in range(12):
        _guess(client, "/timetable/login/", i)
    assert client.get("/timetable/login/").status_code == 200  # reading the form costs nothing


def test_the_three_share_one_counter(client):
    urls = list(SIGN_INS) * 4
    codes = [_guess(client, url, i) for i, url in enumerate(urls[:11])]
    assert codes[-1] == 429


def test_another_address_is_not_blocked(client):
    for i in range(11):
        _guess(client, "/timetable/login/", i)
    other = client.post(
        "/timetable/login/", {"username": "ops", "password": "x"}, REMOTE_ADDR="198.51.100.7"
    )
    assert other.status_code == 200  # the form again, with its error


def _login_urls(resolver: URLResolver, prefix: str = "") -> list[str]:
    found = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += _login_urls(pattern, route)
        elif isinstance(pattern, URLPattern) and any(
            word in (pattern.name or "") + route for word in ("login", "auth/token")
        ):
            found.append("/" + route.lstrip("^").rstrip("$"))
    return found


def test_every_sign_in_route_is_covered_here():
    """A new password-accepting route must join SIGN_INS (and get the throttle)."""
    assert set(_login_urls(get_resolver())) == set(SIGN_INS)
