"""How students are really grouped: elective baskets, their options and who chose which.

Lab and tutorial subgroups are batches with a ``parent`` (see ``core.Batch``).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q

from academics import limits
from academics.limits import between, code_validator
from academics.models.core import Batch, Faculty, Student, Subject


class Basket(models.Model):
    """An elective basket: its batches' students each choose one option; all its options
    meet at the same times, in parallel, and its batches are busy then."""

    code = models.CharField(max_length=32, unique=True, validators=[code_validator])
    name = models.CharField(max_length=200)
    batches = models.ManyToManyField(Batch, related_name="baskets")
    sessions_per_week = models.PositiveSmallIntegerField(
        validators=between(1, limits.MAX_SESSIONS_PER_WEEK)
    )
    periods_per_session = models.PositiveSmallIntegerField(
        default=1, validators=between(1, limits.MAX_PERIODS_PER_SESSION)
    )
    min_days = models.PositiveSmallIntegerField(
        default=0, validators=between(0, limits.MAX_DAYS_PER_WEEK)
    )

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    sessions_per_week__gte=1, sessions_per_week__lte=limits.MAX_SESSIONS_PER_WEEK
                ),
                name="basket_sessions_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    periods_per_session__gte=1,
                    periods_per_session__lte=limits.MAX_PERIODS_PER_SESSION,
                ),
                name="basket_periods_range",
            ),
            models.CheckConstraint(
                condition=Q(min_days__lte=F("sessions_per_week")),
                name="basket_min_days_le_sessions",
            ),
        ]

    def __str__(self) -> str:
        return self.code


class BasketOption(models.Model):
    """One option of a basket: a subject taught by one teacher, in a room that holds the
    students enrolled in it. It owns one ``Offering`` per batch of its basket (their
    ``basket_option``), so timetable slots, exports and workload treat it like any class."""

    basket = models.ForeignKey(Basket, on_delete=models.CASCADE, related_name="options")
    subject = models.ForeignKey(Subject, on_delete=models.PROTECT, related_name="basket_options")
    faculty = models.ForeignKey(Faculty, on_delete=models.PROTECT, related_name="basket_options")

    class Meta:
        ordering = ["basket_id", "subject_id"]
        constraints = [
            models.UniqueConstraint(fields=["basket", "subject"], name="basket_option_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.basket} · {self.subject}"


class Enrollment(models.Model):
    """The option a student chose in a basket (one per student and basket)."""

    student = models.ForeignKey(Student, on_delete=models.CASCADE, related_name="enrollments")
    basket = models.ForeignKey(Basket, on_delete=models.CASCADE, related_name="enrollments")
    option = models.ForeignKey(BasketOption, on_delete=models.CASCADE, related_name="enrollments")

    class Meta:
        ordering = ["basket_id", "student_id"]
        constraints = [
            models.UniqueConstraint(fields=["student", "basket"], name="enrollment_unique"),
        ]
        indexes = [models.Index(fields=["option"])]

    def __str__(self) -> str:
        return f"{self.student} · {self.option}"
