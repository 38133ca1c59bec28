"""Timetable exports: CSV, iCalendar (RFC 5545) and JSON, as pure functions over slots.

Every function takes an iterable of ``TimetableSlot`` rows loaded with
``select_related("offering__subject", "batch", "faculty", "room", "job")`` (see
``selectors.export_slots``) and, where times are needed, the time grid as a mapping
``(day, period) -> (start_time, end_time)`` (see ``selectors.time_grid``). Nothing here
queries the database.

CSV (the contract): ``batch, subject, faculty, room, day, period, length, basket``, one row
per slot, so a combined class (and an elective basket's option) gives one row per batch.
Codes are the import keys (batch code, subject code, faculty employee id, room code); a
subgroup's session names the subgroup in ``batch``; ``day`` is ``MON``..``SUN``; ``period``
is the first, 1-based period; ``length`` the number of periods; ``basket`` the elective
basket's code for an option's rows, empty otherwise.

iCalendar: one weekly recurring ``VEVENT`` per session (the slots of a combined class are one
event naming all its batches; an option's summary names its basket). Times are floating
local times of the institution's time grid. A date changed by an accepted override (another
teacher, or another period or room that day) is an exception: an ``EXDATE`` on the weekly
event and a one-off event for that date (left out of the absent teacher's own feed, which
only loses the date).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.http import HttpResponse

from academics.models import Day
from sih28.csvutil import safe_cell
from sih28.errors import ApplicationError
from timetabling.models import SessionOverride, TimetableSlot

CSV_HEADER = ("batch", "subject", "faculty", "room", "day", "period", "length", "basket")
FORMATS = ("csv", "ics", "json")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "ics": "text/calendar; charset=utf-8",
    "json": "application/json",
}

TimeGrid = Mapping[tuple[int, int], tuple[dt.time, dt.time]]


class ExportError(ApplicationError):
    """The timetable cannot be exported as asked (for example, the time grid lacks a period)."""


@dataclass(frozen=True)
class Export:
    """One rendered export: its text, HTTP content type, file extension and item count."""

    content: str
    content_type: str
    extension: str
    count: int


def _ordered(slots: Iterable[TimetableSlot]) -> list[TimetableSlot]:
    return sorted(
        slots, key=lambda s: (s.day, s.period, s.batch.code, s.offering.subject.code, s.pk or 0)
    )


def basket_code(slot: TimetableSlot) -> str:
    """The elective basket's code when the slot is one of its options' sessions, else ``""``."""
    option = slot.offering.basket_option
    return option.basket.code if option is not None else ""


def session_times(slot: TimetableSlot, times: TimeGrid) -> tuple[dt.time, dt.time] | None:
    """Start of the slot's first period and end of its last, or None if the grid lacks one."""
    first = times.get((slot.day, slot.period))
    last = times.get((slot.day, slot.period + slot.length - 1))
    if first is None or last is None:
        return None
    return first[0], last[1]


# --- CSV -----------------------------------------------------------------------------------


def csv_rows(slots: Iterable[TimetableSlot]) -> list[list[str]]:
    """The contract's rows (without header), every cell formula-neutralised."""
    return [
        [
            safe_cell(v)
            for v in (
                s.batch.code,
                s.offering.subject.code,
                s.faculty.employee_id,
                s.room.code,
                Day(s.day).label,
                s.period,
                s.length,
                basket_code(s),
            )
        ]
        for s in _ordered(slots)
    ]


def to_csv(slots: Iterable[TimetableSlot]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(name) for name in CSV_HEADER])
    writer.writerows(csv_rows(slots))
    return out.getvalue()


# --- JSON ----------------------------------------------------------------------------------


def json_rows(slots: Iterable[TimetableSlot], times: TimeGrid) -> list[dict]:
    """The CSV fields plus ``start`` and ``end`` (``HH:MM``, null if the grid lacks them)."""
    rows = []
    for s in _ordered(slots):
        span = session_times(s, times)
        rows.append(
            {
                "batch": s.batch.code,
                "subject": s.offering.subject.code,
                "faculty": s.faculty.employee_id,
                "room": s.room.code,
                "day": Day(s.day).label,
                "period": s.period,
                "length": s.length,
                "basket": basket_code(s),
                "start": f"{span[0]:%H:%M}" if span else None,
                "end": f"{span[1]:%H:%M}" if span else None,
            }
        )
    return rows


def to_json(slots: Iterable[TimetableSlot], times: TimeGrid) -> str:
    return json.dumps(json_rows(slots, times), indent=2, ensure_ascii=False) + "\n"


