"""Cells: how the text of one CSV cell becomes a value, or a ``CellError`` saying why not.

Pure functions, no database. ``kinds`` builds each column's parser from these.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator

from academics import limits

#: A default that depends on the rest of the row or on the time grid (see ``validation``).
DEFERRED: Any = type("Deferred", (), {"__repr__": lambda self: "DEFERRED"})()

DAYS: tuple[str, ...] = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
DAY_INDEX: dict[str, int] = {name: i for i, name in enumerate(DAYS)}


class CellError(ValueError):
    """A cell's text is not a valid value; the message completes ``column: ...``."""


def show(value: str, limit: int = 40) -> str:
    """A cell quoted for a message, shortened when long."""
    if len(value) > limit:
        value = value[: limit - 1] + "…"
    return '"' + value.replace('"', '\\"') + '"'


def text(max_length: int) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"longer than {max_length} characters ({len(value)})")
        return value

    return parse


_CODE = re.compile(limits.CODE_PATTERN)


def code(max_length: int) -> Callable[[str], str]:
    """A code or key (it names a record in URLs): kept exactly as written, trimmed, and
    made only of the characters ``academics.limits.CODE_PATTERN`` allows."""
    length = text(max_length)

    def parse(value: str) -> str:
        length(value)
        if not _CODE.fullmatch(value):
            raise CellError(
                "use only letters, digits, '.', '_' and '-', starting with a letter or digit, "
                f"not {show(value)}"
            )
        return value

    return parse


def integer(low: int, high: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        if not (value.isascii() and value.isdigit()):
            raise CellError(f"must be a whole number >= {low}, not {show(value)}")
        if len(value.lstrip("0")) > len(str(high)):  # int() refuses over 4,300 digits
            raise CellError(f"must be at most {high}, not {show(value)}")
        number = int(value)
        if number < low:
            raise CellError(f"must be a whole number >= {low}, not {show(value)}")
        if number > high:
            raise CellError(f"must be at most {high}, not {show(value)}")
        return number

    return parse


def choice(values: Iterable[str]) -> Callable[[str], str]:
    allowed = tuple(values)
    allowed_set = frozenset(allowed)

    def parse(value: str) -> str:
        folded = value.lower()
        if folded not in allowed_set:
            raise CellError(f"must be one of {', '.join(allowed)}, not {show(value)}")
        return folded

    return parse


def day(value: str) -> int:
    index = DAY_INDEX.get(value.upper())
    if index is None:
        raise CellError(f"must be one of {' '.join(DAYS)}, not {show(value)}")
    return index


_TIME = re.compile(r"(\d{1,2}):(\d{2})")


def hhmm(value: str) -> dt.time:
    match = _TIME.fullmatch(value)
    if match:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise CellError(f"must be a time HH:MM (24 h), not {show(value)}")


# Plain addresses (the vast majority) are accepted by this without Django's slower
# validator; it matches a strict subset of what ``EmailValidator`` accepts.
_PLAIN_EMAIL = re.compile(
    r"[A-Za-z0-9_+-]+(?:\.[A-Za-z0-9_+-]+)*@"
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}"
)


def email(max_length: int) -> Callable[[str], str]:
    validator = EmailValidator()
    plain = _PLAIN_EMAIL.fullmatch

    def parse(value: str) -> str:
        if len(value) > max_length:
            raise CellError(f"longer than {max_length} characters ({len(value)})")
        if plain(value):
            return value
        try:
            validator(value)
        except ValidationError:
            raise CellError(f"not a valid email address: {show(value)}") from None
        return value

    return parse


def tags(max_length: int) -> Callable[[str], str]:
    """``;``-separated tags (a room's features, what a subject needs from its room), stored
    normalised: lower case, sorted, each once (``academics.limits.tags_normalise``)."""
    length = text(max_length)
    pattern = re.compile(limits.TAG_PATTERN)

    def parse(value: str) -> str:
        normal = limits.tags_normalise(value)
        bad = [tag for tag in limits.tags_of(normal) if not pattern.fullmatch(tag)]
        if bad:
            raise CellError(
                f"{show(sorted(bad)[0])} is not a tag; use ';'-separated tags of letters, "
                "digits, '_' and '-' (computers;projector)"
            )
        return length(normal)

    return parse


def periods(max_length: int) -> Callable[[str], str]:
    """A shift's periods as ranges (``1-5`` or ``1-3;6-8``), stored in their shortest form
    (``1-3;4-5`` becomes ``1-5``)."""
    length = text(max_length)

    def parse(value: str) -> str:
        length(value)
        try:
            numbers = sorted(limits.periods_parse(value))
        except ValueError as exc:
            raise CellError(f"{exc} (write ranges like 1-5 or 1-3;6-8)") from None
        runs: list[list[int]] = []
        for number in numbers:
            if runs and runs[-1][1] == number - 1:
                runs[-1][1] = number
            else:
                runs.append([number, number])
        return length(";".join(f"{a}-{b}" if a != b else str(a) for a, b in runs))

    return parse


def codes(max_length: int) -> Callable[[str], tuple[str, ...]]:
    """``;``-separated codes (a basket's batches): a sorted tuple, each code once."""
    one = code(max_length)

    def parse(value: str) -> tuple[str, ...]:
        parts = {part.strip() for part in value.split(";")}
        parts.discard("")
        if not parts:
            raise CellError("name at least one code")
        return tuple(sorted(one(part) for part in parts))

    return parse
