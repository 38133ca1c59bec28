"""One line per request in logs/django.log; nothing secret in it."""

from __future__ import annotations

import logging

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def request_lines():
    """Capture what the request logger writes, through its real handlers' formatter."""
    records: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(self.format(record))

    handler = Capture()
    logger = logging.getLogger("sih28.requests")
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


def test_one_line_per_request_with_ids_and_no_secrets(api_client, request_lines):
    user = factories.UserFactory(username="ops", role="staff")
    response = api_client.post(
        "/api/auth/token/?password=pass-word-123",
        {"username": "ops", "password": "pass-word-123"},
        format="json",
        HTTP_X_REQUEST_ID="req-abc-123",
        HTTP_COOKIE="sessionid=cookie-secret",
    )
    token = response.json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = api_client.get("/api/departments/?search=x")
    assert len(request_lines) == 2
    login, listing = request_lines
    assert "method=POST path=/api/auth/token/ status=200" in login
    assert "request_id=req-abc-123" in login
    assert f"user_id={user.pk}" in listing
    assert "duration_ms=" in listing
    assert response["X-Request-ID"] in listing
    for secret in ["pass-word-123", token, "cookie-secret", "search=x"]:
        assert secret not in login + listing


def test_invalid_request_ids_are_replaced(client, request_lines):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id with spaces\nand a newline")
    assert " " not in response["X-Request-ID"]
    assert len(response["X-Request-ID"]) == 32
    assert "newline" not in request_lines[0]


def test_request_log_file_handler_is_rotating_under_log_dir(settings):
    import logging
    from logging.handlers import RotatingFileHandler

    config = settings.LOGGING["handlers"]["file"]
    assert config["filename"].endswith("django.log")
    [handler] = [
        h
        for h in logging.getLogger("sih28.requests").handlers
        if isinstance(h, RotatingFileHandler)
    ]
    assert handler.baseFilename == config["filename"]
    assert handler.maxBytes > 0 and handler.backupCount > 0
