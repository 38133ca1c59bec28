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
from logging.handlers import RotatingFileHandler
from pathlib import Path
from typing import Any

#: The logger of the one-line-per-request records (``sih28.middleware``).
REQUEST_LOGGER = "sih28.requests"


def rotating_file_handler(*, filename: str, **options: Any) -> RotatingFileHandler:
    """A UTF-8 ``RotatingFileHandler`` for ``filename``, creating its folder first.

    ``logging.config.dictConfig`` calls this (the ``"()"`` factory key) when logging is
    configured, so reading the settings creates nothing on disk."""
    Path(filename).parent.mkdir(parents=True, exist_ok=True)
    return RotatingFileHandler(filename, encoding="utf-8", **options)


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
