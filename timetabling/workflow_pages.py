"""The review page of a job: its review state and trail, and its variants side by side."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sih28.permissions import is_manager
from timetabling import generation, selectors
from timetabling.generation import JobMetrics
from timetabling.pages import LOGIN_URL, _message, _Refused


@login_required(login_url=LOGIN_URL)
def job_review(request: HttpRequest, job_id: int) -> HttpResponse:
    if not (is_manager(request.user) or getattr(request.user, "is_approver", False)):
        return _message(
            request, _Refused(403, "Not allowed", "Admin, staff and approvers see reviews.")
        )
    job = selectors.job_list().filter(pk=job_id).first()
    if job is None:
        return _message(request, _Refused(404, "No such job", f"There is no job {job_id}."))
    comparison = (
        generation.variant_comparison(group=job.variant_group) if job.variant_group else None
    )
    context = {
        "job": job,
        "metrics": JobMetrics.of(job),
        "events": generation.review_log(job_id=job.pk),
        "comparison": comparison,
    }
    return render(request, "timetabling/job_review.html", context)
