"""Checks before solving for the placement rules of colleges as they are: rooms with the
features a subject needs and open when it meets, batches kept inside their shift, pinned
sessions, and elective baskets whose options meet together.

Each check proves that no timetable exists and says why in the institution's words
(``Problem.names``); :func:`explain.precheck` runs them with its counting checks.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from dataclasses import replace

from .domain import Prepared, allowed_starts, baskets, covered, room_fits, shift_closed
from .model import ClassSpec, Pin, Problem, Room, RoomKind, Slot

DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")
KIND_WORD = {RoomKind.LECTURE: "lecture", RoomKind.LAB: "lab"}
LABELS = {
    "classes": "class",
    "faculty": "faculty",
    "batches": "batch",
    "rooms": "room",
    "baskets": "basket",
    "shifts": "shift",
}


def name_of(problem: Problem, kind: str, ident: Hashable) -> str:
    """``basket CSE7-PE2`` from ``problem.names``, else ``basket #3``."""
    shown = problem.names.get(kind, {}).get(ident) if isinstance(ident, int) else None
    return f"{LABELS[kind]} {shown}" if shown else f"{LABELS[kind]} #{ident}"


def day_word(day: int) -> str:
    return DAY_NAMES[day] if 0 <= day < len(DAY_NAMES) else f"day {day + 1}"


def cell_word(day: int, period: int) -> str:
    """``MON P3`` (periods are 1-based in messages)."""
    return f"{day_word(day)} P{period + 1}"


def _runs(values: list[int], word: Callable[[int], str]) -> str:
    """``MON-FRI`` or ``MON, WED`` for sorted distinct values, each shown by ``word``."""
    out: list[str] = []
    i = 0
    while i < len(values):
        j = i
        while j + 1 < len(values) and values[j + 1] == values[j] + 1:
            j += 1
        a, b = word(values[i]), word(values[j])
        out.append(a if i == j else f"{a}-{b}")
        i = j + 1
    return ", ".join(out)


def cells_word(cells: Iterable[Slot]) -> str:
    """The days and periods of some cells, compactly: ``MON-FRI P1-P4``."""
    cells = list(cells)
    if not cells:
        return "no period"
    days = sorted({d for d, _ in cells})
    periods = sorted({p for _, p in cells})
    return f"{_runs(days, day_word)} {_runs(periods, lambda p: f'P{p + 1}')}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _features_word(features: Iterable[str]) -> str:
    return " and ".join(sorted(features))


def class_word(problem: Problem, cls: ClassSpec) -> str:
    """``basket CSE7-PE2: option Blockchain`` for a basket option, else ``class X``."""
    if cls.basket is None:
        return name_of(problem, "classes", cls.id)
    return f"{name_of(problem, 'baskets', cls.basket)}: {_option(problem, cls)}"


def _option(problem: Problem, cls: ClassSpec) -> str:
    """``option Blockchain``: a basket option by its class's name."""
    return f"option {problem.names.get('classes', {}).get(cls.id) or f'#{cls.id}'}"


def _pin_word(problem: Problem, cls: ClassSpec, pin: Pin) -> str:
    what = "fixed session" if pin.reason == "fixed" else "pinned session"
    where = f" in {name_of(problem, 'rooms', pin.room)}" if pin.room is not None else ""
    return f"the {what} of {class_word(problem, cls)} at {cell_word(pin.day, pin.period)}{where}"


# --- rooms: features and closures ---------------------------------------------------


def check_room_features(prep: Prepared) -> list[str]:
    """A class needing features that no room of its kind has (together)."""
    problem = prep.problem
    out: list[str] = []
    for cls in problem.classes:
        if cls.sessions_per_week <= 0 or not cls.room_features:
            continue
        rooms = prep.rooms_by_kind.get(cls.kind, ())
        if not rooms or any(cls.room_features <= r.features for r in rooms):
            continue
        kind = KIND_WORD[cls.kind]
        have = set().union(*(r.features for r in rooms))
        lacking = cls.room_features - have
        why = (
            f"no {kind} room has {_features_word(lacking)}"
            if lacking
            else f"no {kind} room has all of them"
        )
        out.append(
            f"{class_word(problem, cls)} needs a {kind} room with "
            f"{_features_word(cls.room_features)}; {why}"
        )
    return out


