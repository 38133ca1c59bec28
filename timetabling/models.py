"""Generation jobs, the timetables they produce (their slots) and attendance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from academics import limits
from academics.limits import between
from academics.models import Batch, Day, Department, Faculty, Offering, Room, Student


class JobStatus(models.TextChoices):
    PENDING = "PENDING", "Pending"
    RUNNING = "RUNNING", "Running"
    COMPLETED = "COMPLETED", "Completed"
    FAILED = "FAILED", "Failed"
    CANCELLED = "CANCELLED", "Cancelled"


ACTIVE_STATUSES = (JobStatus.PENDING, JobStatus.RUNNING)


class ReviewState(models.TextChoices):
    """Where a completed job's timetable is in review (``timetabling/review.py``)."""

    VARIANT = "variant", "Variant (not chosen yet)"
    NOT_CHOSEN = "not_chosen", "Variant not chosen"
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    PUBLISHED = "published", "Published"
    SUPERSEDED = "superseded", "Superseded"


class GenerationJob(models.Model):
    """One run of the optimizer over a scope; its slots are a (draft or published) timetable.

    The scope is the whole institution, optionally narrowed to a semester and to one
    department or one batch. Everything outside the scope stays as published.
    """

    status = models.CharField(max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    semester = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=between(1, limits.MAX_SEMESTER)
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="generation_jobs"
    )
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.PROTECT, related_name="generation_jobs"
    )
    time_limit_s = models.PositiveIntegerField(default=60)
    params = models.JSONField(default=dict, blank=True)
    progress = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, default="")
    # an infeasible job's verified remedies: [{"kind": ..., "text": ...}], at most three
    remedies = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="generation_jobs",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    cancel_requested = models.BooleanField(default=False)
    celery_task_id = models.CharField(max_length=64, blank=True, default="")
    published_at = models.DateTimeField(null=True, blank=True)
    term_start = models.DateField(null=True, blank=True)
    term_end = models.DateField(null=True, blank=True)
    review = models.CharField(max_length=16, choices=ReviewState.choices, default=ReviewState.DRAFT)
    # Variants: sibling jobs of one request share a group; the label names their weighting.
    variant_group = models.UUIDField(null=True, blank=True, db_index=True)
    variant_label = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["status"]),
            models.Index(fields=["-created_at"]),
            models.Index(fields=["semester", "department", "batch"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=JobStatus.values), name="job_status_valid"
            ),
            models.CheckConstraint(condition=Q(time_limit_s__gt=0), name="job_time_limit_positive"),
            models.CheckConstraint(
                condition=Q(department__isnull=True) | Q(batch__isnull=True),
                name="job_scope_department_or_batch",
            ),
            models.CheckConstraint(
                condition=Q(term_start__isnull=True)
                | Q(term_end__isnull=True)
                | Q(term_end__gte=models.F("term_start")),
                name="job_term_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(review__in=ReviewState.values), name="job_review_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"Job {self.pk} ({self.status}, {self.scope_label})"

    @property
    def scope_label(self) -> str:
        parts = []
        if self.semester:
            parts.append(f"semester {self.semester}")
        if self.department_id:
            parts.append(f"department {self.department}")
        if self.batch_id:
            parts.append(f"batch {self.batch}")
        return ", ".join(parts) or "whole institution"


class TimetableSlot(models.Model):
    """One session of one batch: ``length`` periods from ``period`` on ``day`` in ``room``.

    A combined class gives one slot per batch (one of them ``primary``). ``active`` marks
    the published timetable; slots of earlier published jobs stay (inactive) so their
    attendance stays valid.
    """

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="slots")
    offering = models.ForeignKey(Offering, on_delete=models.PROTECT, related_name="slots")
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="slots")
    faculty = models.ForeignKey(Faculty, on_delete=models.PROTECT, related_name="slots")
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="slots")
    day = models.PositiveSmallIntegerField(choices=Day.choices)
    period = models.PositiveSmallIntegerField(validators=between(1, limits.MAX_PERIODS_PER_DAY))
    length = models.PositiveSmallIntegerField(
        default=1, validators=between(1, limits.MAX_PERIODS_PER_SESSION)
    )
    active = models.BooleanField(default=False)
    # A combined class has one slot per batch; exactly one of them is primary, so teacher
    # and room workloads count each session once.
    primary = models.BooleanField(default=True)
    # Pinned by the office on a draft: regenerating the scope with stay-close keeps the
    # session exactly here, and a manual move pins the session where it was moved to.
    pinned = models.BooleanField(default=False)

    class Meta:
        ordering = ["day", "period", "batch_id"]
        indexes = [
            models.Index(fields=["job", "batch"]),
            models.Index(fields=["batch", "active"]),
            models.Index(fields=["faculty", "active"]),
            models.Index(fields=["room", "active"]),
            models.Index(fields=["day", "period"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(length__gte=1, length__lte=limits.MAX_PERIODS_PER_SESSION),
                name="slot_length_range",
            ),
            models.CheckConstraint(
                condition=Q(period__gte=1, period__lte=limits.MAX_PERIODS_PER_DAY),
                name="slot_period_range",
            ),
            models.CheckConstraint(condition=Q(day__lte=6), name="slot_day_valid"),
        ]

    def __str__(self) -> str:
        return f"{Day(self.day).label} P{self.period}+{self.length} {self.batch_id}"


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"
    LATE = "late", "Late"
    EXCUSED = "excused", "Excused"


class Attendance(models.Model):
    student = models.ForeignKey(Student, on_delete=models.PROTECT, related_name="attendance")
    slot = models.ForeignKey(TimetableSlot, on_delete=models.PROTECT, related_name="attendance")
    date = models.DateField()
    status = models.CharField(max_length=16, choices=AttendanceStatus.choices)
    marked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    marked_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-date", "slot_id", "student_id"]
        verbose_name_plural = "attendance"
        indexes = [
            models.Index(fields=["student", "-date"]),
            models.Index(fields=["slot", "date"]),
            # Serves ?date= filters in the list's own order without a sort.
            models.Index(fields=["-date", "slot", "student"], name="attendance_date_order"),
            models.Index(fields=["status"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["student", "slot", "date"], name="attendance_once_per_student_slot_date"
            ),
            models.CheckConstraint(
                condition=Q(status__in=AttendanceStatus.values), name="attendance_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.student_id} {self.date} {self.status}"


class ReviewEvent(models.Model):
    """One move of a timetable's review: who, when, from which state to which, why.

    Written in the same transaction as the move (``timetabling/review.py``).
    """

    job = models.ForeignKey(GenerationJob, on_delete=models.CASCADE, related_name="review_events")
    move = models.CharField(max_length=32)
    from_state = models.CharField(max_length=16, choices=ReviewState.choices)
    to_state = models.CharField(max_length=16, choices=ReviewState.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(auto_now_add=True)
    comment = models.TextField(blank=True, default="", max_length=2000)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["job", "at"])]

    def __str__(self) -> str:
        return f"Job {self.job_id}: {self.from_state} -> {self.to_state} ({self.move})"


class FacultyLeave(models.Model):
    """A teacher away from ``start`` to ``end`` (both included)."""

    faculty = models.ForeignKey(Faculty, on_delete=models.PROTECT, related_name="leaves")
    start = models.DateField()
    end = models.DateField()
    reason = models.CharField(max_length=200, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start", "id"]
        indexes = [models.Index(fields=["faculty", "start", "end"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")), name="leave_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.faculty_id} away {self.start} to {self.end}"


class SessionOverride(models.Model):
    """One date of one weekly session, changed: another teacher (``substitute``), or moved
    to ``period`` (and ``room``) of the same day. The weekly timetable stays as it is."""

    slot = models.ForeignKey(TimetableSlot, on_delete=models.CASCADE, related_name="overrides")
    date = models.DateField()
    substitute = models.ForeignKey(
        Faculty, null=True, blank=True, on_delete=models.PROTECT, related_name="substitutions"
    )
    period = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=between(1, limits.MAX_PERIODS_PER_DAY)
    )
    room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="overrides"
    )
    leave = models.ForeignKey(
        FacultyLeave, null=True, blank=True, on_delete=models.SET_NULL, related_name="overrides"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "slot_id"]
        indexes = [
            models.Index(fields=["date"]),
            models.Index(fields=["substitute", "date"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["slot", "date"], name="override_once_per_slot_date"),
            models.CheckConstraint(
                condition=Q(substitute__isnull=False) | Q(period__isnull=False),
                name="override_changes_something",
            ),
        ]

    def __str__(self) -> str:
        return f"slot {self.slot_id} on {self.date}"
