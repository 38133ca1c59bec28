"""POST /api/imports/: admin only, same validation and messages as the command."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from academics import models as am
from tests.imports.conftest import db_counts

pytestmark = pytest.mark.django_db

URL = "/api/imports/"


def upload(name: str, text: str | bytes) -> SimpleUploadedFile:
    data = text.encode() if isinstance(text, str) else text
    return SimpleUploadedFile(name, data, content_type="text/csv")


def test_admin_imports_several_kinds_at_once(admin_client):
    response = admin_client.post(
        URL,
        {
            "departments": upload("departments.csv", "code,name\nCSE,CS\n"),
            "batches": upload("batches.csv", "code,name,department,semester,size\nB1,B,CSE,3,30\n"),
            "students": upload(
                "students.csv", "roll_number,name,email,batch\nR1,A,,B1\nR2,B,,B1\n"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["detail"] == "Imported."
    assert body["kinds"]["students"] == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0}
    assert list(body["kinds"]) == ["departments", "batches", "students"]
    assert body["total"]["created"] == 4
    assert am.Student.objects.filter(batch__code="B1").count() == 2


def test_update_and_dry_run_fields(admin_client):
    am.Department.objects.create(code="CSE", name="Old")
    response = admin_client.post(
        URL,
        {
            "departments": upload("departments.csv", "code,name\nCSE,New\nECE,EC\n"),
            "update": "true",
            "dry_run": "true",
        },
        format="multipart",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["dry_run"], body["update"]) == (True, True)
    assert body["kinds"]["departments"] == {"rows": 2, "created": 1, "updated": 1, "unchanged": 0}
    assert list(am.Department.objects.values_list("code", "name")) == [("CSE", "Old")]


def test_problems_are_a_400_with_the_same_lines_as_the_command(admin_client, write, run_import):
    text = "code,capacity,kind\nR1,-5,lecture\nR2,30,hall\n"
    command = run_import("rooms", write("rooms.csv", text))
    before = db_counts()
    response = admin_client.post(URL, {"rooms": upload("rooms.csv", text)}, format="multipart")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "2 problems found; nothing was written.",
        "errors": [
            'rooms.csv:2: capacity: must be a whole number >= 1, not "-5"',
            'rooms.csv:3: kind: must be one of lecture, lab, not "hall"',
        ],
    }
    assert response.json()["errors"] == command.problems
    assert db_counts() == before


def test_encoding_and_bom_in_uploads(admin_client):
    response = admin_client.post(
        URL,
        {
            "departments": upload("d.csv", "code,name\nMAT,Matemática\n".encode("latin-1")),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "d.csv:2: encoding: not valid UTF-8 (byte 0xE1 at position 10); save the file as UTF-8"
    ]
    response = admin_client.post(
        URL,
        {
            "departments": upload("d.csv", "\ufeffcode,name\nMAT,Matemática\n".encode()),
        },
        format="multipart",
    )
    assert response.status_code == 200
    assert am.Department.objects.get().name == "Matemática"


def test_empty_upload_is_reported(admin_client):
    response = admin_client.post(
        URL, {"departments": upload("departments.csv", b"")}, format="multipart"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        "departments.csv:1: header: the file is empty; expected a header row (allowed "
        "columns: code, name)",
    ]


def test_unknown_field_and_no_files(admin_client):
    response = admin_client.post(URL, {"teachers": upload("t.csv", "a\n")}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"].startswith(
        "unknown file field teachers; one file per kind: departments, rooms,"
    )
    response = admin_client.post(URL, {"update": "true"}, format="multipart")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("no file uploaded")
    response = admin_client.post(
        URL,
        {"departments": upload("d.csv", "code,name\n"), "update": "perhaps"},
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == ["update: Must be a valid boolean."]


@pytest.mark.parametrize("who", ["staff_client", "faculty_client", "student_client"])
def test_only_admins_may_import(request, who):
    client = request.getfixturevalue(who)
    response = client.post(
        URL, {"departments": upload("d.csv", "code,name\nCSE,CS\n")}, format="multipart"
    )
    assert response.status_code == 403
    assert am.Department.objects.count() == 0


def test_anonymous_gets_401(api_client):
    response = api_client.post(
        URL, {"departments": upload("d.csv", "code,name\nCSE,CS\n")}, format="multipart"
    )
    assert response.status_code == 401


def test_admin_uploads_a_college_with_every_new_kind(admin_client):
    from tests.imports.colleges import FILES

    response = admin_client.post(
        URL,
        {kind: upload(f"{kind}.csv", text) for kind, text in FILES.items()},
        format="multipart",
    )
    assert response.status_code == 200, response.content
    kinds = response.json()["kinds"]
    assert list(kinds)[-4:] == ["baskets", "basket_options", "enrollments", "fixed_sessions"]
    assert am.Enrollment.objects.count() == kinds["enrollments"]["created"] == 4
    assert am.Offering.objects.filter(basket_option__isnull=False).count() == 4


def test_an_upload_reports_a_college_rule_like_the_command(admin_client):
    response = admin_client.post(
        URL,
        {
            "departments": upload("departments.csv", "code,name\nCSE,CS\n"),
            "batches": upload(
                "batches.csv", "code,name,department,semester,size,parent\nA,A,CSE,3,30,A\n"
            ),
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert response.json()["errors"] == [
        'batches.csv:2: parent: batch "A" cannot be its own parent'
    ]
    assert am.Batch.objects.count() == 0
