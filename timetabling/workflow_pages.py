"""The review page of a job: its review state and trail, and its variants side by side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from sih28.errors import ApplicationError
from sih28.permissions import is_manager
from timetabling import generation, selectors
from timetabling.generation import JobMetrics
from timetabling.models import ReviewState
from timetabling.pages import LOGIN_URL, _message, _Refused

#: The review moves a page's buttons make, by the button's value, and the states they apply
#: in (the services refuse anyone who may not make them, with a reason the page shows).
ACTIONS: dict[str, Callable[..., Any]] = {
    "submit": generation.timetable_submit,
    "approve": generation.timetable_approve,
    "reject": generation.timetable_reject,
    "publish": generation.timetable_publish,
    "choose": generation.variant_choose,
}
OFFERED = {
    ReviewState.VARIANT: ("choose",),
    ReviewState.DRAFT: ("submit",),
    ReviewState.REJECTED: ("submit",),
    ReviewState.SUBMITTED: ("approve", "reject"),
    ReviewState.APPROVED: ("publish",),
}


@login_required(login_url=LOGIN_URL)
def job_review(request: HttpRequest, job_id: int) -> HttpResponse:
    if not (is_manager(request.user) or getattr(request.user, "is_approver", False)):
        return _message(
            request, _Refused(403, "Not allowed", "Admin, staff and approvers see reviews.")
        )
    job = selectors.job_list().filter(pk=job_id).first()
    if job is None:
        return _message(request, _Refused(404, "No such job", f"There is no job {job_id}."))
    error = ""
    if request.method == "POST":
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            error = "Choose submit, approve, reject, publish or choose."
        else:
            try:
                action(job_id=job.pk, user=request.user, comment=request.POST.get("comment", ""))
            except ApplicationError as exc:
                error = exc.message
            else:
                return redirect("timetable-job-review", job_id=job.pk)
    comparison = (
        generation.variant_comparison(group=job.variant_group) if job.variant_group else None
    )
    context = {
        "job": job,
        "metrics": JobMetrics.of(job),
        "events": generation.review_log(job_id=job.pk),
        "comparison": comparison,
        "actions": OFFERED.get(job.review, ()),
        "error": error,
    }
    return render(request, "timetabling/job_review.html", context, status=400 if error else 200)
