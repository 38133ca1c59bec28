"""The bounds the domain has: no institution needs more, and anything beyond them is a typo
or an attack (a period of 1,000,000,000 once made the time grid exhaust the memory).

The models carry these as validators and check constraints, so the API serializers, the
admin and the CSV importer (which read the models' validators) and the database refuse
the same values. ``docs/api.md`` ("Limits on input") lists them.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator

MAX_PERIODS_PER_DAY = 48  # half-hour periods round the clock
MAX_ROOM_CAPACITY = 10_000
MAX_BATCH_SIZE = 10_000
MAX_SEMESTER = 20
MAX_SESSIONS_PER_WEEK = 50
MAX_PERIODS_PER_SESSION = 12
MAX_DAYS_PER_WEEK = 7
MAX_HOURS_PER_WEEK = 168
MAX_HOURS_PER_DAY = 24

#: Codes and keys that name a record in a URL (batch, room, faculty, ...): letters, digits
#: and ``. _ -``, starting with a letter or digit. The page URLs accept exactly this.
CODE_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]*"

code_validator = RegexValidator(
    rf"\A{CODE_PATTERN}\Z",
    "Use only letters, digits, '.', '_' and '-', starting with a letter or digit.",
    code="invalid_code",
)


def between(low: int, high: int) -> list[MinValueValidator | MaxValueValidator]:
    return [MinValueValidator(low), MaxValueValidator(high)]


#: A tag of a room's features or of what a subject needs from its room (``computers``).
TAG_PATTERN = r"[a-z0-9][a-z0-9_-]*"

tags_validator = RegexValidator(
    rf"\A(?:{TAG_PATTERN}(?:;{TAG_PATTERN})*)?\Z",
    "Use ';'-separated tags of lower-case letters, digits, '_' and '-' (computers;projector).",
    code="invalid_tags",
)


def tags_normalise(text: str) -> str:
    """``" Computers ;projector;computers"`` -> ``"computers;projector"`` (sorted, unique)."""
    tags = {t.strip().lower() for t in text.split(";")}
    return ";".join(sorted(t for t in tags if t))


def tags_of(text: str) -> frozenset[str]:
    """The set of tags in a stored (normalised) tag string."""
    return frozenset(t for t in text.split(";") if t)


def periods_parse(text: str) -> frozenset[int]:
    """A shift's periods, ``"1-3;6-8"`` -> {1, 2, 3, 6, 7, 8} (1-based).

    Raises ValueError with a message for the user on anything else.
    """
    out: set[int] = set()
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        low, sep, high = part.partition("-")
        try:
            first = int(low)
            last = int(high) if sep else first
        except ValueError:
            raise ValueError(f"{part!r} is not a period or a range like 1-5") from None
        if not 1 <= first <= last <= MAX_PERIODS_PER_DAY:
            raise ValueError(
                f"{part!r}: periods run from 1 to {MAX_PERIODS_PER_DAY}, first before last"
            )
        out.update(range(first, last + 1))
    if not out:
        raise ValueError("name at least one period, like 1-5 or 1-3;6-8")
    return frozenset(out)
