"""Who sees faculty e-mail addresses, and which accounts a student or faculty record may be
linked to (the API and the admin apply one rule)."""

from __future__ import annotations

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def teachers(faculty_user):
    mine = factories.FacultyFactory(employee_id="F-ME", email="me@example.edu", user=faculty_user)
    other = factories.FacultyFactory(employee_id="F-OTHER", email="other@example.edu")
    return mine, other


def _emails(client) -> dict[str, str]:
    return {f["employee_id"]: f["email"] for f in client.get("/api/faculty/").json()["results"]}


@pytest.mark.parametrize("who", ["admin_client", "staff_client"])
def test_managers_see_every_address(request, teachers, who):
    client = request.getfixturevalue(who)
    assert _emails(client) == {"F-ME": "me@example.edu", "F-OTHER": "other@example.edu"}
    other = teachers[1]
    assert client.get(f"/api/faculty/{other.pk}/").json()["email"] == "other@example.edu"


def test_a_faculty_member_sees_only_their_own_address(faculty_client, teachers):
    assert _emails(faculty_client) == {"F-ME": "me@example.edu", "F-OTHER": ""}
    other = teachers[1]
    assert faculty_client.get(f"/api/faculty/{other.pk}/").json()["email"] == ""


@pytest.mark.parametrize("serve_from_values", [True, False])
def test_a_student_sees_no_address(student_client, teachers, settings, serve_from_values):
    settings.API_LIST_FROM_VALUES = serve_from_values
    assert _emails(student_client) == {"F-ME": "", "F-OTHER": ""}


def test_managers_still_write_the_address(admin_client, teachers):
    other = teachers[1]
    response = admin_client.patch(
        f"/api/faculty/{other.pk}/", {"email": "new@example.edu"}, format="json"
    )
    assert response.status_code == 200 and response.json()["email"] == "new@example.edu"


@pytest.mark.parametrize(
    ("url", "body", "role"),
    [
        ("/api/students/", {"roll_number": "S1", "name": "S", "batch": "B1"}, "student"),
        (
            "/api/faculty/",
            {"employee_id": "F9", "name": "F", "department": "D1"},
            "faculty",
        ),
    ],
)
def test_the_api_links_only_an_account_of_the_records_role(
    admin_client, admin_user, url, body, role
):
    department = factories.DepartmentFactory(code="D1")
    factories.BatchFactory(code="B1", department=department)
    wrong = {
        "the admin": admin_user,
        "a staff account": factories.UserFactory(role="staff"),
        "another role": factories.UserFactory(role="faculty" if role == "student" else "student"),
        "a superuser of the role": factories.UserFactory(role=role, is_superuser=True),
    }
    for what, user in wrong.items():
        response = admin_client.post(url, {**body, "user": user.pk}, format="json")
        assert response.status_code == 400, what
        assert "user" in response.json(), what
    right = factories.UserFactory(role=role)
    response = admin_client.post(url, {**body, "user": right.pk}, format="json")
    assert response.status_code == 201, response.content


def test_the_admin_links_a_student_only_to_a_student_account(client, admin_user):
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    student = factories.StudentFactory()
    url = f"/admin/academics/student/{student.pk}/change/"
    form = {
        "roll_number": student.roll_number,
        "name": student.name,
        "email": "",
        "batch": student.batch.pk,
    }
    refused = client.post(url, {**form, "user": admin_user.pk})
    assert refused.status_code == 200  # the form again, with the error
    assert b"Select a valid choice" in refused.content
    student.refresh_from_db()
    assert student.user_id is None
    linked = factories.UserFactory(role="student")
    assert client.post(url, {**form, "user": linked.pk}).status_code == 302
    student.refresh_from_db()
    assert student.user_id == linked.pk