def _room_is_free(prep: Prepared, room: Room, cells: list[Slot]) -> bool:
    """Not closed and not taken by a fixed session over all ``cells``."""
    return not any(prep.fixed.room[(room.id, d, p)] for d, p in cells)


def check_free_rooms(prep: Prepared) -> list[str]:
    """A class with too few starts at which a fitting room is free for the whole session.

    Fitting: kind, features and (hard) seats; free: not closed (``Room.unavailable``) and
    not taken by a fixed session. A class no room fits at all is left to the other checks.
    """
    problem = prep.problem
    out: list[str] = []
    for ci, cls in enumerate(problem.classes):
        if cls.sessions_per_week <= 0:
            continue
        size = prep.sizes[ci]
        fitting = [r for r in problem.rooms if room_fits(problem, cls, r, size)]
        if not fitting:
            continue
        starts = prep.starts[ci]
        blocked = [
            (d, p)
            for d, p in starts
            if not any(
                _room_is_free(prep, r, covered(d, p, cls.periods_per_session)) for r in fitting
            )
        ]
        if not blocked or len(starts) - len(blocked) >= cls.sessions_per_week:
            continue  # enough starts, or too few for other reasons (checked elsewhere)
        seats = f"{size} seats" if problem.capacity_is_hard else "seats"
        feats = f" and {_features_word(cls.room_features)}" if cls.room_features else ""
        out.append(
            f"{class_word(problem, cls)} has {size} students and no free "
            f"{KIND_WORD[cls.kind]} room with {seats}{feats} on {cells_word(blocked)}"
        )
    return out


# --- shifts -----------------------------------------------------------------------------


def shift_reason(prep: Prepared, ci: int) -> str:
    """`` inside shift MORNING of batch CSE1`` when the class has too few starts and would
    have enough without its batches' shifts; else empty."""
    problem = prep.problem
    cls = problem.classes[ci]
    if not shift_closed(problem, cls) or len(prep.starts[ci]) >= cls.sessions_per_week:
        return ""
    open_all = replace(
        problem, batches=tuple(replace(b, unavailable=frozenset()) for b in problem.batches)
    )
    if len(allowed_starts(open_all, cls, prep.fixed)) < cls.sessions_per_week:
        return ""
    return " inside" + _shifts_word(problem, cls)


def _shifts_word(problem: Problem, cls: ClassSpec) -> str:
    """`` shift EVENING of batch CSE2``: the shifts of the class's batches."""
    words = [
        f" {name_of(problem, 'shifts', b.id)} of {name_of(problem, 'batches', b.id)}"
        for b in problem.batches
        if b.id in cls.batches and b.unavailable
    ]
    return " and".join(words)


# --- pins -------------------------------------------------------------------------------


def _pin_start_problem(prep: Prepared, ci: int, pin: Pin) -> str:
    """Why a pin's start is impossible for its class, or empty when it is possible."""
    problem = prep.problem
    cls = problem.classes[ci]
    if (pin.day, pin.period) in prep.starts[ci]:
        return ""
    g = problem.grid
    length = cls.periods_per_session
    if not g.can_start(pin.day, pin.period, length):
        return "a session of that length does not fit the day there"
    cells = covered(pin.day, pin.period, length)
    if any(c in cls.unavailable for c in cells):
        return "the class is unavailable then"
    fac = {f.id: f for f in problem.faculty}
    if cls.faculty is not None:
        away = fac[cls.faculty].unavailable if cls.faculty in fac else frozenset()
        if any(c in away or prep.fixed.faculty[(cls.faculty, *c)] for c in cells):
            return f"{name_of(problem, 'faculty', cls.faculty)} is unavailable then"
    if any(c in shift_closed(problem, cls) for c in cells):
        return "it is outside" + _shifts_word(problem, cls)
    if any(prep.fixed.batch[(b, *c)] for b in cls.batches for c in cells):
        return "its batch is busy with a fixed session then"
    return "the other options of its basket cannot meet then"


