"""The changes :mod:`remedies` tries on an infeasible problem, and their words.

Each :class:`Candidate` is one change an office can make (a room of a kind, one teacher
limit, one fixed or pinned session released, a shift a period longer), as a function from a
problem to the changed problem, with the words it is shown in, taken from the timetable
that verified it. ``pointed`` marks changes at what the diagnosis (or a counting argument)
names; they are tried first.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, replace
from functools import partial

from .domain import Prepared, class_size, room_fits
from .explain import Diagnosis
from .model import Faculty, Pin, Problem, Result, Room, RoomKind, Session, Slot
from .placement import KIND_WORD, cell_word, cells_word, day_word, name_of

MAX_PIN_CANDIDATES = 40  # beyond this many pins only those in a conflict are tried


@dataclass(frozen=True)
class Candidate:
    kind: str
    key: tuple[Hashable, ...]  # the same change found twice is tried once
    apply: Callable[[Problem], Problem]  # the change, on this problem or one already changed
    describe: Callable[[Result], str]
    pointed: bool  # the diagnosis (or a counting argument) points at what it changes
    # smaller versions of the change to try once it is verified (a new room open only
    # when one session of the verified timetable uses it)
    narrow: Callable[[Result], list[Candidate]] | None = None


def candidates(prep: Prepared, diagnosis: Diagnosis) -> Iterator[Candidate]:
    """Every change worth a pre-check, the ones the diagnosis points at first."""
    problem = prep.problem
    core_faculty = {i for kind, i in diagnosis.core if kind in ("load", "consecutive", "faculty")}
    core_classes = {i for kind, i in diagnosis.core if kind in ("class", "pin")}
    core_batches = {i for kind, i in diagnosis.core if kind == "batch"}
    for ci in core_classes:
        if not isinstance(ci, int):
            continue
        cls = problem.classes[ci]
        if cls.faculty is not None:
            core_faculty.add(cls.faculty)
        core_batches.update(cls.batches)
    core_kinds = {i for kind, i in diagnosis.core if kind == "rooms"}
    core_kinds |= {
        i[0] for kind, i in diagnosis.core if kind == "features" and isinstance(i, tuple)
    }
    core_baskets = {i for kind, i in diagnosis.core if kind == "basket"}
    for ci, cls in enumerate(problem.classes):
        if ci in core_classes or (cls.basket is not None and cls.basket in core_baskets):
            core_kinds.add(cls.kind)
    yield from _room_candidates(prep, core_kinds)
    yield from _teacher_candidates(prep, core_faculty)
    yield from _pin_candidates(prep, core_classes)
    yield from _shift_candidates(prep, core_batches)


def _room_candidates(prep: Prepared, core_kinds: set[Hashable]) -> Iterator[Candidate]:
    """A room for each class no room can host, then one room per kind that can host any."""
    problem = prep.problem
    next_id = max((r.id for r in problem.rooms), default=0) + 1
    wanted: list[tuple[RoomKind, int, frozenset[str], bool]] = []
    for ci, cls in enumerate(problem.classes):
        if cls.sessions_per_week <= 0:
            continue
        size = prep.sizes[ci]
        if not any(room_fits(problem, cls, r, size) for r in problem.rooms):
            wanted.append((cls.kind, size, cls.room_features, True))
    kinds = [k for k in RoomKind if any(c.kind == k for c in problem.classes)]
    kinds.sort(key=lambda k: k not in core_kinds)
    for kind in kinds:
        of_kind = [ci for ci, c in enumerate(problem.classes) if c.kind == kind]
        features = frozenset().union(*(problem.classes[ci].room_features for ci in of_kind))
        wanted.append((kind, max(prep.sizes[ci] for ci in of_kind), features, kind in core_kinds))
    for n, (kind, size, features, pointed) in enumerate(wanted):
        room = Room(next_id + n, kind, size, features)
        yield _room_candidate(problem, room, pointed, narrow=True)


def _room_candidate(problem: Problem, room: Room, pointed: bool, *, narrow: bool) -> Candidate:
    return Candidate(
        "room",
        ("room", room.kind, room.capacity, room.features, room.unavailable),
        lambda p: replace(p, rooms=(*p.rooms, room)),
        lambda result: _room_words(problem, room, result),
        pointed,
        (lambda result: _open_only_for_one(problem, room, result)) if narrow else None,
    )


def _open_only_for_one(problem: Problem, room: Room, result: Result) -> list[Candidate]:
    """The new room open only for one of the sessions the verified timetable needs it for:
    often one more room for a couple of periods is all it takes."""
    sizes = {c.id: class_size(problem, c) for c in problem.classes}
    lengths = {c.id: c.periods_per_session for c in problem.classes}
    g = problem.grid
    every = {(d, p) for d in range(g.days) for p in range(g.periods_per_day) if g.exists(d, p)}
    out = []
    for s in _needed_in(problem, room, result, sizes):
        cells = {(s.day, s.period + k) for k in range(lengths[s.class_id])}
        if cells == every - room.unavailable:
            continue
        out.append(
            _room_candidate(
                problem, replace(room, unavailable=frozenset(every - cells)), True, narrow=False
            )
        )
    return out


def _room_words(problem: Problem, room: Room, result: Result) -> str:
    """Only what the verified timetable needs of the new room: its seats, features, hours."""
    lengths = {c.id: c.periods_per_session for c in problem.classes}
    by_id = {c.id: c for c in problem.classes}
    sizes = {c.id: class_size(problem, c) for c in problem.classes}
    used = _needed_in(problem, room, result, sizes)
    seats = max((sizes[s.class_id] for s in used), default=room.capacity)
    features = frozenset().union(*(by_id[s.class_id].room_features for s in used))
    cells = [(s.day, s.period + k) for s in used for k in range(lengths[s.class_id])]
    what = f"{KIND_WORD[room.kind]} room with {seats} seats"
    if features:
        what += " and " + " and ".join(sorted(features))
    return f"add one {what}, free on {cells_word(cells)}"


def _needed_in(
    problem: Problem, room: Room, result: Result, sizes: dict[int, int]
) -> list[Session]:
    """The sessions of the verified timetable in the new room that no existing room could
    take instead (one that fits and is free all their periods): the solver put some there
    only because the room was there."""
    by_id = {c.id: c for c in problem.classes}
    busy: set[tuple[int, int, int]] = {
        (fs.room, d, p)
        for fs in problem.fixed
        if fs.room is not None
        for d, p in ((fs.day, fs.period + k) for k in range(fs.length))
    }
    for s in result.sessions:
        busy.update(
            (s.room, s.day, s.period + k) for k in range(by_id[s.class_id].periods_per_session)
        )
    needed: list[Session] = []
    for s in result.sessions:
        if s.room != room.id:
            continue
        cls = by_id[s.class_id]
        cells = [(s.day, s.period + k) for k in range(cls.periods_per_session)]
        pinned = any(pin.room == room.id for pin in cls.pins)
        other = next(
            (
                r
                for r in problem.rooms
                if r.id != room.id
                and room_fits(problem, cls, r, sizes[cls.id])
                and not any((r.id, d, p) in busy or (d, p) in r.unavailable for d, p in cells)
            ),
            None,
        )
        if other is None or pinned:
            needed.append(s)
        else:
            busy.update((other.id, d, p) for d, p in cells)
    return needed


def _teacher_candidates(prep: Prepared, core: set[Hashable]) -> Iterator[Candidate]:
    """Raise the one limit of a teacher that the counting checks or the core name."""
    problem = prep.problem
    g = problem.grid
    need: dict[int, int] = {}
    longest: dict[int, int] = {}
    for cls in problem.classes:
        if cls.faculty is None or cls.sessions_per_week <= 0:
            continue
        need[cls.faculty] = (
            need.get(cls.faculty, 0) + cls.sessions_per_week * cls.periods_per_session
        )
        longest[cls.faculty] = max(longest.get(cls.faculty, 0), cls.periods_per_session)
    for f in sorted(problem.faculty, key=lambda f: f.id not in core):
        load = need.get(f.id, 0)
        if not load:
            continue
        suspect = f.id in core
        day = f.max_periods_per_day
        if day is not None and (suspect or load > day * g.days):
            new_day = max(day + 1, math.ceil(load / g.days))
            yield Candidate(
                "teacher_day",
                ("day", f.id, new_day),
                _faculty_change(f.id, partial(replace, max_periods_per_day=new_day)),
                partial(_day_words, problem, f.id, day, new_day),
                suspect or load > day * g.days,
            )
        fixed = sum(prep.fixed.faculty[(f.id, d, p)] for d, p in prep.slots)
        week = f.max_periods_per_week
        if week is not None and (suspect or load + fixed > week):
            new_week = max(week + 1, load + fixed)
            yield Candidate(
                "teacher_week",
                ("week", f.id, new_week),
                _faculty_change(f.id, partial(replace, max_periods_per_week=new_week)),
                partial(_limit_words, problem, f.id, f"{new_week} periods a week"),
                suspect or load + fixed > week,
            )
        row = f.max_consecutive
        if row is not None and (suspect or longest.get(f.id, 0) > row):
            new_row = max(row + 1, longest.get(f.id, 0))
            yield Candidate(
                "teacher_in_a_row",
                ("row", f.id, new_row),
                _faculty_change(f.id, partial(replace, max_consecutive=new_row)),
                partial(_limit_words, problem, f.id, f"{new_row} periods in a row"),
                suspect or longest.get(f.id, 0) > row,
            )


def _faculty_change(
    f_id: int, change: Callable[[Faculty], Faculty]
) -> Callable[[Problem], Problem]:
    def apply(p: Problem) -> Problem:
        return replace(p, faculty=tuple(change(f) if f.id == f_id else f for f in p.faculty))

    return apply


def _limit_words(problem: Problem, f_id: int, limit: str, _result: Result) -> str:
    return f"allow {name_of(problem, 'faculty', f_id)} to teach up to {limit}"


def _day_words(problem: Problem, f_id: int, old: int, new: int, result: Result) -> str:
    per_day: dict[int, int] = {}
    lengths = {c.id: c.periods_per_session for c in problem.classes}
    teacher = {c.id: c.faculty for c in problem.classes}
    for s in result.sessions:
        if teacher[s.class_id] == f_id:
            per_day[s.day] = per_day.get(s.day, 0) + lengths[s.class_id]
    over = sorted(d for d, n in per_day.items() if n > old)
    most = max((per_day[d] for d in over), default=new)
    on = ", ".join(day_word(d) for d in over)
    who = name_of(problem, "faculty", f_id)
    if not on:
        return f"allow {who} to teach up to {new} periods a day"
    return f"allow {who} to teach up to {most} periods on {on}"


def _pin_candidates(prep: Prepared, core: set[Hashable]) -> Iterator[Candidate]:
    """Release one fixed or pinned session: those in a conflict (or the core) first."""
    problem = prep.problem
    pins = [(ci, pin) for ci, cls in enumerate(problem.classes) for pin in cls.pins]
    conflicted = _conflicting_pins(problem) | {(ci, p) for ci, p in pins if ci in core}
    if len(pins) > MAX_PIN_CANDIDATES:
        pins = [item for item in pins if item in conflicted]
    pins.sort(key=lambda item: item not in conflicted)
    for ci, pin in pins:
        rest = list(problem.classes[ci].pins)
        rest.remove(pin)
        yield Candidate(
            "move_pin",
            ("pin", ci, pin),
            partial(_without_pin, ci=ci, pin=pin),
            partial(_pin_words, problem, ci, pin, tuple(rest)),
            (ci, pin) in conflicted,
        )


def _without_pin(problem: Problem, ci: int, pin: Pin) -> Problem:
    cls = problem.classes[ci]
    freed = replace(cls, pins=tuple(p for p in cls.pins if p != pin))
    return replace(
        problem, classes=tuple(freed if i == ci else c for i, c in enumerate(problem.classes))
    )


def _conflicting_pins(problem: Problem) -> set[tuple[int, Pin]]:
    """Pins that need one batch, teacher or room at a time another pin needs it."""
    holders: dict[tuple[str, int, int, int], list[tuple[int, Pin]]] = {}
    for ci, cls in enumerate(problem.classes):
        for pin in cls.pins:
            needs = [("b", b) for b in cls.batches]
            if cls.faculty is not None:
                needs.append(("f", cls.faculty))
            if pin.room is not None:
                needs.append(("r", pin.room))
            for k in range(cls.periods_per_session):
                for what, ident in needs:
                    holders.setdefault((what, ident, pin.day, pin.period + k), []).append((ci, pin))
    out: set[tuple[int, Pin]] = set()
    for (what, _ident, _d, _p), held in holders.items():
        distinct = {ci for ci, _ in held}
        baskets = {problem.classes[ci].basket for ci in distinct}
        if len(distinct) > 1 and not (what == "b" and len(baskets) == 1 and None not in baskets):
            out.update(held)
    return out


def _pin_words(problem: Problem, ci: int, pin: Pin, rest: tuple[Pin, ...], result: Result) -> str:
    cls = problem.classes[ci]
    what = "fixed session" if pin.reason == "fixed" else "pinned session"
    kept = {(p.day, p.period) for p in rest}
    placed = sorted((s.day, s.period) for s in result.sessions if s.class_id == cls.id)
    moved = [cell for cell in placed if cell not in kept and cell != (pin.day, pin.period)]
    name = name_of(problem, "classes", cls.id).removeprefix("class ")
    text = f"move the {what} {name} from {cell_word(pin.day, pin.period)}"
    if (pin.day, pin.period) in placed and pin.room is None:
        return text + " (the timetable then keeps a session there but frees its slot)"
    return text + (f" to {cell_word(*moved[0])}" if moved else "")


def _shift_candidates(prep: Prepared, core: set[Hashable]) -> Iterator[Candidate]:
    """Lengthen a shift by one or two periods after its last, or one before its first."""
    problem = prep.problem
    codes = problem.names.get("shifts", {})
    members: dict[str, list[int]] = {}
    for b in problem.batches:
        if b.unavailable and b.id in codes:
            members.setdefault(codes[b.id], []).append(b.id)
    order = sorted(members, key=lambda code: not (set(members[code]) & core))
    g = problem.grid
    by_id = {b.id: b for b in problem.batches}
    for code in order:
        closed = frozenset.intersection(*(by_id[b].unavailable for b in members[code]))
        open_periods = sorted({p for d, p in prep.slots if (d, p) not in closed})
        if not open_periods:
            continue
        first, last = open_periods[0], open_periods[-1]
        for extra in ((last + 1,), (last + 1, last + 2), (first - 1,)):
            if any(p < 0 or p >= g.periods_per_day for p in extra):
                continue
            opened = frozenset((d, p) for d in range(g.days) for p in extra)
            periods = sorted({*open_periods, *extra})
            span = f"P{periods[0] + 1}-P{periods[-1] + 1}"
            added = ", ".join(f"P{p + 1}" for p in extra)
            yield Candidate(
                "shift",
                ("shift", code, extra),
                partial(_open_cells, batch_ids=frozenset(members[code]), opened=opened),
                partial(_as_said, f"extend shift {code} to {span} (add {added})"),
                bool(set(members[code]) & core),
            )


def _as_said(text: str, _result: Result) -> str:
    return text


def _open_cells(problem: Problem, batch_ids: frozenset[int], opened: frozenset[Slot]) -> Problem:
    batches = tuple(
        replace(b, unavailable=b.unavailable - opened) if b.id in batch_ids else b
        for b in problem.batches
    )
    return replace(problem, batches=batches)
