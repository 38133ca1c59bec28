"""The rules of "colleges as they are" across rows, files and the stored data: subgroups
and their parents, elective baskets with their options and enrollments, fixed sessions.

Pure functions, like ``validation`` (which calls ``check_colleges`` last). The stored rows
these rules need are read by the service into ``CollegeFacts`` as rows of their kind
(``KindSpec.row``), so a row of a file and a stored row look alike: the file's row wins
where both have the key (``Effective``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from academics.baskets import BASKET_GROUP_PREFIX
from academics.limits import tags_of
from imports.cells import DAYS, show
from imports.kinds import SPECS
from imports.parsing import ParsedFile, Problems

#: The kinds whose stored rows ``check_colleges`` reads, and when it needs them (any of
#: these kinds in the import).
NEEDED: dict[str, frozenset[str]] = {
    "batches": frozenset(
        {"batches", "baskets", "basket_options", "enrollments", "fixed_sessions", "offerings"}
    ),
    "rooms": frozenset({"basket_options", "fixed_sessions"}),
    "subjects": frozenset({"basket_options", "fixed_sessions"}),
    "baskets": frozenset(
        {"baskets", "basket_options", "enrollments", "fixed_sessions", "offerings"}
    ),
    "basket_options": frozenset(
        {"baskets", "basket_options", "enrollments", "fixed_sessions", "offerings"}
    ),
    "offerings": frozenset({"baskets", "basket_options", "fixed_sessions"}),
    "enrollments": frozenset({"baskets", "basket_options", "enrollments", "fixed_sessions"}),
    "fixed_sessions": frozenset({"fixed_sessions"}),
}


@dataclass
class CollegeFacts:
    """Stored rows, per kind, as ``key -> row`` (rows of ``SPECS[kind].row``). Only the
    kinds ``NEEDED`` by the import are read; ``offerings`` holds only ordinary offerings
    (not those a basket option owns). ``student_batch``: the stored batch of each student
    the enrollments name."""

    rows: dict[str, dict[Any, Any]] = field(default_factory=dict)
    student_batch: dict[str, str] = field(default_factory=dict)
    #: the (day, period) pairs of the time grid after the import (set by ``validate``)
    grid: set[tuple[int, int]] = field(default_factory=set)


class Where(NamedTuple):
    """A row of a file: where to report a problem about it."""

    pf: ParsedFile
    at: int  # the row's position among the file's valid rows

    @property
    def line(self) -> int:
        return self.pf.lines[self.at]


class Effective:
    """One kind's rows as they will be after the import: stored rows, then the file's."""

    def __init__(self, kind: str, parsed: dict[str, ParsedFile], facts: CollegeFacts) -> None:
        spec = SPECS[kind]
        self.rows: dict[Any, Any] = dict(facts.rows.get(kind, {}))
        self.where: dict[Any, Where] = {}
        pf = parsed.get(kind)
        #: False when a row of the file is unknown (unreadable or invalid): then rules that
        #: need every row (is there any room that fits?) are not judged.
        self.complete = pf is None or (pf.readable and not pf.bad_rows)
        if pf is not None:
            for i, row in enumerate(pf.rows):
                key = spec.key_of(row)
                if key not in self.where:  # a duplicate key is reported elsewhere
                    self.rows[key] = row
                    self.where[key] = Where(pf, i)

    def __contains__(self, key: Any) -> bool:
        return key in self.rows

    def get(self, key: Any) -> Any:
        return self.rows.get(key)

    def values(self) -> Iterator[Any]:
        return iter(self.rows.values())

    def items(self) -> Iterator[tuple[Any, Any]]:
        return iter(self.rows.items())


class Report:
    def __init__(self, problems: Problems) -> None:
        self.problems = problems

    def __call__(self, where: Where, column: str, message: str) -> None:
        self.problems.add(where.pf.name, where.line, column, message, where.pf.order)


def check_colleges(
    parsed: dict[str, ParsedFile],
    facts: CollegeFacts,
    problems: Problems,
) -> None:
    """Every rule of this module whose kinds are in the import."""
    report = Report(problems)
    kinds = set(parsed)
    if "batches" in kinds:
        check_subgroups(parsed, facts, report)
    if "offerings" in kinds:
        check_reserved_groups(parsed["offerings"], report)
    if kinds & {"baskets", "basket_options", "enrollments", "fixed_sessions", "offerings"}:
        model = Baskets(parsed, facts)
        if kinds & {"baskets", "basket_options", "offerings"}:
            check_option_offerings(model, report)
        if "basket_options" in kinds:
            check_option_rooms(model, report)
        if kinds & {"baskets", "basket_options", "enrollments"}:
            check_enrollments(model, report)
        if "fixed_sessions" in kinds:
            check_fixed_sessions(model, report)


# --- subgroups ---------------------------------------------------------------------------


def _ancestors(code: str, batches: Effective) -> tuple[list[str], bool]:
    """The chain of parents above ``code`` and whether it comes back to ``code`` (a batch
    below a cycle is not in it: the cycle is reported on its own rows)."""
    chain: list[str] = []
    seen = {code}
    row = batches.get(code)
    while row is not None and row.parent is not None:
        chain.append(row.parent)
        if row.parent == code:
            return chain, True
        if row.parent in seen:
            return chain, False
        seen.add(row.parent)
        row = batches.get(row.parent)
    return chain, False


def _shift_of(code: str, batches: Effective) -> str | None:
    """A batch's shift: its own, or the one it inherits from the nearest parent with one."""
    seen: set[str] = set()
    row = batches.get(code)
    while row is not None and code not in seen:
        if row.shift is not None:
            return row.shift
        seen.add(code)
        code = row.parent
        row = batches.get(code) if code is not None else None
    return None