def _pin_room_problem(prep: Prepared, ci: int, pin: Pin) -> str:
    problem = prep.problem
    if pin.room is None:
        return ""
    cls = problem.classes[ci]
    room = next((r for r in problem.rooms if r.id == pin.room), None)
    if room is None:
        return "that room is not among the rooms to use"
    if room.kind != cls.kind:
        return f"it needs a {KIND_WORD[cls.kind]} room"
    if not cls.room_features <= room.features:
        return f"that room lacks {_features_word(cls.room_features - room.features)}"
    if problem.capacity_is_hard and room.capacity < prep.sizes[ci]:
        return f"that room seats {room.capacity} of {prep.sizes[ci]} students"
    cells = covered(pin.day, pin.period, cls.periods_per_session)
    if any(c in room.unavailable for c in cells):
        return "that room is closed then"
    if not _room_is_free(prep, room, cells):
        return "that room is taken by a fixed session then"
    return ""


def check_pins(prep: Prepared) -> list[str]:
    """Pins that cannot hold: at an impossible start or room, more than the class's
    sessions, overlapping each other, or two pins needing one batch, teacher or room at
    once (both named)."""
    problem = prep.problem
    out: list[str] = []
    holders: dict[tuple[str, int, int, int], tuple[int, Pin]] = {}
    basket_starts: dict[int, set[Slot]] = {}
    for ci, cls in enumerate(problem.classes):
        if not cls.pins:
            continue
        if cls.basket is not None:
            basket_starts.setdefault(cls.basket, set()).update(
                (pin.day, pin.period) for pin in cls.pins
            )
        if len(cls.pins) > cls.sessions_per_week:
            out.append(
                f"{class_word(problem, cls)} has {len(cls.pins)} pinned sessions but meets "
                f"{cls.sessions_per_week} times a week"
            )
        taken: dict[Slot, Pin] = {}
        for pin in cls.pins:
            why = _pin_start_problem(prep, ci, pin) or _pin_room_problem(prep, ci, pin)
            if why:
                out.append(f"{_pin_word(problem, cls, pin)} cannot be held: {why}")
                continue
            cells = covered(pin.day, pin.period, cls.periods_per_session)
            twin = next((taken[c] for c in cells if c in taken), None)
            if twin is not None:
                out.append(
                    f"{_pin_word(problem, cls, twin)} and {_pin_word(problem, cls, pin)} overlap"
                )
                continue
            taken.update(dict.fromkeys(cells, pin))
            needs: list[tuple[str, int]] = [("batches", b) for b in dict.fromkeys(cls.batches)]
            if cls.faculty is not None:
                needs.append(("faculty", cls.faculty))
            if pin.room is not None:
                needs.append(("rooms", pin.room))
            for kind, ident in needs:
                for d, p in cells:
                    other = holders.get((kind, ident, d, p))
                    if other is None:
                        holders[(kind, ident, d, p)] = (ci, pin)
                        continue
                    oci, opin = other
                    ocls = problem.classes[oci]
                    if oci == ci or (
                        kind == "batches" and cls.basket is not None and ocls.basket == cls.basket
                    ):
                        continue
                    out.append(
                        f"{_pin_word(problem, ocls, opin)} and {_pin_word(problem, cls, pin)} "
                        f"both need {name_of(problem, kind, ident)} at {cell_word(d, p)}"
                    )
    for basket, pinned in basket_starts.items():
        members = baskets(problem)[basket]
        n = problem.classes[members[0]].sessions_per_week
        if len(pinned) > n:
            out.append(
                f"{name_of(problem, 'baskets', basket)} is pinned at {len(pinned)} different "
                f"times ({', '.join(cell_word(d, p) for d, p in sorted(pinned))}) but its "
                f"options meet {n} times a week together"
            )
    return out