# --- iCalendar -----------------------------------------------------------------------------


def ics_escape(text: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def ics_fold(line: str) -> str:
    """Fold a content line into lines of at most 75 octets (RFC 5545 3.1).

    Continuation lines start with one space; a multi-byte character is never split.
    """
    if len(line.encode("utf-8")) <= 75:
        return line
    parts: list[str] = []
    current, size, limit = [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, 74  # the leading space takes one octet
        current.append(char)
        size += width
    parts.append("".join(current))
    return "\r\n ".join(parts)


def first_occurrence(day: int, term_start: dt.date | None, today: dt.date) -> dt.date:
    """The first date on weekday ``day`` (0 = Monday) on or after the term start (or today)."""
    base = term_start or today
    return base + dt.timedelta(days=(day - base.weekday()) % 7)


def _stamp(slot: TimetableSlot) -> str:
    job = slot.job
    moment = job.published_at or job.finished_at or job.created_at
    if moment is None:
        return "19700101T000000Z"
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%S}Z"


def _sessions(slots: Iterable[TimetableSlot]) -> list[list[TimetableSlot]]:
    """Slots grouped into sessions: a combined class's per-batch slots are one session."""
    groups: dict[tuple, list[TimetableSlot]] = {}
    for s in _ordered(slots):
        key = (s.job_id, s.day, s.period, s.length, s.faculty_id, s.room_id, s.offering.subject_id)
        groups.setdefault(key, []).append(s)
    return list(groups.values())


Overrides = Mapping[int, list[SessionOverride]]  # slot id -> its overrides (dates)


def _span(slot: TimetableSlot, times: TimeGrid, period: int | None = None) -> tuple:
    first = slot.period if period is None else period
    start = times.get((slot.day, first))
    end = times.get((slot.day, first + slot.length - 1))
    if start is None or end is None:
        raise ExportError(
            f"The time grid has no period {first}"
            + (f"-{first + slot.length - 1}" if slot.length > 1 else "")
            + f" on {Day(slot.day).label}; import the time slots before exporting a calendar."
        )
    return start[0], end[1]


def _exception_lines(
    session: list[TimetableSlot],
    times: TimeGrid,
    overrides: list[SessionOverride],
    absent_feed: bool,
) -> tuple[list[str], list[str]]:
    """EXDATE lines for the weekly event and one-off events for the overridden dates."""
    head = next((s for s in session if s.primary), session[0])
    start, _ = _span(head, times)
    exdates, events = [], []
    for o in overrides:
        exdates.append(f"EXDATE:{dt.datetime.combine(o.date, start):%Y%m%dT%H%M%S}")
        if absent_feed:
            continue
        begin, end = _span(head, times, o.period)
        teacher = o.substitute or head.faculty
        room = o.room or head.room
        subject = head.offering.subject
        batches = ", ".join(s.batch.code for s in session)
        note = f"substitute {teacher.name}" if o.substitute else f"moved to period {o.period}"
        events += [
            "BEGIN:VEVENT",
            f"UID:sih28-job{head.job_id}-slot{head.pk}-{o.date:%Y%m%d}@sih28",
            f"DTSTAMP:{_stamp(head)}",
            f"DTSTART:{dt.datetime.combine(o.date, begin):%Y%m%dT%H%M%S}",
            f"DTEND:{dt.datetime.combine(o.date, end):%Y%m%dT%H%M%S}",
            f"SUMMARY:{ics_escape(f'{subject.name} ({batches}) - {note}')}",
            f"LOCATION:{ics_escape(room.code)}",
            f"DESCRIPTION:{ics_escape(f'Faculty: {teacher.name} ({teacher.employee_id})')}",
            "END:VEVENT",
        ]
    return exdates, events


def _event_lines(
    session: list[TimetableSlot],
    times: TimeGrid,
    today: dt.date,
    exdates: list[str] | None = None,
) -> list[str]:
    head = next((s for s in session if s.primary), session[0])
    span = _span(head, times)
    job = head.job
    date = first_occurrence(head.day, job.term_start, today)
    start = dt.datetime.combine(date, span[0])
    end = dt.datetime.combine(date, span[1])
    subject = head.offering.subject
    batches = ", ".join(s.batch.code for s in session)
    rrule = "RRULE:FREQ=WEEKLY"
    if job.term_end:
        rrule += f";UNTIL={job.term_end:%Y%m%d}T235959"
    basket = basket_code(head)
    elective = f"Elective basket: {basket} (option {subject.code})\n" if basket else ""
    description = (
        f"{subject.code} {subject.name}\n{elective}"
        f"Faculty: {head.faculty.name} ({head.faculty.employee_id})\n"
        f"Batch: {batches}\nRoom: {head.room.code}"
    )
    summary = f"{subject.name} ({batches})" + (f" · elective {basket}" if basket else "")
    return [
        "BEGIN:VEVENT",
        f"UID:sih28-job{head.job_id}-slot{head.pk}@sih28",
        f"DTSTAMP:{_stamp(head)}",
        f"DTSTART:{start:%Y%m%dT%H%M%S}",
        f"DTEND:{end:%Y%m%dT%H%M%S}",
        rrule,
        *(exdates or []),
        f"SUMMARY:{ics_escape(summary)}",
        f"LOCATION:{ics_escape(head.room.code)}",
        f"DESCRIPTION:{ics_escape(description)}",
        f"CATEGORIES:{ics_escape(subject.get_kind_display())}",
        "END:VEVENT",
    ]


def to_ics(
    slots: Iterable[TimetableSlot],
    times: TimeGrid,
    *,
    name: str = "Timetable",
    timezone_name: str | None = None,
    today: dt.date | None = None,
    overrides: Overrides | None = None,
    absent_faculty: int | None = None,
    covering: Iterable[tuple[list[TimetableSlot], SessionOverride]] = (),
) -> str:
    """A VCALENDAR with one weekly recurring VEVENT per session.

    ``overrides`` (by slot id) make exceptions; in the feed of teacher ``absent_faculty``
    a date another teacher covers is only excluded. ``covering`` adds the one-off events
    of sessions the feed's teacher covers for someone else.

    DTSTART is the first occurrence of the session's weekday on or after its job's
    ``term_start`` (or ``today``), at the start of its first period; DTEND is the end of
    its last period; the rule runs until the job's ``term_end`` when set.
    """
    today = today or dt.date.today()
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//SIH28//Timetable//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{ics_escape(name)}",
    ]
    if timezone_name:
        lines.append(f"X-WR-TIMEZONE:{timezone_name}")
    for session in _sessions(slots):
        head = next((s for s in session if s.primary), session[0])
        mine = (overrides or {}).get(head.pk, [])
        exdates, extra = _exception_lines(
            session,
            times,
            mine,
            absent_feed=absent_faculty is not None and head.faculty_id == absent_faculty,
        )
        lines.extend(_event_lines(session, times, today, exdates))
        lines.extend(extra)
    for session, override in covering:
        lines.extend(_exception_lines(session, times, [override], absent_feed=False)[1])
    lines.append("END:VCALENDAR")
    return "".join(ics_fold(line) + "\r\n" for line in lines)