def check_subgroups(parsed: dict[str, ParsedFile], facts: CollegeFacts, report: Report) -> None:
    """A batch's parents form no cycle; a subgroup has its parent's semester and either no
    shift (it inherits the parent's) or the same one."""
    batches = Effective("batches", parsed, facts)
    for code, where in batches.where.items():
        row = batches.get(code)
        if row.parent is None:
            continue
        if row.parent == code:
            report(where, "parent", f"batch {show(code)} cannot be its own parent")
            continue
        chain, cycle = _ancestors(code, batches)
        if cycle:
            path = " -> ".join([code, *chain])
            report(where, "parent", f"the parents form a cycle: {path}")
            continue
        parent = batches.get(row.parent)
        if parent is None:
            continue  # an unknown parent is reported as a reference
        _check_against_parent(row, parent, batches, where, report)
    # stored subgroups of the batches this import changes
    for row in list(batches.values()):
        if row.parent is None or row.code in batches.where:
            continue
        parent_at = batches.where.get(row.parent)
        parent = batches.get(row.parent)
        if parent_at is not None and not _ancestors(row.code, batches)[1]:
            _check_against_parent(row, parent, batches, parent_at, report, of_subgroup=True)


def _check_against_parent(
    row: Any,
    parent: Any,
    batches: Effective,
    where: Where,
    report: Report,
    *,
    of_subgroup: bool = False,
) -> None:
    if row.semester != parent.semester:
        if of_subgroup:
            message = (
                f"its subgroup {show(row.code)} has semester {row.semester}; a subgroup's "
                f"semester must equal its parent's ({parent.semester} here)"
            )
        else:
            message = (
                f"a subgroup's semester must equal its parent's: {show(parent.code)} has "
                f"semester {parent.semester}, this row {row.semester}"
            )
        report(where, "parent" if not of_subgroup else "semester", message)
    if row.shift is None:
        return
    inherited = _shift_of(parent.code, batches)
    if row.shift != inherited:
        had = f"shift {show(inherited)}" if inherited else "no shift"
        if of_subgroup:
            message = (
                f"its subgroup {show(row.code)} has shift {show(row.shift)}, but this batch "
                f"has {had}; a subgroup inherits its parent's shift"
            )
            report(where, "shift", message)
        else:
            message = (
                f"a subgroup inherits its parent's shift: {show(parent.code)} has {had}; "
                f"leave shift empty" + (f" or write {inherited}" if inherited else "")
            )
            report(where, "shift", message)


