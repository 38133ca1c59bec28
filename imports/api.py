"""``POST /api/imports/``: upload CSV files (one field per kind) and import them, all or
nothing, through the same service as ``import_csv``. Admins only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from imports.kinds import KINDS
from imports.serializers import (
    ImportErrorSerializer,
    ImportReportSerializer,
    ImportUploadSerializer,
)
from imports.services import UPLOAD, institution_import
from sih28 import parsers
from sih28.errors import ApplicationError
from sih28.permissions import ADMIN


class UploadParser(parsers.MultiPartParser):
    """Uploads are limited by ``IMPORT_MAX_UPLOAD_BYTES`` (413 before the body is read)."""

    limit_setting = "IMPORT_MAX_UPLOAD_BYTES"


def _problems(errors: dict) -> list[str]:
    return [f"{field}: {message}" for field, messages in errors.items() for message in messages]


class InstitutionImportView(APIView):
    read_roles = write_roles = frozenset({ADMIN})  # checked by sih28.permissions.RolePermission
    parser_classes = [UploadParser, FormParser]  # form bodies: Django caps them

    @extend_schema(
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            200: ImportReportSerializer,
            400: ImportErrorSerializer,
            413: ImportErrorSerializer,
        },
        summary="Import CSV files (all or nothing)",
        description="One file field per kind (`students=@students.csv`, ...), plus `update` "
        "and `dry_run`. 400 lists every problem as `FILE:ROW: column: message`; "
        "then nothing was written. A body over `IMPORT_MAX_UPLOAD_BYTES` is refused "
        "with 413 before it is read.",
    )
    def post(self, request: Request) -> Response:
        unknown = sorted(set(request.FILES) - set(KINDS))
        if unknown:
            raise ApplicationError(
                f"unknown file field {', '.join(unknown)}; one file per kind: {', '.join(KINDS)}"
            )
        repeated = sorted(kind for kind in request.FILES if len(request.FILES.getlist(kind)) > 1)
        if repeated:
            raise ApplicationError(
                f"more than one file for {', '.join(repeated)}; send one file per kind "
                "(combine the rows into one file)"
            )
        form = ImportUploadSerializer(data=request.data)
        if not form.is_valid():
            # The documented 400 of this operation: a detail and every problem as a line.
            raise ApplicationError(
                "invalid upload; nothing was imported",
                extra={"errors": _problems(form.errors)},
            )
        files = {
            kind: form.validated_data[kind]
            for kind in KINDS
            if form.validated_data.get(kind) is not None
        }
        if not files:
            raise ApplicationError(
                f"no file uploaded; send one file field per kind: {', '.join(KINDS)}"
            )
        report = institution_import(
            files=files,
            update=form.validated_data["update"],
            dry_run=form.validated_data["dry_run"],
            origin=UPLOAD,
        )
        detail = "Dry run: validated; nothing was written." if report.dry_run else "Imported."
        return Response({"detail": detail, **report.as_dict()}, status=status.HTTP_200_OK)
