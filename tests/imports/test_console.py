"""The console's import page: dry run first (counts, or every problem), then confirm."""

from __future__ import annotations

import html
import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from academics import models as am
from tests import factories
from tests.tiny_institution import TINY

pytestmark = pytest.mark.django_db
URL = "/office/import/"


def _files(**texts: str) -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"{kind}.csv", text.encode()) for kind, text in texts.items()]


@pytest.fixture
def office(client, staff_user):
    client.force_login(staff_user)
    return client


def test_signed_out_goes_to_sign_in_and_other_roles_get_403(client):
    assert client.get(URL)["Location"].startswith("/timetable/login/?next=/office/import/")
    for role in ("faculty", "student"):
        client.force_login(factories.UserFactory(role=role))
        response = client.get(URL)
        assert response.status_code == 403
        assert b"timetable office" in response.content


def test_a_bad_row_is_shown_as_file_row_column_and_nothing_is_written(office):
    bad_rooms = "code,capacity,kind\nLH-101,sixty,lecture\nLAB-1,60,lab\n"
    response = office.post(
        URL, {"uploads": _files(departments=TINY["departments"], rooms=bad_rooms)}
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "rooms.csv:2: capacity:" in text
    assert "nothing was imported" in text
    assert am.Department.objects.count() == 0 and am.Room.objects.count() == 0


def test_the_dry_run_counts_then_the_confirmation_writes(office):
    checked = office.post(URL, {"uploads": _files(**TINY)})
    assert checked.status_code == 200
    assert checked.context["report"].dry_run
    counts = {row["kind"]: row["counts"].created for row in checked.context["rows"]}
    assert counts["timeslots"] == 20 and counts["offerings"] == 2
    assert am.Offering.objects.count() == 0, "the dry run writes nothing"

    done = office.post(URL, {"token": checked.context["token"], "update": "0"})
    assert done.status_code == 200 and done.context["done"]
    assert am.Offering.objects.count() == 2 and am.TimeSlot.objects.count() == 20
    again = office.post(URL, {"token": checked.context["token"], "update": "0"})
    assert again.status_code == 410, "a confirmation is used once"


def test_a_zip_of_a_folder_imports_like_its_files(office):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for kind, text in TINY.items():
            archive.writestr(f"college/{kind}.csv", text)
        archive.writestr("college/", "")
    upload = SimpleUploadedFile("college.zip", buffer.getvalue(), "application/zip")
    checked = office.post(URL, {"uploads": [upload]})
    assert checked.status_code == 200, checked.content.decode()[:2000]
    assert len(checked.context["rows"]) == len(TINY)


def test_a_file_not_named_after_a_kind_is_refused_naming_the_kinds(office):
    response = office.post(URL, {"uploads": _files(staff=TINY["departments"])})
    assert response.status_code == 400
    assert "staff.csv: not a file of a known kind" in response.content.decode()
    assert "departments.csv" in response.content.decode()


def test_an_existing_key_needs_update_rows_that_exist(office):
    factories.DepartmentFactory(code="CSE")
    response = office.post(URL, {"uploads": _files(departments=TINY["departments"])})
    assert response.status_code == 400
    assert 'tick "Update rows that exist"' in html.unescape(response.content.decode())
    updated = office.post(URL, {"uploads": _files(departments=TINY["departments"]), "update": "on"})
    assert updated.status_code == 200


def test_an_upload_over_the_limit_is_refused_before_it_is_read(office, settings):
    settings.IMPORT_MAX_UPLOAD_BYTES = 100
    response = office.post(URL, {"uploads": _files(**TINY)})
    assert response.status_code == 413


def test_the_page_reads_a_few_queries(office, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        assert office.get(URL).status_code == 200
