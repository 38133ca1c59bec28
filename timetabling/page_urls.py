"""URLs of the timetable pages, mounted at ``/timetable/``.

A page's key (batch code, employee id, room code) matches ``academics.limits.CODE_PATTERN``,
the pattern the models, the API and the importer accept for codes, so every stored code
has a page and a link to it can always be built.
"""

from django.contrib.auth.views import LogoutView
from django.urls import path, re_path, register_converter

from academics.limits import CODE_PATTERN
from timetabling import pages, workflow_pages


class CodeConverter:
    regex = CODE_PATTERN

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(CodeConverter, "code")

urlpatterns = [
    path("", pages.index, name="timetable-index"),
    path("login/", pages.login_page, name="timetable-login"),
    path("job/<int:job_id>/review/", workflow_pages.job_review, name="timetable-job-review"),
    path("logout/", LogoutView.as_view(next_page="timetable-login"), name="timetable-logout"),
    path("changes/<int:job_id>/", pages.job_changes, name="timetable-changes"),
    path("pin/<int:slot_id>/", pages.pin_toggle, name="timetable-pin"),
]

for _kind in pages.KINDS:
    urlpatterns += [
        path(f"{_kind}/<code:key>/", pages.timetable, {"kind": _kind}, name=f"timetable-{_kind}"),
        re_path(
            rf"^{_kind}/(?P<key>{CODE_PATTERN})\.(?P<fmt>csv|ics|json)$",
            pages.timetable_export,
            {"kind": _kind},
            name=f"timetable-{_kind}-export",
        ),
    ]
