"""Timetable exports: CSV (the contract), iCalendar, JSON; the command and the API action."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from tests import factories
from timetabling import exports, selectors

pytestmark = pytest.mark.django_db

HEADER = ["batch", "subject", "faculty", "room", "day", "period", "length", "basket"]


@pytest.fixture
def timetable(grid):
    """Job 1 (term from Wed 2026-01-07 to 2026-05-29): a theory class on MON P1, a two-period
    lab on TUE P3-P4 and a class combining two batches on WED P2."""
    job = factories.GenerationJobFactory(
        term_start=dt.date(2026, 1, 7), term_end=dt.date(2026, 5, 29)
    )
    b1 = factories.BatchFactory(code="CSE-3A")
    b2 = factories.BatchFactory(code="CSE-3B")
    teacher = factories.FacultyFactory(employee_id="F101", name="Dr. Anita Rao")
    theory = factories.OfferingFactory(
        batch=b1,
        faculty=teacher,
        subject=factories.SubjectFactory(code="CS301", name="Data Structures"),
    )
    lab = factories.OfferingFactory(
        batch=b1,
        faculty=teacher,
        subject=factories.SubjectFactory(
            code="CS391", name="DS Lab", kind="lab", periods_per_session=2
        ),
    )
    ethics = factories.SubjectFactory(code="HS301", name="Ethics, Law; Society")
    guest = factories.FacultyFactory(employee_id="F200")
    combined = [
        factories.OfferingFactory(batch=b, subject=ethics, faculty=guest, group="G1")
        for b in (b1, b2)
    ]
    lh = factories.RoomFactory(code="LH-101")
    lab_room = factories.RoomFactory(code="LAB-1", kind="lab")
    big = factories.RoomFactory(code="LH-201", capacity=130)
    factories.TimetableSlotFactory(job=job, offering=theory, room=lh, day=0, period=1)
    factories.TimetableSlotFactory(job=job, offering=lab, room=lab_room, day=1, period=3, length=2)
    factories.TimetableSlotFactory(job=job, offering=combined[0], room=big, day=2, period=2)
    factories.TimetableSlotFactory(
        job=job, offering=combined[1], room=big, day=2, period=2, primary=False
    )
    return job


def _csv(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def _unfold(ics: str) -> list[str]:
    return ics.replace("\r\n ", "").split("\r\n")


def _events(ics: str) -> list[dict[str, str]]:
    events, current = [], None
    for line in _unfold(ics):
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            name, _, value = line.partition(":")
            current[name] = value
    return events


# --- CSV -----------------------------------------------------------------------------------


def test_csv_has_the_contract_header_and_one_row_per_slot(timetable):
    rows = _csv(exports.to_csv(selectors.export_slots(job_id=timetable.pk)))
    assert rows[0] == HEADER
    assert rows[1:] == [
        ["CSE-3A", "CS301", "F101", "LH-101", "MON", "1", "1", ""],
        ["CSE-3A", "CS391", "F101", "LAB-1", "TUE", "3", "2", ""],
        # a combined class: one row per batch
        ["CSE-3A", "HS301", "F200", "LH-201", "WED", "2", "1", ""],
        ["CSE-3B", "HS301", "F200", "LH-201", "WED", "2", "1", ""],
    ]


def test_csv_neutralises_cells_that_look_like_formulas(db):
    slot = factories.TimetableSlotFactory(
        offering=factories.OfferingFactory(
            batch=factories.BatchFactory(code="@SUM(A1)"),
            subject=factories.SubjectFactory(code='=HYPERLINK("http://x")'),
        ),
        room=factories.RoomFactory(code="-R1"),
    )
    (row,) = _csv(exports.to_csv(selectors.export_slots(job_id=slot.job_id)))[1:]
    assert row[0] == "'@SUM(A1)"
    assert row[1] == '\'=HYPERLINK("http://x")'
    assert row[3] == "'-R1"


@pytest.fixture
def electives(grid):
    """Basket EL5 of batches CSE-3A and CSE-3B with options ML (room LH-1) and NLP (LH-2)
    on THU P1; lab group CSE-3A-L1 of CSE-3A in LAB-1 on FRI P3-P4."""
    job = factories.GenerationJobFactory(term_start=dt.date(2026, 1, 5))
    a = factories.BatchFactory(code="CSE-3A")
    b = factories.BatchFactory(code="CSE-3B")
    basket = factories.BasketFactory(code="EL5", batches=[a, b])
    for code, room in (("ML", "LH-1"), ("NLP", "LH-2")):
        option = factories.BasketOptionFactory(
            basket=basket, subject=factories.SubjectFactory(code=code, name=f"{code} topic")
        )
        room = factories.RoomFactory(code=room)
        for i, offering in enumerate(option.offerings.order_by("batch__code")):
            factories.TimetableSlotFactory(
                job=job, offering=offering, room=room, day=3, period=1, primary=i == 0
            )
    group = factories.SubgroupFactory(code="CSE-3A-L1", parent=a)
    factories.TimetableSlotFactory(
        job=job,
        offering=factories.OfferingFactory(
            batch=group, subject=factories.SubjectFactory(code="CS391", name="DS Lab", kind="lab")
        ),
        room=factories.RoomFactory(code="LAB-1", kind="lab"),
        day=4,
        period=3,
        length=2,
    )
    return job


def test_csv_names_the_basket_of_an_options_rows_and_the_subgroup_of_its_session(electives):
    rows = _csv(exports.to_csv(selectors.export_slots(job_id=electives.pk)))
    assert rows[0][-1] == "basket"
    by_subject = {}
    for row in rows[1:]:
        by_subject.setdefault(row[1], []).append((row[0], row[3], row[-1]))
    assert by_subject == {
        "ML": [("CSE-3A", "LH-1", "EL5"), ("CSE-3B", "LH-1", "EL5")],
        "NLP": [("CSE-3A", "LH-2", "EL5"), ("CSE-3B", "LH-2", "EL5")],
        "CS391": [("CSE-3A-L1", "LAB-1", "")],
    }


def test_json_and_ics_carry_the_basket_too(electives):
    slots = list(selectors.export_slots(job_id=electives.pk))
    rows = json.loads(exports.to_json(slots, selectors.time_grid()))
    assert sorted((r["subject"], r["batch"], r["basket"]) for r in rows) == [
        ("CS391", "CSE-3A-L1", ""),
        ("ML", "CSE-3A", "EL5"),
        ("ML", "CSE-3B", "EL5"),
        ("NLP", "CSE-3A", "EL5"),
        ("NLP", "CSE-3B", "EL5"),
    ]
    events = _events(exports.to_ics(slots, selectors.time_grid()))
    summaries = sorted(e["SUMMARY"] for e in events)
    assert summaries == [
        "DS Lab (CSE-3A-L1)",
        "ML topic (CSE-3A\\, CSE-3B) · elective EL5",
        "NLP topic (CSE-3A\\, CSE-3B) · elective EL5",
    ]
    ml = next(e for e in events if e["SUMMARY"].startswith("ML"))
    assert "Elective basket: EL5 (option ML)" in ml["DESCRIPTION"]


# --- iCalendar -----------------------------------------------------------------------------


def test_ics_has_one_weekly_event_per_session_with_times_from_the_grid(timetable):
    ics = exports.to_ics(
        selectors.export_slots(job_id=timetable.pk), selectors.time_grid(), name="CSE"
    )
    assert ics.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert ics.endswith("END:VCALENDAR\r\n")
    assert "\n" not in ics.replace("\r\n", "")  # CRLF only
    events = _events(ics)
    assert len(events) == 3  # the combined class is one event
    by_summary = {e["SUMMARY"].split(" (")[0]: e for e in events}

    theory = by_summary["Data Structures"]
    # The term starts on Wednesday 2026-01-07; the first Monday is the 12th.
    assert theory["DTSTART"] == "20260112T090000"
    assert theory["DTEND"] == "20260112T095000"
    assert theory["RRULE"] == "FREQ=WEEKLY;UNTIL=20260529T235959"
    assert theory["LOCATION"] == "LH-101"

    lab = by_summary["DS Lab"]
    assert lab["DTSTART"] == "20260113T110000"  # TUE P3
    assert lab["DTEND"] == "20260113T124000"  # end of P4
    assert dt.datetime.strptime(lab["DTSTART"], "%Y%m%dT%H%M%S").weekday() == 1

    ethics = next(e for e in events if e["SUMMARY"].startswith("Ethics"))
    assert ethics["SUMMARY"] == "Ethics\\, Law\\; Society (CSE-3A\\, CSE-3B)"
    assert ethics["DTSTART"] == "20260107T095000"  # WED P2, the term's first day
    assert len({e["UID"] for e in events}) == 3
    for event in events:
        assert event["DTSTAMP"].endswith("Z")
        day = dt.datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%S").weekday()
        assert day in (0, 1, 2)


def test_ics_uids_are_stable_between_exports(timetable):
    def uids() -> list[str]:
        ics = exports.to_ics(selectors.export_slots(job_id=timetable.pk), selectors.time_grid())
        return [e["UID"] for e in _events(ics)]

    assert uids() == uids()


def test_ics_without_a_term_starts_at_the_next_occurrence_and_never_ends(grid):
    slot = factories.TimetableSlotFactory(day=4, period=2)  # FRI P2, job without a term
    ics = exports.to_ics([slot], selectors.time_grid(), today=dt.date(2026, 3, 4))  # a Wed
    (event,) = _events(ics)
    assert event["DTSTART"] == "20260306T095000"
    assert event["RRULE"] == "FREQ=WEEKLY"


def test_ics_folds_long_lines_at_75_octets_without_splitting_characters(timetable):
    factories.TimetableSlotFactory(
        job=timetable,
        day=3,
        period=1,
        offering=factories.OfferingFactory(subject=factories.SubjectFactory(name="Ünïcödé " * 20)),
    )
    ics = exports.to_ics(selectors.export_slots(job_id=timetable.pk), selectors.time_grid())
    lines = ics.split("\r\n")
    assert max(len(line.encode("utf-8")) for line in lines) <= 75
    assert any(line.startswith(" ") for line in lines)
    ics.encode("utf-8").decode("utf-8")  # every chunk is valid UTF-8
    summaries = [e["SUMMARY"] for e in _events(ics)]
    assert any(s.startswith("Ünïcödé " * 20) for s in summaries)


def test_ics_names_a_period_missing_from_the_time_grid(db):
    slot = factories.TimetableSlotFactory(day=2, period=9)
    with pytest.raises(exports.ExportError, match="no period 9 on WED"):
        exports.to_ics([slot], {})


# --- JSON ----------------------------------------------------------------------------------


def test_json_has_the_csv_fields_and_times(timetable):
    rows = json.loads(
        exports.to_json(selectors.export_slots(job_id=timetable.pk), selectors.time_grid())
    )
    assert rows[1] == {
        "batch": "CSE-3A",
        "subject": "CS391",
        "faculty": "F101",
        "room": "LAB-1",
        "day": "TUE",
        "period": 3,
        "length": 2,
        "basket": "",
        "start": "11:00",
        "end": "12:40",
    }
    assert [r["batch"] for r in rows] == ["CSE-3A", "CSE-3A", "CSE-3A", "CSE-3B"]


# --- the command ---------------------------------------------------------------------------


def test_command_exports_a_job_to_a_file(timetable, tmp_path):
    out, err = io.StringIO(), io.StringIO()
    target = tmp_path / "tt.csv"
    call_command(
        "export_timetable", "--job", str(timetable.pk), "--out", str(target), stdout=out, stderr=err
    )
    data = target.read_bytes()
    assert data.startswith(b"batch,subject,faculty,room,day,period,length,basket\r\n")
    assert len(_csv(data.decode())) == 5
    assert out.getvalue() == ""
    assert err.getvalue().strip() == (f"Wrote 4 rows (csv) from job {timetable.pk} to {target}.")


def test_command_without_job_exports_the_published_timetable_to_stdout(timetable):
    factories.TimetableSlotFactory(
        active=True, offering=factories.OfferingFactory(batch=factories.BatchFactory(code="PUB-1"))
    )
    timetable.slots.update(active=False)  # job 1 is a draft now
    out, err = io.StringIO(), io.StringIO()
    call_command("export_timetable", "--format", "json", stdout=out, stderr=err)
    assert [r["batch"] for r in json.loads(out.getvalue())] == ["PUB-1"]
    assert "Wrote 1 rows (json) from the published timetable to standard output" in err.getvalue()


def test_command_writes_ics_with_crlf(timetable, tmp_path):
    target = tmp_path / "tt.ics"
    err = io.StringIO()
    call_command(
        "export_timetable",
        "--job",
        str(timetable.pk),
        "--format",
        "ics",
        "--out",
        str(target),
        stderr=err,
    )
    data = target.read_bytes()
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.count(b"BEGIN:VEVENT") == 3
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert "Wrote 3 events (ics)" in err.getvalue()


def test_command_errors_clearly(db):
    with pytest.raises(CommandError, match="Generation job 999 does not exist"):
        call_command("export_timetable", "--job", "999")
    with pytest.raises(CommandError, match="no published timetable"):
        call_command("export_timetable")


# --- the API action ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fmt", "content_type", "start"),
    [
        ("csv", "text/csv", b"batch,subject,faculty,room,day,period,length,basket\r\n"),
        ("ics", "text/calendar", b"BEGIN:VCALENDAR\r\n"),
        ("json", "application/json", b"["),
    ],
)
def test_api_export_each_format(staff_client, timetable, fmt, content_type, start):
    response = staff_client.get(f"/api/generation-jobs/{timetable.pk}/export/?format={fmt}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert (
        response["Content-Disposition"]
        == f'attachment; filename="timetable-job-{timetable.pk}.{fmt}"'
    )
    assert response.content.startswith(start)


def test_api_export_defaults_to_csv(admin_client, timetable):
    response = admin_client.get(f"/api/generation-jobs/{timetable.pk}/export/")
    assert response["Content-Type"].startswith("text/csv")
    assert len(_csv(response.content.decode())) == 5


def test_api_export_rejects_an_unknown_format_with_json(staff_client, timetable):
    response = staff_client.get(f"/api/generation-jobs/{timetable.pk}/export/?format=xlsx")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert "csv, ics, json" in response.json()["detail"]


def test_api_export_is_for_managers(student_client, faculty_client, api_client, timetable):
    url = f"/api/generation-jobs/{timetable.pk}/export/?format=csv"
    assert student_client.get(url).status_code == 403
    assert faculty_client.get(url).status_code == 403
    assert api_client.get(url).status_code == 401


def test_api_export_of_a_missing_job_is_404(staff_client):
    response = staff_client.get("/api/generation-jobs/999/export/?format=ics")
    assert response.status_code == 404
    assert "detail" in response.json()
