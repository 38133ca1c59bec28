"""The console's leave pages: record a teacher's leave, see every session it touches with
ranked substitutes (or one-day moves when nobody fits), accept one per session, and see the
open gaps. The same services as the API (``timetabling.leave``) do the work."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from academics.models import Faculty
from sih28.console import office_required
from sih28.errors import ApplicationError
from timetabling.leave import services as leave_services
from timetabling.models import FacultyLeave

GAPS_AHEAD_DAYS = 14
RECENT_LEAVES = 10


class LeaveForm(forms.Form):
    faculty = forms.ModelChoiceField(
        queryset=Faculty.objects.order_by("employee_id"),
        label="Teacher",
        to_field_name="employee_id",
    )
    start = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label="Reason", required=False, max_length=200)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day must not be before the first.")
        return data


class AcceptForm(forms.Form):
    slot = forms.IntegerField()
    date = forms.DateField()
    substitute = forms.IntegerField()
    period = forms.IntegerField(required=False)


@office_required
def leave_page(request: HttpRequest) -> HttpResponse:
    form = LeaveForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                leave = leave_services.faculty_leave_create(
                    user=request.user,
                    faculty_id=data["faculty"].pk,
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                )
            except ApplicationError as exc:
                form.add_error(None, exc.message)
                status = exc.status_code
            else:
                return redirect("office-leave-detail", leave_id=leave.pk)
        else:
            status = 400
    today = timezone.localdate()
    gaps = leave_services.uncovered_gaps(
        start=today, end=today + dt.timedelta(days=GAPS_AHEAD_DAYS - 1)
    )
    leaves = FacultyLeave.objects.select_related("faculty").order_by("-start", "-pk")[
        :RECENT_LEAVES
    ]
    context = {"form": form, "gaps": gaps, "leaves": leaves, "days": GAPS_AHEAD_DAYS}
    return render(request, "timetabling/console_leave.html", context, status=status)


@office_required
def leave_detail(request: HttpRequest, leave_id: int) -> HttpResponse:
    leave = get_object_or_404(FacultyLeave.objects.select_related("faculty"), pk=leave_id)
    error = ""
    if request.method == "POST":
        accept = AcceptForm(request.POST)
        if not accept.is_valid():
            error = "Choose one proposal."
        else:
            data = accept.cleaned_data
            try:
                leave_services.session_override_accept(
                    user=request.user,
                    leave_id=leave.pk,
                    slot_id=data["slot"],
                    date=data["date"],
                    substitute_id=data["substitute"],
                    period=data["period"],
                )
            except ApplicationError as exc:
                error = exc.message
            else:
                return redirect("office-leave-detail", leave_id=leave.pk)
    gaps = leave_services.leave_gaps(leave=leave)
    context = {
        "leave": leave,
        "gaps": gaps,
        "open": sum(1 for g in gaps if not g.covered_by),
        "error": error,
    }
    return render(
        request, "timetabling/console_leave_detail.html", context, status=400 if error else 200
    )
