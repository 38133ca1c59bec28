"""The published timetable's health at a glance, for the office's dashboard: idle periods of
batches and the use of rooms and teachers, computed from plain rows (no queries here), and
laid out as the pictures the page draws (a heat map of rooms x periods, a bar chart of
teaching load against maxima) so the template only places shapes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
CELL = 12  # px of one period in the heat map
LABEL_W = 90  # px for a room's or teacher's label
BAR_W = 300  # px of a full bar (the teacher's weekly maximum)
BAR_H = 14


@dataclass(frozen=True)
class SlotRow:
    """One published slot as the dashboard needs it."""

    batch_id: int
    department: str
    room_id: int
    faculty_id: int
    day: int
    period: int  # 1-based
    length: int
    primary: bool


@dataclass
class DepartmentHealth:
    code: str
    batches: int = 0
    sessions: int = 0
    idle_periods: int = 0  # between a batch's first and last period of a day, summed

    @property
    def idle_per_batch(self) -> float:
        return round(self.idle_periods / self.batches, 1) if self.batches else 0.0


@dataclass(frozen=True)
class Load:
    """A teacher's periods in the published week beside their weekly maximum."""

    label: str
    periods: int
    maximum: int


@dataclass(frozen=True)
class Column:
    x: int
    day: str


@dataclass(frozen=True)
class HeatCell:
    x: int
    y: int
    used: bool
    title: str


@dataclass(frozen=True)
class HeatRow:
    y: int
    label: str
    share: int  # percent of the week's periods in use


@dataclass
class HeatMap:
    """Rooms down, the week's periods across; a filled cell is a period in use."""

    width: int
    height: int
    columns: list[Column] = field(default_factory=list)  # where each day starts
    rows: list[HeatRow] = field(default_factory=list)
    cells: list[HeatCell] = field(default_factory=list)


@dataclass(frozen=True)
class LoadBar:
    y: int
    label: str
    periods: int
    maximum: int
    width: int  # px of the load
    over: bool


@dataclass
class LoadChart:
    width: int
    height: int
    bars: list[LoadBar] = field(default_factory=list)
    bar_x: int = LABEL_W  # where bars start
    max_x: int = LABEL_W + BAR_W  # where a bar reaching its maximum ends


def department_health(rows: Iterable[SlotRow]) -> list[DepartmentHealth]:
    """Per department: batches with sessions, sessions (combined classes once) and the idle
    periods inside batches' days."""
    by_dept: dict[str, DepartmentHealth] = {}
    busy: dict[tuple[str, int, int], set[int]] = defaultdict(set)  # (dept, batch, day)
    batches: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        dept = by_dept.setdefault(row.department, DepartmentHealth(code=row.department))
        if row.primary:
            dept.sessions += 1
        batches[row.department].add(row.batch_id)
        busy[(row.department, row.batch_id, row.day)].update(
            range(row.period, row.period + row.length)
        )
    for (code, _batch, _day), periods in busy.items():
        by_dept[code].idle_periods += max(periods) - min(periods) + 1 - len(periods)
    for code, ids in batches.items():
        by_dept[code].batches = len(ids)
    return sorted(by_dept.values(), key=lambda d: d.code)


def room_heat_map(
    rows: Iterable[SlotRow], rooms: dict[int, str], cells: list[tuple[int, int]]
) -> HeatMap:
    """``rooms``: code by id, in display order; ``cells``: the grid's (day, period), in order."""
    used: set[tuple[int, int, int]] = set()
    for row in rows:
        for period in range(row.period, row.period + row.length):
            used.add((row.room_id, row.day, period))
    x_of: dict[tuple[int, int], int] = {}
    columns: list[Column] = []
    x = LABEL_W
    last_day = None
    for day, period in cells:
        if day != last_day:
            if last_day is not None:
                x += CELL // 2  # a gap between days
            columns.append(Column(x=x, day=DAY_NAMES[day]))
            last_day = day
        x_of[(day, period)] = x
        x += CELL
    heat = HeatMap(width=x + 4, height=(len(rooms) + 1) * CELL + 8, columns=columns)
    for index, (room_id, code) in enumerate(rooms.items()):
        y = (index + 1) * CELL + 4
        in_use = 0
        for day, period in cells:
            on = (room_id, day, period) in used
            in_use += on
            heat.cells.append(
                HeatCell(
                    x=x_of[(day, period)],
                    y=y,
                    used=on,
                    title=f"{code} {DAY_NAMES[day]} P{period}: {'in use' if on else 'free'}",
                )
            )
        share = round(100 * in_use / len(cells)) if cells else 0
        heat.rows.append(HeatRow(y=y, label=code, share=share))
    return heat


def load_chart(loads: Iterable[Load]) -> LoadChart:
    """Teachers' loads as bars against their maxima, the most loaded (as a share) first."""
    ordered = sorted(loads, key=lambda load: (-load.periods / max(load.maximum, 1), load.label))
    chart = LoadChart(width=LABEL_W + BAR_W + 80, height=len(ordered) * (BAR_H + 4) + 4)
    for index, load in enumerate(ordered):
        scale = min(load.periods / load.maximum, 1.25) if load.maximum else 0
        chart.bars.append(
            LoadBar(
                y=index * (BAR_H + 4) + 2,
                label=load.label,
                periods=load.periods,
                maximum=load.maximum,
                width=round(BAR_W * scale),
                over=load.periods > load.maximum,
            )
        )
    return chart
