"""The rules of fixed sessions (special classes held exactly at a day and period): pure,
called by ``validation_colleges.check_colleges``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any, NamedTuple

from academics.limits import tags_of
from imports.cells import DAYS
from imports.effective import Baskets, Effective, Report, Where, room_kind


class Class(NamedTuple):
    """What a fixed session is a session of: an offering, a combined class or an option."""

    name: str  # for messages
    batches: tuple[str, ...]
    subject: str
    sessions_per_week: int
    periods_per_session: int
    size: int | None  # None: not known (an option nobody has enrolled in yet)


def _classes(model: Baskets) -> Callable[[str, str], Class | None]:
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for row in model.offerings.values():
        if row.group:
            groups[(row.group, row.subject)].append(row.batch)

    def size_of(batches: list[str] | tuple[str, ...]) -> int | None:
        rows = [model.batches.get(b) for b in batches]
        return None if any(r is None for r in rows) else sum(r.size for r in rows)

    def class_of(batch: str, subject_code: str) -> Class | None:
        subject = model.subjects.get(subject_code)
        option = model.owned.get((batch, subject_code))
        if option is not None:
            basket = model.baskets.get(option.basket)
            count = model.enrolled.get(option, 0)
            return Class(
                f"option {subject_code} of basket {option.basket}",
                tuple(basket.batches),
                subject_code,
                basket.sessions_per_week,
                basket.periods_per_session,
                count if option.basket in model.baskets_with_enrollments else None,
            )
        offering = model.offerings.get((batch, subject_code))
        if offering is None or subject is None:
            return None
        if offering.group:
            members = tuple(sorted(groups[(offering.group, subject_code)]))
            name = f"combined class {offering.group} ({subject_code})"
        else:
            members = (batch,)
            name = f"{subject_code} of {batch}"
        return Class(
            name,
            members,
            subject_code,
            subject.sessions_per_week,
            subject.periods_per_session,
            size_of(members),
        )

    return class_of


def check_fixed_sessions(model: Baskets, report: Report) -> None:
    """A fixed session is one of a class its batch takes, in a room that suits it, never
    at once with another fixed session of its batches, and no class has more fixed
    sessions than it meets in a week."""
    fixed = Effective("fixed_sessions", model.parsed, model.facts)
    class_of = _classes(model)
    # one session per (class, day, period), however many of its batches name it
    sessions: dict[tuple[Class, int, int], Any] = {}
    for key, row in fixed.items():
        where = fixed.where.get(key)
        cls = class_of(row.batch, row.subject)
        if cls is None:
            if where is not None and row.batch in model.batches and row.subject in model.subjects:
                report(
                    where,
                    "subject",
                    f"batch {row.batch} has no class of {row.subject}: no offering or basket "
                    "option teaches it",
                )
            continue
        last = row.period + cls.periods_per_session - 1
        outside = [p for p in range(row.period, last + 1) if (row.day, p) not in model.facts.grid]
        if where is not None and model.facts.grid and outside and outside[0] != row.period:
            report(
                where,
                "period",
                f"a session of {cls.name} takes periods {row.period}-{last} of {DAYS[row.day]}, "
                f"but period {outside[0]} is not in the time grid",
            )
        if where is not None and row.room is not None:
            _check_fixed_room(model, cls, row, where, report)
        sessions.setdefault((cls, row.day, row.period), key)

    per_class: dict[Class, list[Any]] = defaultdict(list)
    for (cls, _day, _period), key in sessions.items():
        per_class[cls].append(key)
    for cls, keys in per_class.items():
        if len(keys) <= cls.sessions_per_week:
            continue
        # on the first row beyond the limit that is in the file
        beyond = keys[cls.sessions_per_week :] + keys[: cls.sessions_per_week]
        where = next((fixed.where[k] for k in beyond if k in fixed.where), None)
        if where is not None:
            report(
                where,
                "subject",
                f"{len(keys)} sessions of {cls.name} are fixed, but it meets "
                f"{_times(cls.sessions_per_week)} a week",
            )

    # a session keeps its batches busy, and their subgroups (a subgroup never meets at
    # once with its parent)
    children: dict[str, list[str]] = defaultdict(list)
    for row in model.batches.values():
        if row.parent is not None:
            children[row.parent].append(row.code)

    def below(batches: tuple[str, ...]) -> set[str]:
        out: set[str] = set()
        todo = list(batches)
        while todo:
            batch = todo.pop()
            if batch not in out:
                out.add(batch)
                todo.extend(children.get(batch, ()))
        return out

    busy: dict[tuple[str, int], list[tuple[int, int, Any, Class]]] = defaultdict(list)
    for (cls, day, period), key in sessions.items():
        last = period + cls.periods_per_session - 1
        for batch in sorted(below(cls.batches)):
            busy[(batch, day)].append((period, last, key, cls))
    reported: set[Any] = set()
    for (batch, day), spans in busy.items():
        spans.sort(key=lambda s: (s[0], fixed.where.get(s[2]) is not None))
        for a in range(len(spans)):
            for b in range(a + 1, len(spans)):
                first, second = spans[a], spans[b]
                if second[0] > first[1]:
                    break
                later = second if fixed.where.get(second[2]) is not None else first
                other = first if later is second else second
                where = fixed.where.get(later[2])
                if where is None or later[2] in reported:
                    continue
                reported.add(later[2])
                other_where = fixed.where.get(other[2])
                at = f"row {other_where.line}" if other_where else "stored"
                report(
                    where,
                    "period",
                    f"batch {batch} already has a fixed session of {other[3].name} on "
                    f"{DAYS[day]} period {other[0]} ({at})",
                )


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _check_fixed_room(model: Baskets, cls: Class, row: Any, where: Where, report: Report) -> None:
    room = model.rooms.get(row.room)
    subject = model.subjects.get(row.subject)
    if room is None or subject is None:
        return
    kind = room_kind(subject.kind)
    if room.kind != kind:
        report(
            where, "room", f"{row.room} is a {room.kind} room; {row.subject} needs a {kind} room"
        )
    needs = tags_of(subject.room_features) - tags_of(room.features)
    if needs:
        report(
            where,
            "room",
            f"{row.room} lacks {';'.join(sorted(needs))}, which {row.subject} needs",
        )
    if cls.size is not None and cls.size > room.capacity:
        report(
            where,
            "room",
            f"{row.room} holds {room.capacity}, but {cls.name} has {cls.size} students",
        )
