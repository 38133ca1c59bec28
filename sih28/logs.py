"""Log handlers, filters and the formatter named by ``settings.LOGGING``.

``django.log`` is written by one rotating handler (two handlers rotating one file lose
lines when both roll it over); which records reach it is the filter's business.

Every line that starts at the left margin starts a record: :class:`OneLineFormatter`
escapes every control character in a record's message (a path with ``%0A`` or ``%00``
cannot forge a line or write a NUL), and indents the lines of a traceback. It is the one
place that makes log lines safe, for every logger and both handlers.
"""

from __future__ import annotations

import logging
import re
import sys
import time
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

#: The logger of the one-line-per-request records (``sih28.middleware``).
REQUEST_LOGGER = "sih28.requests"


def rotating_file_handler(*, filename: str, **options: Any) -> RotatingFileHandler:
    """A UTF-8 :class:`DiskFullTolerantHandler` for ``filename``, creating its folder first.

    ``logging.config.dictConfig`` calls this (the ``"()"`` factory key) when logging is
    configured, so reading the settings creates nothing on disk."""
    Path(filename).parent.mkdir(parents=True, exist_ok=True)
    return DiskFullTolerantHandler(filename, encoding="utf-8", **options)


class DiskFullTolerantHandler(RotatingFileHandler):
    """A ``RotatingFileHandler`` that survives a full (or read-only, or failing) disk.

    logging's own answer to a write error is a traceback on stderr for every record. Here
    a record that cannot be written (any ``OSError``: ``ENOSPC``, a quota, ``EROFS``,
    ``EIO``) is dropped, the file is closed, and nothing is tried for ``retry_s``; then the
    file is opened again. One line on stderr says so when it starts, once a minute while
    it lasts (with the count dropped) and when writing works again. Requests are served
    throughout: the request line is the only thing lost.
    """

    retry_s = 5.0
    notice_every_s = 60.0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.retry_at = 0.0
        self.dropped = 0
        self.failures = 0
        self.last_notice = 0.0

    def emit(self, record: logging.LogRecord) -> None:
        if time.monotonic() < self.retry_at:
            self.dropped += 1
            return
        failures = self.failures
        super().emit(record)
        if self.dropped and self.failures == failures:
            self._notice(f"writable again; {self.dropped} records were dropped meanwhile")
            self.dropped = 0
            self.last_notice = 0.0

    def handleError(self, record: logging.LogRecord) -> None:
        exc = sys.exc_info()[1]
        if not isinstance(exc, OSError):
            super().handleError(record)
            return
        self.failures += 1
        self.dropped += 1
        self.retry_at = time.monotonic() + self.retry_s
        stream, self.stream = self.stream, None  # type: ignore[assignment]
        if stream is not None:
            try:
                stream.close()  # flushing the rest fails too; the file is closed all the same
            except OSError:
                pass
        if time.monotonic() - self.last_notice >= self.notice_every_s:
            self.last_notice = time.monotonic()
            self._notice(
                f"cannot be written ({exc.strerror or exc}); {self.dropped} records dropped "
                f"so far, retrying every {self.retry_s:.0f} s"
            )

    def _notice(self, text: str) -> None:
        try:
            sys.stderr.write(f"sih28.logs: {self.baseFilename} {text}\n")
            sys.stderr.flush()
        except (OSError, ValueError):
            pass  # stderr is gone too: nothing left to tell


# Every C0 and C1 control character except tab (DEL included), the Unicode line and
# paragraph separators, and the bidirectional overrides that make a line read other than
# it is.
_UNSAFE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r"}
_INDENT = "  "  # traceback lines: never at the left margin, where records start


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_line(text: str) -> str:
    """``text`` with every control character written as an escape (``\\n``, ``\\x00``)."""
    return _UNSAFE.sub(_escaped, text)


def _indented(block: str) -> str:
    return "\n".join(_INDENT + escape_line(line) for line in block.split("\n"))


class OneLineFormatter(logging.Formatter):
    """A record is one line; a traceback or stack follows on indented lines."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = escape_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei: Any) -> str:
        return _indented(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _indented(super().formatStack(stack_info))


class RequestLinesOrWarnings(logging.Filter):
    """Pass the request lines at any level, and any other record at WARNING or above."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == REQUEST_LOGGER or record.levelno >= logging.WARNING


class NotServiceUnavailable(logging.Filter):
    """On ``django.request``: drop the "Service Unavailable: <path>" record Django writes
    for every 503. A 503 is a degraded mode the app chose (database or Redis unreachable),
    already warned about once a minute and on the request line; at ERROR per request it
    would flood the log and Sentry while an outage lasts. Errors with a traceback pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", None) != 503 or record.exc_info is not None
