"""Timetable pages: server-rendered weekly grids of a batch, faculty member, room or student.

A signed-in user sees the published timetable as the API shows it to them
(``selectors.slot_list``: a student only the sessions they attend, on any page); a draft
(``?job=ID``) is for admin and staff only. A batch's page shows the batch's sessions, those
of the batches it is a subgroup of and those of its own subgroups; a student's page
(the student themself, admin and staff) exactly the sessions that student attends. Each
grid page links its iCalendar and CSV exports (``CODE.ics``, ``CODE.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from academics.models import Batch, Faculty, Room, Student
from academics.selectors import subgroup_parents
from sih28.errors import ApplicationError, NotFoundError
from sih28.login_throttle import throttled_login
from sih28.permissions import is_manager
from timetabling import editing, exports, selectors
from timetabling.generation import JobMetrics
from timetabling.grid import week_grid
from timetabling.models import GenerationJob

LOGIN_URL = "timetable-login"


class _Refused(Exception):
    def __init__(self, status: int, title: str, text: str) -> None:
        super().__init__(title)
        self.status, self.title, self.text = status, title, text


def _message(request: HttpRequest, refused: _Refused) -> HttpResponse:
    return render(
        request,
        "timetabling/message.html",
        {"title": refused.title, "text": refused.text},
        status=refused.status,
    )


def _job(request: HttpRequest) -> GenerationJob | None:
    """The draft named by ``?job=ID``, or None for the published timetable."""
    raw = request.GET.get("job")
    if not raw:
        return None
    if not is_manager(request.user):
        raise _Refused(
            403,
            "Not allowed",
            "Only admin and staff can see draft timetables. Remove ?job= from the "
            "address to see the published timetable.",
        )
    is_id = raw.isascii() and raw.isdigit() and len(raw) <= 18  # int() of any other: ValueError
    job = GenerationJob.objects.filter(pk=int(raw)).first() if is_id else None
    if job is None:
        raise _Refused(404, "No such job", f"There is no generation job {raw[:20]}.")
    return job


@dataclass(frozen=True)
class JobRow:
    """A job as the pages show it: the row and what its run measured (None until done)."""

    job: GenerationJob
    metrics: JobMetrics | None

    @classmethod
    def of(cls, job: GenerationJob | None) -> JobRow | None:
        return None if job is None else cls(job=job, metrics=JobMetrics.of(job))


# What a grid page can be about: (queryset, lookup field in the URL, slot filter).
_KINDS = {
    "batch": (Batch.objects.select_related("department", "parent"), "code", "family_of"),
    "faculty": (Faculty.objects.select_related("department"), "employee_id", "faculty_id"),
    "room": (Room.objects.all(), "code", "room_id"),
    "student": (Student.objects.select_related("batch__department"), "roll_number", "student"),
}
KINDS = tuple(_KINDS)

Shown = Batch | Faculty | Room | Student


def _subject(request: HttpRequest, kind: str, key: str) -> Shown:
    queryset, field, _ = _KINDS[kind]
    if kind == "batch":  # only the batches whose timetable the user may read
        queryset = queryset & selectors.readable_batches(request.user)
    if kind == "student" and not is_manager(request.user):  # the student themself only
        queryset = queryset.filter(user=request.user)
    found = queryset.filter(**{field: key}).first()
    if found is None:
        if kind == "batch" and Batch.objects.filter(code=key).exists():
            raise _Refused(
                403,
                "Not allowed",
                "Students can see their own batch's timetable only; All timetables links it.",
            )
        if kind == "student" and Student.objects.filter(roll_number=key).exists():
            raise _Refused(
                403,
                "Not allowed",
                "A student's timetable is for that student, admin and staff only.",
            )
        raise _Refused(404, "Not found", f"There is no {kind} {key}.")
    return found


def _title(kind: str, obj: Shown) -> tuple[str, str]:
    if isinstance(obj, Student):
        return (
            f"{obj.name} ({obj.roll_number})",
            f"{obj.batch.code} · {obj.batch.department.name} · semester {obj.batch.semester}",
        )
    if isinstance(obj, Batch):
        group = f"subgroup of {obj.parent.code} · " if obj.parent is not None else ""
        return (
            f"{obj.code} · {obj.name}",
            f"{group}{obj.department.name} · semester {obj.semester} · {obj.size} students",
        )
    if kind == "faculty":
        return f"{obj.name} ({obj.employee_id})", obj.department.name
    building = f" · {obj.building}" if obj.building else ""
    return f"Room {obj.code}", f"{obj.get_kind_display()} · {obj.capacity} seats{building}"


# Django admin's login admits only ``is_staff`` users; faculty and students sign in here.
login_page = throttled_login(
    LoginView.as_view(
        template_name="timetabling/login.html",
        redirect_authenticated_user=True,
        next_page="timetable-index",
    )
)


@login_required(login_url=LOGIN_URL)
def index(request: HttpRequest) -> HttpResponse:
    try:
        job = _job(request)
    except _Refused as refused:
        return _message(request, refused)
    recent = selectors.job_list()[:10] if is_manager(request.user) else []
    context = {
        "me": selectors.student_of(request.user),
        "job": job,
        "job_row": JobRow.of(job),
        "query": f"?job={job.pk}" if job else "",
        "directory": selectors.timetable_directory(user=request.user),
        "recent_jobs": [JobRow(job=j, metrics=JobMetrics.of(j)) for j in recent],
    }
    return render(request, "timetabling/index.html", context)


def _scope(request: HttpRequest, kind: str, key: str) -> tuple[Any, Any, dict[str, Any]]:
    """The job (or None for the published timetable), the batch/faculty/room shown, and the
    selector arguments for its slots. Raises _Refused."""
    job = _job(request)
    obj = _subject(request, kind, key)
    _, _, slot_filter = _KINDS[kind]
    value = obj if kind == "student" else obj.pk
    return job, obj, {"user": request.user, "job_id": job.pk if job else None, slot_filter: value}


@login_required(login_url=LOGIN_URL)
def timetable(request: HttpRequest, kind: str, key: str) -> HttpResponse:
    try:
        job, obj, slots_of = _scope(request, kind, key)
    except _Refused as refused:
        return _message(request, refused)
    parents = subgroup_parents()
    slots = list(selectors.export_slots(**slots_of, parents=parents))
    grid = week_grid(
        slots, selectors.time_grid(), parents=parents, fixed=selectors.fixed_slot_ids(slots)
    )
    changes = (
        selectors.upcoming_changes(
            slot_ids=[s.pk for s in slots], faculty_id=obj.pk if kind == "faculty" else None
        )
        if job is None or job.published_at
        else []
    )
    title, subtitle = _title(kind, obj)
    query = f"?job={job.pk}" if job else ""
    links = {
        fmt: reverse(f"timetable-{kind}-export", kwargs={"key": key, "fmt": fmt}) + query
        for fmt in ("ics", "csv")
    }
    context = {
        "kind": kind,
        "obj": obj,
        "title": title,
        "subtitle": subtitle,
        "job": job,
        "job_row": JobRow.of(job),
        "grid": grid,
        "query": query,
        "ics_url": links["ics"],
        "csv_url": links["csv"],
        # a completed, unpublished draft's sessions can be pinned here by admin and staff
        "editable": job is not None and job.status == "COMPLETED" and job.published_at is None,
        # any completed job's sessions can be moved (a published one's into a new draft)
        "movable": job is not None and job.status == "COMPLETED",
        "here": request.get_full_path(),
        "changes": changes,
    }
    return render(request, "timetabling/timetable.html", context)


@login_required(login_url=LOGIN_URL)
def timetable_export(request: HttpRequest, kind: str, key: str, fmt: str) -> HttpResponse:
    try:
        job, obj, slots_of = _scope(request, kind, key)
    except _Refused as refused:
        return _message(request, refused)
    slots = list(selectors.export_slots(**slots_of))
    title, _ = _title(kind, obj)
    # a published timetable's feed shows leave cover as exceptions of its weekly events
    published = job is None or job.published_at is not None
    overrides = selectors.overrides_of(slot_ids=[s.pk for s in slots]) if published else {}
    teacher = obj.pk if kind == "faculty" and published else None
    try:
        result = exports.render(
            fmt,
            slots,
            selectors.time_grid(),
            name=title,
            timezone_name=settings.TIME_ZONE,
            overrides=overrides,
            absent_faculty=teacher,
            covering=selectors.covered_by(faculty_id=teacher) if teacher else (),
        )
    except ApplicationError as exc:
        return _message(request, _Refused(409, "Cannot export", exc.message))
    suffix = f"-job{job.pk}" if job else ""
    return exports.http_response(result, f"timetable-{kind}-{key}{suffix}")


@login_required(login_url=LOGIN_URL)
def job_changes(request: HttpRequest, job_id: int) -> HttpResponse:
    """What a draft changes against the published timetable: sessions moved in time and
    sessions moved in room only (admin and staff)."""
    if not is_manager(request.user):
        return _message(
            request, _Refused(403, "Not allowed", "Only admin and staff can compare drafts.")
        )
    try:
        job, changes = editing.job_changes(job_id=job_id)
    except NotFoundError as exc:
        return _message(request, _Refused(404, "No such job", exc.message))
    context = {
        "job": job,
        "title": f"What job {job.pk} changes",
        **editing.changes_words(job, changes),
    }
    return render(request, "timetabling/changes.html", context)


@login_required(login_url=LOGIN_URL)
@require_POST
def pin_toggle(request: HttpRequest, slot_id: int) -> HttpResponse:
    """Pin (``pinned=1``) or unpin a draft's session from its grid page, then go back."""
    try:
        editing.timetable_slot_pin(
            user=request.user, slot_id=slot_id, pinned=request.POST.get("pinned") == "1"
        )
    except ApplicationError as exc:
        title = "Not allowed" if exc.status_code == 403 else "Cannot pin"
        return _message(request, _Refused(exc.status_code, title, exc.message))
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("timetable-index")
    return redirect(back)
