"""The rules of "colleges as they are" across rows, files and the stored data: subgroups
and their parents, elective baskets with their options and enrollments, fixed sessions.

Pure functions, like ``validation`` (which calls ``check_colleges`` last). The stored rows
these rules need are read by the service into ``CollegeFacts`` as rows of their kind
(``KindSpec.row``), so a row of a file and a stored row look alike: the file's row wins
where both have the key (``imports.effective``). Fixed sessions: ``validation_fixed``.
"""

from __future__ import annotations

from typing import Any

from academics.baskets import BASKET_GROUP_PREFIX
from academics.limits import tags_of
from imports.cells import show
from imports.effective import (
    Baskets,
    CollegeFacts,
    Effective,
    Option,
    Report,
    Where,
    ancestors,
    room_kind,
)
from imports.parsing import ParsedFile, Problems
from imports.validation_fixed import check_fixed_sessions


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
        chain, cycle = ancestors(code, batches)
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
        if parent_at is not None and not ancestors(row.code, batches)[1]:
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
        kind = room_kind(subject.kind)
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
