"""The log disk full: requests are still served, stderr gets one line (not a traceback per
record), and writing resumes when there is room again.

"Full" is the kernel's own answer: ``django.log`` is a symlink to ``/dev/full``, where every
write fails with ENOSPC. Making room is pointing the link at a regular file again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings

from sih28.logs import DiskFullTolerantHandler, OneLineFormatter, rotating_file_handler

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)"),
]


@pytest.fixture
def full_log(tmp_path) -> Iterator[tuple[Path, DiskFullTolerantHandler]]:
    path = tmp_path / "django.log"
    path.symlink_to("/dev/full")
    handler = rotating_file_handler(filename=str(path), maxBytes=1_000_000, backupCount=1)
    assert isinstance(handler, DiskFullTolerantHandler)
    handler.setFormatter(OneLineFormatter(settings.LOGGING["formatters"]["line"]["format"]))
    logger = logging.getLogger("sih28.requests")
    logger.addHandler(handler)
    yield path, handler
    logger.removeHandler(handler)
    handler.close()


def _make_room(path: Path) -> None:
    path.unlink()
    path.write_text("")


def test_requests_are_served_while_the_log_disk_is_full(client, full_log, capsys):
    path, handler = full_log
    for _ in range(20):
        assert client.get("/healthz").status_code == 200
    err = capsys.readouterr().err
    # before: "--- Logging error ---" and a traceback on stderr for every request
    assert "Logging error" not in err and "Traceback" not in err
    notices = [line for line in err.splitlines() if line.startswith("sih28.logs:")]
    assert len(notices) == 1
    assert "cannot be written (No space left on device)" in notices[0]
    assert handler.dropped == 20


def test_writing_resumes_when_there_is_room_again(client, full_log, capsys):
    path, handler = full_log
    client.get("/healthz")
    _make_room(path)
    client.get("/healthz")  # within the retry period: dropped without trying
    assert path.read_text() == ""
    handler.retry_at = 0.0  # the retry period is over
    client.get("/api/rooms/")
    lines = path.read_text().splitlines()
    assert len(lines) == 1 and "path=/api/rooms/ status=401" in lines[0]
    err = capsys.readouterr().err
    assert "writable again; 2 records were dropped meanwhile" in err
