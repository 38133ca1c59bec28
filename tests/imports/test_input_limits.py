"""The importer refuses what the models refuse (numbers beyond the domain, codes a URL cannot
carry), and ``POST /api/imports/`` refuses oversized and ambiguous uploads."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from academics import limits
from academics import models as am
from tests.imports.conftest import db_counts

pytestmark = pytest.mark.django_db

URL = "/api/imports/"


def upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.mark.parametrize(
    ("name", "text", "column"),
    [
        ("timeslots.csv", "day,period,start,end\nMON,1000000000,09:00,09:50\n", "period"),
        (
            "timeslots.csv",
            f"day,period,start,end\nMON,{limits.MAX_PERIODS_PER_DAY + 1},09:00,09:50\n",
            "period",
        ),
        ("timeslots.csv", "day,period,start,end\nMON," + "9" * 5000 + ",09:00,09:50\n", "period"),
        ("rooms.csv", "code,capacity,kind\nR1,1000000,lecture\n", "capacity"),
        ("departments.csv", "code,name\nA/B,Slash\n", "code"),
        ("departments.csv", "code,name\nA B,Space\n", "code"),
    ],
)
def test_the_command_refuses_what_the_model_refuses(write, run_import, name, text, column):
    run = run_import(name.removesuffix(".csv"), write(name, text))
    assert not run.ok
    assert any(f":2: {column}: " in line for line in run.problems), run.problems
    assert sum(db_counts().values()) == 0


def test_subject_and_batch_numbers_are_bounded_by_the_models(write, run_import):
    write("departments.csv", "code,name\nCSE,CS\n")
    write(
        "subjects.csv",
        "code,name,department,kind,sessions_per_week,periods_per_session,min_days\n"
        "S1,S,CSE,theory,51,1,1\nS2,S,CSE,lab,2,13,1\n",
    )
    write("batches.csv", "code,name,department,semester,size\nB1,B,CSE,21,30\nB2,B,CSE,3,10001\n")
    run = run_import("--dir", ".")
    assert not run.ok
    text = "\n".join(run.problems)
    assert "subjects.csv:2: sessions_per_week: must be at most 50" in text
    assert "subjects.csv:3: periods_per_session: must be at most 12" in text
    assert "batches.csv:2: semester: must be at most 20" in text
    assert "batches.csv:3: size: must be at most 10000" in text


def test_an_upload_over_the_limit_is_a_413_before_it_is_read(admin_client, settings, monkeypatch):
    from rest_framework.parsers import MultiPartParser

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    settings.IMPORT_MAX_UPLOAD_BYTES = 1_000
    monkeypatch.setattr(MultiPartParser, "parse", never)
    rows = "".join(f"D{i},Department {i}\n" for i in range(200))
    response = admin_client.post(
        URL, {"departments": upload("departments.csv", "code,name\n" + rows)}, format="multipart"
    )
    assert response.status_code == 413
    assert "at most 1,000 bytes" in response.json()["detail"]
    assert am.Department.objects.count() == 0


def test_an_upload_under_the_limit_is_imported(admin_client, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 1_000
    response = admin_client.post(
        URL, {"departments": upload("departments.csv", "code,name\nCSE,CS\n")}, format="multipart"
    )
    assert response.status_code == 200, response.content


def test_two_files_for_one_kind_are_refused(admin_client):
    response = admin_client.post(
        URL,
        {
            "departments": [
                upload("departments.csv", "code,name\nCSE,CS\n"),
                upload("departments2.csv", "code,name\nECE,EC\n"),
            ]
        },
        format="multipart",
    )
    assert response.status_code == 400
    assert "more than one file for departments" in response.json()["detail"]
    assert am.Department.objects.count() == 0


def test_the_api_names_its_own_update_field_not_the_commands_option(admin_client):
    am.Department.objects.create(code="CSE", name="CS")
    response = admin_client.post(
        URL, {"departments": upload("departments.csv", "code,name\nCSE,New\n")}, format="multipart"
    )
    assert response.status_code == 400
    errors = "\n".join(response.json()["errors"])
    assert "update=true" in errors and "--update" not in errors


def test_the_command_still_names_its_option(write, run_import):
    am.Department.objects.create(code="CSE", name="CS")
    run = run_import("departments", write("departments.csv", "code,name\nCSE,New\n"))
    assert not run.ok and "--update" in "\n".join(run.problems)


def test_the_new_columns_are_bounded_like_their_models(write, run_import):
    write("departments.csv", "code,name\nCSE,CS\n")
    write("shifts.csv", "code,name,periods\nS1,S,1-1000000000\nS2,S,1-" + "9" * 5000 + "\n")
    write(
        "faculty.csv",
        "employee_id,name,email,department,max_consecutive,max_gaps_per_day\n"
        "F1,A,,CSE,49,0\nF2,B,,CSE,0,49\n",
    )
    run = run_import("--dir", ".")
    assert not run.ok
    text = "\n".join(run.problems)
    assert "shifts.csv:2: periods: " in text and "periods run from 1 to 48" in text
    assert "shifts.csv:3: periods: longer than 200 characters (5002)" in text
    assert "faculty.csv:2: max_consecutive: must be at most 48" in text
    assert 'faculty.csv:3: max_consecutive: must be a whole number >= 1, not "0"' in text
    assert "faculty.csv:3: max_gaps_per_day: must be at most 48" in text
    assert sum(db_counts().values()) == 0
