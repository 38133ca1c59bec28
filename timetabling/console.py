"""The console's generation pages: choose a scope and a time limit, start a job, watch its
progress (objective, bound, elapsed, phase) without reloading, cancel it, and open the
result. The same services as the API and ``generate_timetable`` do the work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from academics.models import Batch, Department, Room, TimeSlot
from sih28.console import office_required
from sih28.errors import ApplicationError
from timetabling import dashboard, selectors
from timetabling.generation import JobMetrics, generation_job_cancel, generation_job_create
from timetabling.generation.variants import MAX_VARIANTS
from timetabling.leave import services as leave_services
from timetabling.models import ACTIVE_STATUSES, GenerationJob

RECENT_JOBS = 10
GAPS_AHEAD = dt.timedelta(days=13)  # the dashboard's open leave gaps: the next two weeks


class PenaltyRow(NamedTuple):
    name: str
    count: int
    cost: int


def penalty_rows(metrics: JobMetrics | None) -> list[PenaltyRow]:
    """A job's named soft penalties, the costliest first."""
    if metrics is None:
        return []
    rows = [PenaltyRow(name, p.count, p.cost) for name, p in metrics.penalties.items()]
    return sorted(rows, key=lambda row: (-row.cost, row.name))


@dataclass(frozen=True)
class ScopeHealth:
    """A published scope (the job that made it) and its penalties by name."""

    job: GenerationJob
    metrics: JobMetrics | None
    penalties: list[PenaltyRow]

    @classmethod
    def of(cls, job: GenerationJob) -> ScopeHealth:
        metrics = JobMetrics.of(job)
        return cls(job=job, metrics=metrics, penalties=penalty_rows(metrics))


class GenerateForm(forms.Form):
    semester = forms.TypedChoiceField(
        required=False,
        coerce=int,
        empty_value=None,
        label="Semester",
        help_text="Empty: every semester.",
    )
    department = forms.ChoiceField(required=False, label="Department")
    batch = forms.ChoiceField(
        required=False, label="Batch", help_text="A department or a batch, not both."
    )
    time_limit_s = forms.IntegerField(
        label="Time limit (seconds)",
        min_value=1,
        initial=60,
        help_text="The solver stops here and keeps the best timetable it found.",
    )
    variants = forms.IntegerField(
        required=False,
        label="Variants",
        min_value=1,
        max_value=MAX_VARIANTS,
        initial=1,
        help_text=f"Up to {MAX_VARIANTS} timetables made with different weightings, to compare "
        "side by side before one goes for review.",
    )
    stay_close = forms.BooleanField(
        required=False,
        label="Stay close to the published timetable",
        help_text="Move as few published sessions (in time or room) as the rules allow.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        semesters = sorted(set(Batch.objects.values_list("semester", flat=True)))
        self.fields["semester"].choices = [("", "All")] + [(s, str(s)) for s in semesters]
        codes = list(Department.objects.order_by("code").values_list("code", flat=True))
        self.fields["department"].choices = [("", "All")] + [(c, c) for c in codes]
        batches = list(Batch.objects.order_by("code").values_list("code", flat=True))
        self.fields["batch"].choices = [("", "All")] + [(c, c) for c in batches]
        self.fields["time_limit_s"].max_value = settings.GENERATION_MAX_TIME_LIMIT_S
        self.fields["time_limit_s"].initial = settings.GENERATION_TIME_LIMIT_S
        self.fields["time_limit_s"].widget.attrs["max"] = settings.GENERATION_MAX_TIME_LIMIT_S

    def clean(self):
        data = super().clean()
        if data.get("department") and data.get("batch"):
            self.add_error("batch", "Choose a department or a batch, not both.")
        return data


@office_required
def generate_page(request: HttpRequest) -> HttpResponse:
    form = GenerateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                job = generation_job_create(
                    user=request.user,
                    semester=data["semester"],
                    department=data["department"] or None,
                    batch=data["batch"] or None,
                    time_limit_s=data["time_limit_s"],
                    stay_close=data["stay_close"],
                    variants=data["variants"] or 1,
                    background=True,
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                return redirect("office-job", job_id=job.pk)
        else:
            status = 400
    jobs = GenerationJob.objects.select_related("department", "batch").order_by("-pk")[:RECENT_JOBS]
    return render(
        request, "timetabling/console_generate.html", {"form": form, "jobs": jobs}, status=status
    )


@office_required
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    return render(request, "timetabling/console_job.html", _job_context(job_id))


@office_required
def job_progress(request: HttpRequest, job_id: int) -> HttpResponse:
    """The job's status box alone: the job page fetches it every second while it runs."""
    return render(request, "timetabling/console_job_status.html", _job_context(job_id))


@office_required
@require_POST
def job_cancel(request: HttpRequest, job_id: int) -> HttpResponse:
    try:
        generation_job_cancel(job_id=job_id, user=request.user)
    except ApplicationError:
        pass  # it finished meanwhile: the page shows what really happened
    return redirect("office-job", job_id=job_id)


def _job_context(job_id: int) -> dict[str, object]:
    job = get_object_or_404(GenerationJob.objects.select_related("department", "batch"), pk=job_id)
    metrics = JobMetrics.of(job)
    return {
        "job": job,
        "active": job.status in ACTIVE_STATUSES,
        "progress": job.progress or {},
        "metrics": metrics,
        "penalties": penalty_rows(metrics),
    }


@office_required
def dashboard_page(request: HttpRequest) -> HttpResponse:
    """The published timetable's health: per department, per published scope, rooms and
    teachers, in a fixed number of queries whatever the institution's size."""
    rows = selectors.published_slot_rows()
    rooms = dict(Room.objects.order_by("kind", "code").values_list("pk", "code"))
    cells = list(TimeSlot.objects.order_by("day", "period").values_list("day", "period"))
    scopes = [ScopeHealth.of(job) for job in selectors.published_jobs()]
    context = {
        "departments": dashboard.department_health(rows),
        "scopes": scopes,
        "heat": dashboard.room_heat_map(rows, rooms, cells),
        "load": dashboard.load_chart(selectors.teaching_loads()),
        "sessions": sum(row.primary for row in rows),
        "open_gaps": leave_services.uncovered_gaps(
            start=timezone.localdate(), end=timezone.localdate() + GAPS_AHEAD
        ),
    }
    return render(request, "timetabling/console_dashboard.html", context)
