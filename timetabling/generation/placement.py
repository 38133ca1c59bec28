"""Where and when classes may be placed, for the problem builder: rooms with their features
and closures, teachers with their limits and preferences, shifts, and the sessions that are
pinned (fixed special classes, and the untouched classes of batches a scope pulled in)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from academics import limits
from academics.models import (
    Faculty,
    FacultyPreference,
    FacultyUnavailability,
    FixedSession,
    Preference,
    Room,
    RoomUnavailability,
)
from timetabling import optimizer as opt
from timetabling.generation.groups import BatchTree


def rooms_read() -> tuple[opt.Room, ...]:
    """Every room with its features and closed periods. Two queries."""
    closed: dict[int, set[opt.Slot]] = defaultdict(set)
    for room_id, day, period in RoomUnavailability.objects.values_list("room_id", "day", "period"):
        closed[room_id].add((day, period - 1))
    return tuple(
        opt.Room(
            id=pk,
            kind=opt.RoomKind(kind),
            capacity=capacity,
            features=limits.tags_of(features),
            unavailable=frozenset(closed.get(pk, ())),
        )
        for pk, kind, capacity, features in Room.objects.order_by("pk").values_list(
            "pk", "kind", "capacity", "features"
        )
    )


def faculty_build(rows: Iterable[Faculty]) -> tuple[opt.Faculty, ...]:
    """The teachers of ``rows`` with their unavailability, limits and preferences. Two
    queries."""
    rows = sorted(rows, key=lambda f: f.pk)
    ids = [f.pk for f in rows]
    unavailable: dict[int, set[opt.Slot]] = defaultdict(set)
    for fid, day, period in FacultyUnavailability.objects.filter(faculty_id__in=ids).values_list(
        "faculty_id", "day", "period"
    ):
        unavailable[fid].add((day, period - 1))
    wishes: dict[tuple[int, str], set[opt.Slot]] = defaultdict(set)
    for fid, day, period, preference in FacultyPreference.objects.filter(
        faculty_id__in=ids
    ).values_list("faculty_id", "day", "period", "preference"):
        wishes[(fid, preference)].add((day, period - 1))
    return tuple(
        opt.Faculty(
            id=f.pk,
            unavailable=frozenset(unavailable.get(f.pk, ())),
            max_periods_per_day=f.max_hours_per_day,
            max_periods_per_week=f.max_hours_per_week,
            max_consecutive=f.max_consecutive,
            max_gaps_per_day=f.max_gaps_per_day,
            prefer=frozenset(wishes.get((f.pk, Preference.PREFER), ())),
            avoid=frozenset(wishes.get((f.pk, Preference.AVOID), ())),
        )
        for f in rows
    )


@dataclass
class Shifts:
    """Per batch, the cells outside its shift, and the shift's code (for explanations)."""

    unavailable: dict[int, frozenset[opt.Slot]] = field(default_factory=dict)
    codes: dict[int, str] = field(default_factory=dict)
    issues: list[str] = field(default_factory=list)


def shifts_build(batch_ids: Iterable[int], tree: BatchTree, grid: opt.TimeGrid) -> Shifts:
    """A batch in a shift may use only its shift's periods; a subgroup without a shift of
    its own follows its parent's."""
    out = Shifts()
    outside: dict[str, frozenset[opt.Slot]] = {}
    for b in batch_ids:
        row = tree.shift(b)
        if row is None or row.shift_code is None:
            continue
        code = row.shift_code
        if code not in outside:
            try:
                periods = limits.periods_parse(row.shift_periods or "")
            except ValueError as exc:
                out.issues.append(f"Shift {code} has unusable periods: {exc}.")
                periods = frozenset(range(1, grid.periods_per_day + 1))
            outside[code] = frozenset(
                (d, p)
                for d in range(grid.days)
                for p in range(grid.periods_per_day)
                if p + 1 not in periods
            )
        out.codes[b] = code
        if outside[code]:
            out.unavailable[b] = outside[code]
    return out


@dataclass
class Pins:
    """Pins per class id, and why some fixed sessions cannot be used."""

    of: dict[int, list[opt.Pin]] = field(default_factory=lambda: defaultdict(list))
    issues: list[str] = field(default_factory=list)

    def add(self, cid: int, pin: opt.Pin) -> None:
        if not any((p.day, p.period) == (pin.day, pin.period) for p in self.of[cid]):
            self.of[cid].append(pin)


def fixed_pins_add(
    pins: Pins,
    *,
    batch_ids: Iterable[int],
    class_of: dict[tuple[int, int], int],
    grid: opt.TimeGrid,
    tree: BatchTree,
) -> None:
    """The institution's fixed sessions of the scope as pins with reason ``"fixed"``.

    ``class_of`` maps (batch id, subject id) to the class of that offering, so a fixed
    session may name any batch of a combined class or of a basket; a subgroup stands for
    its parent's class when it has none of its own. One query.
    """
    for row in (
        FixedSession.objects.filter(batch_id__in=list(batch_ids))
        .order_by("batch__code", "subject__code", "day", "period")
        .values_list(
            "batch_id",
            "subject_id",
            "day",
            "period",
            "room_id",
            "batch__code",
            "subject__code",
            named=True,
        )
    ):
        what = f"The fixed session of {row.subject__code} for {row.batch__code}"
        cid = next(
            (
                class_of[(b, row.subject_id)]
                for b in tree.chain(row.batch_id)
                if (b, row.subject_id) in class_of
            ),
            None,
        )
        if cid is None:
            pins.issues.append(f"{what} names a class that is not taught to that batch.")
            continue
        if not grid.exists(row.day, row.period - 1):
            pins.issues.append(f"{what} is at a period that is not in the weekly time grid.")
            continue
        pins.add(cid, opt.Pin(day=row.day, period=row.period - 1, room=row.room_id, reason="fixed"))


def kept_pins_add(
    pins: Pins,
    *,
    classes: Iterable[opt.ClassSpec],
    asked: frozenset[int],
    published: dict[int, list[opt.Session]],
) -> None:
    """A class none of whose batches the scope asked for (it belongs to batches pulled in by
    a combined class or a basket) stays at its published place: its published sessions
    become pins (reason ``"pinned"``), in their published room."""
    for cls in classes:
        if asked.intersection(cls.batches):
            continue
        for s in published.get(cls.id, ()):
            if len(pins.of[cls.id]) >= cls.sessions_per_week:
                break
            pins.add(cls.id, opt.Pin(day=s.day, period=s.period, room=s.room, reason="pinned"))


def pins_check(pins: Pins, classes: Iterable[opt.ClassSpec], names: dict[int, str]) -> None:
    for cls in classes:
        n = len(pins.of.get(cls.id, ()))
        if n > cls.sessions_per_week:
            pins.issues.append(
                f"{names.get(cls.id, cls.id)} has {n} fixed sessions but meets only "
                f"{cls.sessions_per_week} times a week."
            )
