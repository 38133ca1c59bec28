"""Which batches a job's scope covers, and why it covers more than it names."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from academics.models import Basket, Batch, Offering


@dataclass(frozen=True)
class Pull:
    """A batch the scope did not name but has to take, and the class that ties it."""

    batch: str  # the pulled batch's code
    via: str  # "combined class MA301", "elective basket CE-EL1"


@dataclass(frozen=True)
class Scope:
    """``batch_ids``: every batch generated. ``asked``: the batches the scope names, with
    their subgroups (all their classes may move). The rest were pulled in by a class they
    share with an asked batch (``pulls``, in the order they were found); of those batches
    only the tying classes move."""

    batch_ids: frozenset[int]
    asked: frozenset[int]
    pulls: tuple[Pull, ...] = ()

    def notes(self, label: str) -> tuple[str, ...]:
        """One sentence per pulled batch: ``scope CE-3A also takes CE-3B (combined class
        MA301)``."""
        return tuple(f"scope {label} also takes {p.batch} ({p.via})" for p in self.pulls)


def descendants(parent_of: Mapping[int, int | None], ids: Iterable[int]) -> set[int]:
    """``ids`` and every subgroup under them (at any depth)."""
    children: dict[int, list[int]] = defaultdict(list)
    for child, parent in parent_of.items():
        if parent is not None:
            children[parent].append(child)
    out: set[int] = set()
    stack = list(ids)
    while stack:
        b = stack.pop()
        if b not in out:
            out.add(b)
            stack.extend(children.get(b, ()))
    return out


def scope_resolve(
    *, semester: int | None, department_id: int | None, batch_id: int | None
) -> Scope:
    """The batches a scope covers: the batches it names and their subgroups, plus every
    partner batch (and its subgroups) of their combined classes and elective baskets, which
    are generated as a whole. Four queries whatever the size of the institution."""
    rows = list(Batch.objects.values_list("pk", "code", "parent_id", "semester", "department_id"))
    parent_of = {pk: parent for pk, _, parent, _, _ in rows}
    code = {pk: c for pk, c, _, _, _ in rows}
    named = {
        pk
        for pk, _, _, sem, dept in rows
        if (not semester or sem == semester)
        and (not department_id or dept == department_id)
        and (not batch_id or pk == batch_id)
    }
    asked = descendants(parent_of, named)
    if not (semester or department_id or batch_id):
        return Scope(batch_ids=frozenset(asked), asked=frozenset(asked))

    ties: dict[str, set[int]] = defaultdict(set)  # "combined class X" -> its batches
    for group, subject, faculty_id, b in (
        Offering.objects.exclude(group="")
        .filter(basket_option__isnull=True)
        .values_list("group", "subject__code", "faculty_id", "batch_id")
        .order_by("subject__code", "group", "batch_id")
    ):
        ties[f"combined class {subject}\x00{group}\x00{faculty_id}"].add(b)
    for basket, b in Basket.batches.through.objects.values_list(
        "basket__code", "batch_id"
    ).order_by("basket__code", "batch_id"):
        ties[f"elective basket {basket}"].add(b)
    for basket, b in (
        Offering.objects.filter(basket_option__isnull=False)
        .values_list("basket_option__basket__code", "batch_id")
        .order_by("basket_option__basket__code", "batch_id")
    ):
        ties[f"elective basket {basket}"].add(b)

    ids = set(asked)
    pulls: list[Pull] = []
    changed = True
    while changed:
        changed = False
        for tie, members in ties.items():
            # a parent's class occupies its subgroups: they are tied too
            if not members & ids or members <= ids:
                continue
            via = tie.split("\x00", 1)[0]
            for b in sorted(members - ids, key=lambda b: code[b]):
                pulls.append(Pull(batch=code[b], via=via))
            ids |= members
            changed = True
        grown = descendants(parent_of, ids)
        if grown != ids:
            ids = grown
            changed = True
    return Scope(batch_ids=frozenset(ids), asked=frozenset(asked), pulls=tuple(pulls))
