"""Log injection: whatever a client sends, every record in django.log is one line, with no
NUL or other control character, and a request line's fields cannot be forged."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from sih28.logs import OneLineFormatter, escape_line, rotating_file_handler

pytestmark = pytest.mark.django_db

FORGED = "2026-12-03 09:00:00,000 INFO sih28.requests request method=GET path=/admin/ status=200"
# A record starts at the left margin with the time; anything else is a continuation.
RECORD_START = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} [A-Z]+ ")


@pytest.fixture
def django_log(tmp_path) -> Iterator[Path]:
    """A django.log written by the project's own handler factory and formatter (as
    configured in settings.LOGGING), attached to the root and request loggers."""
    path = tmp_path / "django.log"
    config = settings.LOGGING["formatters"]["line"]
    handler = rotating_file_handler(filename=str(path), maxBytes=1_000_000, backupCount=1)
    handler.setFormatter(OneLineFormatter(config["format"]))
    loggers = [logging.getLogger("sih28.requests"), logging.getLogger()]
    for logger in loggers:
        logger.addHandler(handler)
    yield path
    for logger in loggers:
        logger.removeHandler(handler)
    handler.close()


def test_the_configured_formatter_is_the_escaping_one():
    assert settings.LOGGING["formatters"]["line"]["class"] == "sih28.logs.OneLineFormatter"
    handlers = settings.LOGGING["handlers"]
    assert handlers["file"]["formatter"] == handlers["console"]["formatter"] == "line"


@pytest.mark.parametrize(
    "path",
    [
        "/api/x%0A" + FORGED.replace(" ", "%20"),  # a newline, then a convincing line
        "/api/x%0D%0A" + FORGED.replace(" ", "%20"),
        "/api/x%00y",  # a NUL
        "/api/x%E2%80%A8y",  # U+2028, a line separator to some readers
        "/api/x%1B%5B2Jy",  # a terminal escape sequence
    ],
)
def test_a_path_cannot_forge_a_line_or_write_a_control_character(client, django_log, path):
    client.get(path)
    text = django_log.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert len(lines) == 1, text
    assert RECORD_START.match(lines[0])
    assert not re.search(r"[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029]", text.rstrip("\n"))
    assert "status=404" in lines[0]


def test_a_path_cannot_add_a_field_to_the_request_line(client, django_log):
    client.get("/nowhere%20status=200%20user_id=1")
    [line] = django_log.read_text().splitlines()
    fields = dict(f.split("=", 1) for f in line.split(" request ", 1)[1].split(" "))
    assert fields["path"] == "/nowhere%20status=200%20user_id=1"
    assert fields["status"] == "404" and fields["user_id"] == "-"
    assert line.count(" status=") == 1


def test_a_request_id_with_a_trailing_newline_is_replaced(client, django_log):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="abc\n" + FORGED)
    assert response.status_code in (200, 503)
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])
    assert len(django_log.read_text().splitlines()) == 1


def test_an_exception_message_cannot_forge_a_line(django_log):
    try:
        raise ValueError("bad value\n" + FORGED + "\x00")
    except ValueError:
        logging.getLogger("timetabling.anything").exception("failed on %s", "x\ny")
    lines = django_log.read_text().splitlines()
    assert lines[0].endswith("ERROR timetabling.anything failed on x\\ny")
    assert [line for line in lines if RECORD_START.match(line)] == [lines[0]]
    assert all(line.startswith("  ") for line in lines[1:])  # the indented traceback
    assert "\x00" not in "".join(lines) and lines[-1].endswith("\\x00")


def test_escape_line_keeps_ordinary_text():
    text = "Job 7 (whole institution, Semester 3): ok\tdone; naïve café ✓"
    assert escape_line(text) == text
    assert escape_line("a\nb\rc\x00d\u202ee") == "a\\nb\\rc\\x00d\\u202ee"
