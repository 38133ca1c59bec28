"""What every page of the timetable office's console shares: who may open it, and the
flag the layout reads to show the office's menu.

The console is server-rendered pages of the apps that own the data (``imports/console.py``,
``timetabling/console.py``) on the layout ``sih28/templates/sih28/base.html``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from sih28.permissions import is_manager

#: The sign-in page of the pages (it serves every role; the admin's refuses non-staff).
SIGN_IN = "timetable-login"


def office_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Signed out: to the sign-in page and back. Signed in without an office role (faculty,
    students): 403 with a page that says so."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), reverse(SIGN_IN))
        if not is_manager(request.user):
            return render(
                request,
                "sih28/forbidden.html",
                {"text": "This page is for the timetable office (admin and staff)."},
                status=403,
            )
        return view(request, *args, **kwargs)

    return wrapper


def office_context(request: HttpRequest) -> dict[str, bool]:
    """Template context processor: ``is_office`` shows the office's menu in the layout."""
    user = getattr(request, "user", None)
    return {"is_office": bool(user is not None and is_manager(user))}