# --- baskets -----------------------------------------------------------------------------


class Option(NamedTuple):
    basket: str
    subject: str


class Baskets:
    """Baskets, options, offerings, rooms and enrollments as they will be after the import,
    and which (batch, subject) pairs each option owns."""

    def __init__(self, parsed: dict[str, ParsedFile], facts: CollegeFacts) -> None:
        self.parsed = parsed
        self.facts = facts
        self.batches = Effective("batches", parsed, facts)
        self.baskets = Effective("baskets", parsed, facts)
        self.options = Effective("basket_options", parsed, facts)
        self.offerings = Effective("offerings", parsed, facts)
        self.rooms = Effective("rooms", parsed, facts)
        self.subjects = Effective("subjects", parsed, facts)
        self.enrollments = Effective("enrollments", parsed, facts)
        students = parsed.get("students")
        self.student_batch = dict(facts.student_batch)
        if students is not None:
            self.student_batch.update((row.roll_number, row.batch) for row in students.rows)
        # (batch, subject) -> the option owning it, first come (the later ones clash)
        self.owned: dict[tuple[str, str], Option] = {}
        self.clashes: list[tuple[Option, str, Option]] = []
        for key, row in self.options.items():
            option = Option(*key)
            basket = self.baskets.get(row.basket)
            for batch in basket.batches if basket is not None else ():
                other = self.owned.setdefault((batch, row.subject), option)
                if other != option:
                    self.clashes.append((option, batch, other))
        self.enrolled: dict[Option, int] = defaultdict(int)
        for row in self.enrollments.values():
            self.enrolled[Option(row.basket, row.subject)] += 1
        self.baskets_with_enrollments = {option.basket for option in self.enrolled}

    def where_option(self, option: Option) -> Where | None:
        """The file row an option's problem is reported on: its own, else its basket's."""
        return self.options.where.get(option) or self.baskets.where.get(option.basket)

    def describe_option(self, option: Option) -> str:
        where = self.options.where.get(option)
        at = f"{where.pf.name} row {where.line}" if where else "stored"
        return f"option {option.subject} of basket {option.basket} ({at})"

    def is_subgroup_of_any(self, batch: str, targets: tuple[str, ...]) -> bool:
        if batch in targets:
            return True
        chain, _ = _ancestors(batch, self.batches)
        return any(b in targets for b in chain)


def check_reserved_groups(pf: ParsedFile, report: Report) -> None:
    for i, row in enumerate(pf.rows):
        if row.group.lower().startswith(BASKET_GROUP_PREFIX):
            report(
                Where(pf, i),
                "group",
                f"{show(row.group)}: groups starting with {show(BASKET_GROUP_PREFIX)} are "
                "reserved for elective baskets' options (see basket_options)",
            )


def check_option_offerings(model: Baskets, report: Report) -> None:
    """A basket option teaches its subject to every batch of its basket: no offering of
    that batch and subject may exist besides, nor a second option of another basket."""
    for option, batch, other in model.clashes:
        at = model.where_option(option)
        if at is not None:
            report(
                at,
                "subject" if at.pf.kind == "basket_options" else "batches",
                f"batch {batch} would take {option.subject} twice: in basket "
                f"{option.basket} and as {model.describe_option(other)}",
            )
    for key, offering in model.offerings.items():
        owner = model.owned.get(key)
        if owner is None:
            continue
        option = owner
        where = model.offerings.where.get(key)
        if where is not None:
            report(
                where,
                "subject",
                f"batch {offering.batch} takes {offering.subject} as "
                f"{model.describe_option(option)}; remove this row",
            )
            continue
        where = model.where_option(option)
        if where is not None:
            report(
                where,
                "subject" if where.pf.kind == "basket_options" else "batches",
                f"batch {offering.batch} already has an offering of {offering.subject} "
                f"(stored); an option of basket {option.basket} cannot teach it too",
            )


