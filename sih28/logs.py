"""Log handlers and filters named by ``settings.LOGGING``.

``django.log`` is written by one rotating handler (two handlers rotating one file lose
lines when both roll it over); which records reach it is the filter's business.
"""

from __future__ import annotations

import logging
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


class RequestLinesOrWarnings(logging.Filter):
    """Pass the request lines at any level, and any other record at WARNING or above."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.name == REQUEST_LOGGER or record.levelno >= logging.WARNING
