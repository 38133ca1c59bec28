"""URLs of the timetable pages, mounted at ``/timetable/``."""

from django.contrib.auth.views import LogoutView
from django.urls import path, re_path

from timetabling import pages

urlpatterns = [
    path("", pages.index, name="timetable-index"),
    path("login/", pages.login_page, name="timetable-login"),
    path("logout/", LogoutView.as_view(next_page="timetable-login"), name="timetable-logout"),
]

for _kind in ("batch", "faculty", "room"):
    urlpatterns += [
        path(f"{_kind}/<str:key>/", pages.timetable, {"kind": _kind}, name=f"timetable-{_kind}"),
        re_path(
            rf"^{_kind}/(?P<key>[^/]+)\.(?P<fmt>csv|ics|json)$",
            pages.timetable_export,
            {"kind": _kind},
            name=f"timetable-{_kind}-export",
        ),
    ]
