"""How classes are really placed: shifts, room closures, teachers' preferences and fixed
special classes. Room features and teacher limits are fields of ``core.Room``,
``core.Subject`` and ``core.Faculty``."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from academics import limits
from academics.limits import between, code_validator
from academics.models.core import Batch, Day, Faculty, Room, Subject


def _period_checks(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(
            condition=Q(period__gte=1, period__lte=limits.MAX_PERIODS_PER_DAY),
            name=f"{prefix}_period_range",
        ),
        models.CheckConstraint(condition=Q(day__lte=6), name=f"{prefix}_day_valid"),
    ]


class Shift(models.Model):
    """A shift (morning, evening): the periods of every day its batches may use."""

    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    # 1-based periods as ranges, "1-5" or "1-3;6-8"; read with ``limits.periods_parse``
    periods = models.CharField(max_length=200)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code

    def period_set(self) -> frozenset[int]:
        return limits.periods_parse(self.periods)


class RoomUnavailability(models.Model):
    """A period in which a room cannot be used (closed for maintenance, booked outside)."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="unavailability")
    day = models.PositiveSmallIntegerField(choices=Day.choices)
    period = models.PositiveSmallIntegerField(validators=between(1, limits.MAX_PERIODS_PER_DAY))

    class Meta:
        ordering = ["room_id", "day", "period"]
        verbose_name_plural = "room unavailability"
        constraints = [
            models.UniqueConstraint(
                fields=["room", "day", "period"], name="room_unavailability_unique"
            ),
            *_period_checks("room_unavailability"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id} {Day(self.day).label} P{self.period}"


class Preference(models.TextChoices):
    PREFER = "prefer", "Prefer"
    AVOID = "avoid", "Avoid"


class FacultyPreference(models.Model):
    """A teacher's soft wish for one period: teach then (prefer) or rather not (avoid)."""

    faculty = models.ForeignKey(Faculty, on_delete=models.CASCADE, related_name="preferences")
    day = models.PositiveSmallIntegerField(choices=Day.choices)
    period = models.PositiveSmallIntegerField(validators=between(1, limits.MAX_PERIODS_PER_DAY))
    preference = models.CharField(max_length=8, choices=Preference.choices)

    class Meta:
        ordering = ["faculty_id", "day", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["faculty", "day", "period"], name="faculty_preference_unique"
            ),
            models.CheckConstraint(
                condition=Q(preference__in=Preference.values), name="faculty_preference_valid"
            ),
            *_period_checks("faculty_preference"),
        ]

    def __str__(self) -> str:
        return f"{self.faculty_id} {Day(self.day).label} P{self.period} {self.preference}"


class FixedSession(models.Model):
    """One session of a class held exactly at (day, period), optionally in ``room``: a
    special class. It counts toward the subject's ``sessions_per_week``. For a combined
    class or a basket option, ``batch`` is any of its batches."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="fixed_sessions")
    subject = models.ForeignKey(Subject, on_delete=models.CASCADE, related_name="fixed_sessions")
    day = models.PositiveSmallIntegerField(choices=Day.choices)
    period = models.PositiveSmallIntegerField(validators=between(1, limits.MAX_PERIODS_PER_DAY))
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="fixed_sessions"
    )

    class Meta:
        ordering = ["batch_id", "subject_id", "day", "period"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "subject", "day", "period"], name="fixed_session_unique"
            ),
            *_period_checks("fixed_session"),
        ]

    def __str__(self) -> str:
        return f"{self.batch} · {self.subject} {Day(self.day).label} P{self.period}"
