"""The console's import page: upload CSV files (or a zip of them), see the dry run (counts
per kind, every problem as ``FILE:ROW: column: message``), then confirm. The same service as
``import_csv`` and ``POST /api/imports/`` does the work, all or nothing."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from imports.services import CONSOLE, ImportReport, ImportValidationError, institution_import
from imports.uploads import Upload, upload_read, upload_stage, upload_staged, upload_unstage
from sih28.console import office_required
from sih28.errors import ApplicationError

TEMPLATE = "imports/console_import.html"


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".csv,.zip"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)]


class UploadForm(forms.Form):
    uploads = MultipleFileField(
        label="CSV files or a zip of them",
        help_text="Name each file after its kind: departments.csv, rooms.csv, students.csv ...",
    )
    update = forms.BooleanField(
        required=False,
        label="Update rows that exist",
        help_text="Without it, a row whose key exists is an error.",
    )


@office_required
def import_page(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, TEMPLATE, {"form": UploadForm()})
    if request.POST.get("token"):
        return _confirm(request)
    too_big = int(request.META.get("CONTENT_LENGTH") or 0) > settings.IMPORT_MAX_UPLOAD_BYTES
    if too_big:
        form = UploadForm()
        limit = settings.IMPORT_MAX_UPLOAD_BYTES
        return _page(request, form, problems=[f"The upload is over {limit:,} bytes."], status=413)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = upload_read(form.cleaned_data["uploads"], max_bytes=settings.IMPORT_MAX_UPLOAD_BYTES)
    if upload.problems:
        return _page(request, form, problems=upload.problems, status=400)
    update = form.cleaned_data["update"]
    report, problems = _run(upload, update=update, dry_run=True)
    if problems:
        return _page(request, form, problems=problems, upload=upload, status=400)
    token = upload_stage(upload, user_id=_user_id(request))
    return _page(request, form, report=report, upload=upload, token=token, update=update)


def _confirm(request: HttpRequest) -> HttpResponse:
    token = request.POST["token"]
    upload = upload_staged(user_id=_user_id(request), token=token)
    form = UploadForm()
    if upload is None:
        text = "The checked files are no longer kept (after 30 minutes); upload them again."
        return _page(request, form, problems=[text], status=410)
    update = request.POST.get("update") == "1"
    report, problems = _run(upload, update=update, dry_run=False)
    if problems:  # the data changed since the dry run
        return _page(request, form, problems=problems, upload=upload, status=400)
    upload_unstage(user_id=_user_id(request), token=token)
    return _page(request, form, report=report, upload=upload, done=True)


def _user_id(request: HttpRequest) -> int:
    """The signed-in user's id (``office_required`` let only signed-in users in)."""
    user_id = request.user.pk
    assert user_id is not None
    return int(user_id)


def _run(upload: Upload, *, update: bool, dry_run: bool) -> tuple[ImportReport | None, list[str]]:
    try:
        report = institution_import(
            files=upload.sources(), update=update, dry_run=dry_run, origin=CONSOLE
        )
    except ImportValidationError as exc:
        return None, list(exc.errors)
    except ApplicationError as exc:
        return None, [exc.message]
    return report, []


def _page(
    request: HttpRequest,
    form: UploadForm,
    *,
    problems: list[str] | None = None,
    report: ImportReport | None = None,
    upload: Upload | None = None,
    token: str = "",
    update: bool = False,
    done: bool = False,
    status: int = 200,
) -> HttpResponse:
    rows = []
    if report is not None:
        rows = [
            {"kind": kind, "file": report.files.get(kind, ""), "counts": counts}
            for kind, counts in report.kinds.items()
        ]
    context = {
        "form": form,
        "problems": problems or [],
        "report": report,
        "rows": rows,
        "files": sorted(upload.names.values()) if upload else [],
        "token": token,
        "update": update,
        "done": done,
    }
    return render(request, TEMPLATE, context, status=status)
