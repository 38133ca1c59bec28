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