def _room_kind(subject_kind: str) -> str:
    return "lab" if subject_kind == "lab" else "lecture"


def check_option_rooms(model: Baskets, report: Report) -> None:
    """Some room can hold each option: of its subject's kind, with the features it needs,
    and (once students enrolled) big enough for them."""
    if not model.rooms.complete:
        return
    rooms = list(model.rooms.values())
    for key, where in model.options.where.items():
        option = Option(*key)
        subject = model.subjects.get(option.subject)
        if subject is None:
            continue
        kind = _room_kind(subject.kind)
        of_kind = [r for r in rooms if r.kind == kind]
        if not of_kind:
            report(
                where,
                "subject",
                f"{option.subject} needs a {kind} room, but there is no {kind} room "
                "in the database or in this import",
            )
            continue
        needs = tags_of(subject.room_features)
        fitting = [r for r in of_kind if needs <= tags_of(r.features)]
        if not fitting:
            report(
                where,
                "subject",
                f"{option.subject} needs a {kind} room with {';'.join(sorted(needs))}, "
                f"but no {kind} room has them",
            )
            continue
        count = model.enrolled.get(option, 0)
        largest = max(r.capacity for r in fitting)
        if count > largest:
            report(
                where,
                "subject",
                f"{count} students chose {option.subject}, but the largest room it can use "
                f"holds {largest}",
            )


def check_enrollments(model: Baskets, report: Report) -> None:
    """A student chooses in a basket of their batch (or of a batch their subgroup belongs
    to); every option of a basket with enrollments has someone in it."""
    for key, where in model.enrollments.where.items():
        row = model.enrollments.get(key)
        basket = model.baskets.get(row.basket)
        batch = model.student_batch.get(row.roll_number)
        if basket is None or batch is None:
            continue
        if not model.is_subgroup_of_any(batch, basket.batches):
            report(
                where,
                "roll_number",
                f"student {row.roll_number} is in batch {batch}, which is not one of basket "
                f"{row.basket}'s batches ({';'.join(basket.batches)}) or their subgroups",
            )
    for key, row in model.enrollments.items():
        basket_at = model.baskets.where.get(row.basket)
        basket = model.baskets.get(row.basket)
        batch = model.student_batch.get(row.roll_number)
        if key in model.enrollments.where or basket_at is None or batch is None:
            continue
        if not model.is_subgroup_of_any(batch, basket.batches):
            report(
                basket_at,
                "batches",
                f"student {row.roll_number} of batch {batch} chose an option of this basket, "
                f"but {batch} would no longer be one of its batches or their subgroups (delete "
                "that enrollment first)",
            )
    first_enrollment: dict[str, Where] = {}
    for key, enrollment_at in model.enrollments.where.items():
        first_enrollment.setdefault(key[1], enrollment_at)
    for key in model.options.rows:
        choice = Option(*key)
        if choice.basket not in model.baskets_with_enrollments or model.enrolled.get(choice):
            continue
        option = choice
        option_at = model.options.where.get(option)
        if option_at is not None:
            report(
                option_at,
                "subject",
                f"nobody is enrolled in option {option.subject} of basket {option.basket}; "
                "nobody can attend it",
            )
            continue
        first = first_enrollment.get(option.basket)
        if first is not None:
            report(
                first,
                "subject",
                f"after this import nobody is enrolled in option {option.subject} of basket "
                f"{option.basket}; nobody can attend it",
            )


# --- fixed sessions ----------------------------------------------------------------------


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
    kind = _room_kind(subject.kind)
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
