"""What changed between two timetables (a draft against the published one), pure.

Slots are compared per offering (one batch's class): a slot at the same day, period and
room is unchanged; one at the same day and period in another room moved in room only; the
rest moved in time (their room may have changed too) and are paired up in the order of
the week. A combined class counts once per batch, as the timetable of each batch shows it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Place:
    day: int  # 0 = MON
    period: int  # 1-based
    room: str


@dataclass(frozen=True)
class SlotRow:
    offering: int
    batch: str
    subject: str
    place: Place


@dataclass(frozen=True)
class Change:
    batch: str
    subject: str
    before: Place
    after: Place

    @property
    def in_time(self) -> bool:
        return (self.before.day, self.before.period) != (self.after.day, self.after.period)


@dataclass(frozen=True)
class Changes:
    sessions: int  # slots of the new timetable
    time_moves: tuple[Change, ...]
    room_moves: tuple[Change, ...]  # same day and period, another room
    added: int  # slots with no counterpart before (a class new to the scope)
    removed: int  # slots before with no counterpart now

    def share(self, moves: tuple[Change, ...]) -> float:
        return round(len(moves) / self.sessions, 4) if self.sessions else 0.0


def timetable_changes(before: Iterable[SlotRow], after: Iterable[SlotRow]) -> Changes:
    """Compare slot sets ``before`` (the published timetable) and ``after`` (a draft)."""
    old: dict[int, list[SlotRow]] = defaultdict(list)
    new: dict[int, list[SlotRow]] = defaultdict(list)
    for row in before:
        old[row.offering].append(row)
    total = 0
    for row in after:
        new[row.offering].append(row)
        total += 1
    time_moves: list[Change] = []
    room_moves: list[Change] = []
    added = removed = 0
    for offering in sorted(old.keys() | new.keys()):
        was = sorted(old.get(offering, []), key=lambda r: r.place)
        now = sorted(new.get(offering, []), key=lambda r: r.place)
        for row in list(now):
            same = next((w for w in was if w.place == row.place), None)
            if same is not None:
                was.remove(same)
                now.remove(row)
        for row in list(now):
            same = next(
                (
                    w
                    for w in was
                    if (w.place.day, w.place.period) == (row.place.day, row.place.period)
                ),
                None,
            )
            if same is not None:
                room_moves.append(Change(row.batch, row.subject, same.place, row.place))
                was.remove(same)
                now.remove(row)
        for w, row in zip(was, now, strict=False):
            time_moves.append(Change(row.batch, row.subject, w.place, row.place))
        added += max(0, len(now) - len(was))
        removed += max(0, len(was) - len(now))
    order = lambda c: (c.batch, c.subject, c.before)  # noqa: E731
    return Changes(
        sessions=total,
        time_moves=tuple(sorted(time_moves, key=order)),
        room_moves=tuple(sorted(room_moves, key=order)),
        added=added,
        removed=removed,
    )