def ics_event_count(slots: Iterable[TimetableSlot]) -> int:
    return len(_sessions(slots))


# --- one entry point -----------------------------------------------------------------------


def render(
    fmt: str,
    slots: Iterable[TimetableSlot],
    times: TimeGrid,
    *,
    name: str = "Timetable",
    timezone_name: str | None = None,
    today: dt.date | None = None,
    overrides: Overrides | None = None,
    absent_faculty: int | None = None,
    covering: Iterable[tuple[list[TimetableSlot], SessionOverride]] = (),
) -> Export:
    """Render ``slots`` in ``fmt`` (``csv``, ``ics`` or ``json``); overrides are calendar
    exceptions, so only ``ics`` shows them."""
    slots = list(slots)
    if fmt == "csv":
        return Export(to_csv(slots), CONTENT_TYPES["csv"], "csv", len(slots))
    if fmt == "json":
        return Export(to_json(slots, times), CONTENT_TYPES["json"], "json", len(slots))
    if fmt == "ics":
        content = to_ics(
            slots,
            times,
            name=name,
            timezone_name=timezone_name,
            today=today,
            overrides=overrides,
            absent_faculty=absent_faculty,
            covering=list(covering),
        )
        return Export(content, CONTENT_TYPES["ics"], "ics", ics_event_count(slots))
    raise ExportError(f"Unknown format {fmt!r}; use one of: {', '.join(FORMATS)}.")


def http_response(export: Export, basename: str) -> HttpResponse:
    """``export`` as a download named ``basename.<extension>``."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", basename).strip("-.") or "timetable"
    response = HttpResponse(export.content, content_type=export.content_type)
    response["Content-Disposition"] = f'attachment; filename="{safe}.{export.extension}"'

    return response
