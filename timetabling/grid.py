"""The weekly grid of the timetable pages: presentation, laid out from rows already read.

``week_grid`` takes the slots (``selectors.export_slots``) and the time grid
(``selectors.time_grid``) and lays them out: days across, periods (and breaks) down, a
combined class as one entry, a lab spanning its periods. Sessions that run in parallel for
different students (sibling subgroups, the options of one elective basket) share one cell,
each labelled; only sessions that share a teacher, a room or students are a clash. No
queries.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from academics.models import Day
from timetabling.models import TimetableSlot


@dataclass
class GridEntry:
    """One session in a grid cell; a combined class lists all its batches."""

    subject_code: str
    subject_name: str
    is_lab: bool
    faculty_id: str
    faculty_name: str
    batches: list[str]
    room: str
    period: int
    length: int
    combined: bool = False  # one class attended by several batches together
    slot_id: int | None = None  # the first of its slots (pinning acts on all of them)
    pinned: bool = False
    subgroup: str = ""  # the subgroup (lab or tutorial group) the session is for
    basket: str = ""  # the elective basket whose option this session is
    fixed: bool = False  # held where a fixed session put it
    # for clash checks: the batches of the session, and those with everything they are
    # subgroups of
    members: frozenset[int] = frozenset()
    audience: frozenset[int] = frozenset()
    faculty_pk: int = 0
    room_pk: int = 0

    def meets(self, other: GridEntry) -> bool:
        """The two sessions cannot both happen at once: a shared teacher or room, or shared
        students (options of one basket never share students)."""
        if self.faculty_pk == other.faculty_pk or self.room_pk == other.room_pk:
            return True
        if self.basket and self.basket == other.basket:
            return False
        # a batch meets its own subgroups; sibling subgroups do not meet
        return bool(self.members & other.audience or other.members & self.audience)


@dataclass
class GridCell:
    day: int
    entries: list[GridEntry] = field(default_factory=list)
    rowspan: int = 1
    open: bool = True  # the day has this period in its time grid
    times: str = ""  # this day's own times when they differ from the row's

    @property
    def clash(self) -> bool:
        return any(a.meets(b) for i, a in enumerate(self.entries) for b in self.entries[i + 1 :])

    @property
    def parallel(self) -> bool:
        """Several sessions for different students at once (subgroups, elective options)."""
        return len(self.entries) > 1 and not self.clash


@dataclass
class GridRow:
    kind: str  # "period" or "break"
    period: int | None
    start: dt.time | None
    end: dt.time | None
    cells: list[GridCell]  # cells covered by a longer session above are left out


@dataclass
class TimetableGrid:
    days: list[tuple[int, str]]
    rows: list[GridRow]
    sessions: int


def _lineage(batch_id: int, parents: Mapping[int, int]) -> frozenset[int]:
    out = [batch_id]
    while out[-1] in parents and parents[out[-1]] not in out:
        out.append(parents[out[-1]])
    return frozenset(out)


def week_grid(
    slots: list[TimetableSlot],
    times: dict[tuple[int, int], tuple[dt.time, dt.time]],
    *,
    parents: Mapping[int, int] | None = None,
    fixed: set[int] | frozenset[int] = frozenset(),
) -> TimetableGrid:
    """Lay sessions out as a weekly grid: days across, periods (and breaks) down.

    ``parents`` maps each subgroup's id to its parent's (``academics.selectors.
    subgroup_parents``), so a parent's session clashes with its subgroups' and siblings'
    do not; ``fixed`` holds the ids of slots a fixed session placed."""
    parents = parents or {}
    covered_periods = {(s.day, p) for s in slots for p in range(s.period, s.period + s.length)}
    days = sorted({d for d, _ in times} | {d for d, _ in covered_periods}) or list(range(5))
    periods = sorted({p for _, p in times} | {p for _, p in covered_periods})

    # A period's row shows the times most days share; a day that differs shows its own.
    row_times: dict[int, tuple[dt.time, dt.time] | None] = {}
    for p in periods:
        spans = Counter(times[(d, p)] for d in days if (d, p) in times)
        row_times[p] = spans.most_common(1)[0][0] if spans else None

    # Rows: each period, with a break row wherever the next period does not start when the
    # previous one ends.
    layout: list[tuple[str, int | None, dt.time | None, dt.time | None]] = []
    row_of: dict[int, int] = {}
    for i, p in enumerate(periods):
        if i:
            before, now = row_times[periods[i - 1]], row_times[p]
            if before and now and now[0] > before[1]:
                layout.append(("break", None, before[1], now[0]))
        row_of[p] = len(layout)
        span = row_times[p]
        layout.append(("period", p, span[0] if span else None, span[1] if span else None))

    # Sessions: the per-batch slots of a combined class are one entry.
    entries: dict[tuple, GridEntry] = {}
    for s in sorted(slots, key=lambda s: (s.day, s.period, s.batch.code)):
        key = (s.day, s.period, s.length, s.faculty_id, s.room_id, s.offering.subject_id)
        lineage = _lineage(s.batch_id, parents)
        if key in entries:
            entry = entries[key]
            entry.batches.append(s.batch.code)
            entry.members = entry.members | {s.batch_id}
            entry.audience = entry.audience | lineage
            entry.fixed = entry.fixed or s.pk in fixed
            continue
        subject = s.offering.subject
        option = s.offering.basket_option
        entries[key] = GridEntry(
            subject.code,
            subject.name,
            subject.kind == "lab",
            s.faculty.employee_id,
            s.faculty.name,
            [s.batch.code],
            s.room.code,
            s.period,
            s.length,
            combined=bool(s.offering.group) and option is None,
            subgroup=s.batch.code if s.batch.parent_id is not None else "",
            basket=option.basket.code if option is not None else "",
            fixed=s.pk in fixed,
            members=frozenset({s.batch_id}),
            audience=lineage,
            faculty_pk=s.faculty_id,
            room_pk=s.room_id,
            slot_id=s.pk,
            pinned=s.pinned,
        )

    origin: dict[tuple[int, int], GridCell] = {}  # (day, row) -> the cell starting there
    owner: dict[tuple[int, int], GridCell] = {}  # (day, row) -> the cell covering it
    for (day, period, length, *_), entry in sorted(entries.items(), key=lambda kv: kv[0][:3]):
        first = row_of[period]
        last = row_of[period + length - 1]
        cell = owner.get((day, first))
        if cell is None:
            cell = origin[(day, first)] = GridCell(day=day)
            owner[(day, first)] = cell
        cell.entries.append(entry)
        top = next(r for (d, r), c in origin.items() if d == day and c is cell)
        cell.rowspan = max(cell.rowspan, last - top + 1)
        for r in range(top, top + cell.rowspan):
            owner.setdefault((day, r), cell)

    rows = []
    for index, (kind, period, start, end) in enumerate(layout):
        cells = []
        for day in days:
            if (day, index) in owner and (day, index) not in origin:
                continue  # inside a longer session above
            cell = origin.get((day, index)) or GridCell(day=day)
            if kind == "period" and period is not None:
                own = times.get((day, period))
                cell.open = own is not None or bool(cell.entries)
                if own and row_times[period] and own != row_times[period]:
                    cell.times = f"{own[0]:%H:%M}–{own[1]:%H:%M}"
            cells.append(cell)
        rows.append(GridRow(kind, period, start, end, cells))
    return TimetableGrid(days=[(d, Day(d).label) for d in days], rows=rows, sessions=len(entries))
