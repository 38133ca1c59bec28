"""The console's generation pages, mounted under ``/office/``."""

from django.urls import path

from timetabling import console, console_edit, console_leave

urlpatterns = [
    path("", console.dashboard_page, name="office-dashboard"),
    path("generate/", console.generate_page, name="office-generate"),
    path("jobs/<int:job_id>/", console.job_page, name="office-job"),
    path("jobs/<int:job_id>/progress/", console.job_progress, name="office-job-progress"),
    path("jobs/<int:job_id>/cancel/", console.job_cancel, name="office-job-cancel"),
    path("slots/<int:slot_id>/move/", console_edit.move_page, name="office-move"),
    path("leave/", console_leave.leave_page, name="office-leave"),
    path("leave/<int:leave_id>/", console_leave.leave_detail, name="office-leave-detail"),
]