def check_pinned_out(prep: Prepared) -> list[str]:
    """A class left too few starts by pins of other classes that need its batch or its
    teacher at those times (each such pin is named)."""
    problem = prep.problem
    held: dict[tuple[str, int, int, int], tuple[int, Pin]] = {}
    for ci, cls in enumerate(problem.classes):
        for pin in cls.pins:
            for d, p in covered(pin.day, pin.period, cls.periods_per_session):
                for b in cls.batches:
                    held.setdefault(("batches", b, d, p), (ci, pin))
                if cls.faculty is not None:
                    held.setdefault(("faculty", cls.faculty, d, p), (ci, pin))
    if not held:
        return []
    out: list[str] = []
    for ci, cls in enumerate(problem.classes):
        own = {(pin.day, pin.period) for pin in cls.pins}
        need = cls.sessions_per_week - len(own)
        if need <= 0 or len(prep.starts[ci]) - len(own) < need:
            continue  # nothing to place, or too few starts anyway (checked elsewhere)
        blockers: dict[tuple[int, Pin], None] = {}
        left = 0
        for d, p in prep.starts[ci]:
            if (d, p) in own:
                continue
            hit = _pin_in_the_way(problem, ci, covered(d, p, cls.periods_per_session), held)
            if hit is None:
                left += 1
            else:
                blockers[hit] = None
        if left >= need:
            continue
        named = [_pin_word(problem, problem.classes[oci], opin) for oci, opin in blockers]
        out.append(
            f"{class_word(problem, cls)} still needs {_count(need, 'session')} but other "
            f"pins leave it {_count(left, 'start time')}: " + "; ".join(named)
        )
    return out


def _pin_in_the_way(
    problem: Problem,
    ci: int,
    cells: list[Slot],
    held: dict[tuple[str, int, int, int], tuple[int, Pin]],
) -> tuple[int, Pin] | None:
    """A pin of another class holding the batch or teacher of class ``ci`` in ``cells``
    (options of one basket share their batches, so never hold them from each other)."""
    cls = problem.classes[ci]
    for d, p in cells:
        keys: list[tuple[str, int, int, int]] = [("batches", b, d, p) for b in cls.batches]
        if cls.faculty is not None:
            keys.append(("faculty", cls.faculty, d, p))
        for key in keys:
            other = held.get(key)
            if other is None or other[0] == ci:
                continue
            same_basket = cls.basket is not None and problem.classes[other[0]].basket == cls.basket
            if key[0] == "batches" and same_basket:
                continue
            return other
    return None


# --- elective baskets -----------------------------------------------------------------------


def check_baskets(prep: Prepared) -> list[str]:
    """Options of a basket that cannot meet together: unlike sessions, one teacher for two
    options, more options of a room kind than such rooms, too few common starts."""
    problem = prep.problem
    out: list[str] = []
    for basket, members in baskets(problem).items():
        bname = name_of(problem, "baskets", basket)
        options = [problem.classes[ci] for ci in members]
        shapes = {(c.sessions_per_week, c.periods_per_session) for c in options}
        if len(shapes) > 1:
            said = ", ".join(
                f"{_option(problem, c)} {c.sessions_per_week} x {c.periods_per_session} periods"
                for c in options
            )
            out.append(f"{bname}: its options must meet alike, but they meet {said}")
            continue
        teachers: dict[int, ClassSpec] = {}
        for c in options:
            if c.faculty is None:
                continue
            if c.faculty in teachers:
                first = teachers[c.faculty]
                out.append(
                    f"{bname}: {_option(problem, first)} and "
                    f"{_option(problem, c)} are both taught by "
                    f"{name_of(problem, 'faculty', c.faculty)}, but the options meet at once"
                )
            else:
                teachers[c.faculty] = c
        kinds: dict[RoomKind, int] = {}
        for c in options:
            kinds[c.kind] = kinds.get(c.kind, 0) + 1
        for kind, n in kinds.items():
            have = len(prep.rooms_by_kind.get(kind, ()))
            if n > have:
                out.append(
                    f"{bname}: {n} options need a {KIND_WORD[kind]} room each at once, "
                    f"there {'is' if have == 1 else 'are'} {have}"
                )
        n_common = len(prep.starts[members[0]])
        need = options[0].sessions_per_week
        if need > 0 and n_common < need:
            out.append(
                f"{bname}: its options meet {need} times a week together, but only "
                f"{n_common} start times suit all of them (their teachers, batches and shifts)"
            )
    return out


def placement_checks(prep: Prepared) -> list[str]:
    """Every check of this module, in order: features, baskets, pins, free rooms."""
    # (pins: those that cannot hold, then classes the pins of others leave too few starts)
    return (
        check_room_features(prep)
        + check_baskets(prep)
        + check_pins(prep)
        + check_pinned_out(prep)
        + check_free_rooms(prep)
    )
