"""How students are grouped, for the problem builder: subgroups, elective baskets, students.

A subgroup (a lab or tutorial group) is a batch with a parent. Its own classes are ordinary
offerings; a parent's classes are attended by all its students, so they occupy every
subgroup under it too (a subgroup never clashes with its parent, siblings may meet at the
same time). An elective basket's option is one class whose offerings, one per batch of the
basket, all meet together; its size is the number of students enrolled in it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from academics import limits
from academics.models import (
    Basket,
    BasketOption,
    Batch,
    Enrollment,
    Offering,
    Student,
    SubjectKind,
)
from timetabling import optimizer as opt


@dataclass(frozen=True)
class BatchRow:
    code: str
    size: int
    parent: int | None
    shift_code: str | None
    shift_periods: str | None


@dataclass(frozen=True)
class BatchTree:
    """Every batch of the institution with its parent and shift (one query)."""

    rows: dict[int, BatchRow]
    children: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: dict[int, BatchRow]) -> BatchTree:
        children: dict[int, list[int]] = defaultdict(list)
        for pk in sorted(rows):
            parent = rows[pk].parent
            if parent is not None:
                children[parent].append(pk)
        return cls(rows, dict(children))

    def below(self, ids: Iterable[int]) -> tuple[int, ...]:
        """``ids`` (in their order) followed by every subgroup under them, sorted."""
        ids = tuple(dict.fromkeys(ids))
        extra: set[int] = set()
        stack = [c for b in ids for c in self.children.get(b, ())]
        while stack:
            b = stack.pop()
            if b not in extra and b not in ids:
                extra.add(b)
                stack.extend(self.children.get(b, ()))
        return ids + tuple(sorted(extra))

    def chain(self, batch: int) -> list[int]:
        """``batch`` and its ancestors, nearest first."""
        out: list[int] = []
        b: int | None = batch
        while b is not None and b in self.rows and b not in out:
            out.append(b)
            b = self.rows[b].parent
        return out

    def shift(self, batch: int) -> BatchRow | None:
        """The row whose shift ``batch`` follows: its own, else its nearest ancestor's."""
        for b in self.chain(batch):
            if self.rows[b].shift_code is not None:
                return self.rows[b]
        return None


def batch_tree_read() -> BatchTree:
    rows = Batch.objects.values_list(
        "pk", "code", "size", "parent_id", "shift__code", "shift__periods", named=True
    )
    return BatchTree.of(
        {
            r.pk: BatchRow(
                code=r.code,
                size=r.size,
                parent=r.parent_id,
                shift_code=r.shift__code,
                shift_periods=r.shift__periods,
            )
            for r in rows
        }
    )


@dataclass
class OptionOfferings:
    """A basket option (with its basket, subject and faculty loaded) and its offerings."""

    option: BasketOption
    offerings: list[Offering] = field(default_factory=list)


@dataclass
class BasketClasses:
    """The classes of the elective options in scope, and who chose which."""

    classes: list[opt.ClassSpec] = field(default_factory=list)
    offerings_of: dict[int, list[Offering]] = field(default_factory=dict)  # class id -> offerings
    names: dict[int, str] = field(default_factory=dict)  # class id -> display name
    baskets: dict[int, str] = field(default_factory=dict)  # basket id -> code
    chosen: dict[int, list[int]] = field(default_factory=dict)  # student id -> class ids
    issues: list[str] = field(default_factory=list)


def basket_classes_build(
    option_offerings: dict[int, OptionOfferings], tree: BatchTree, days_in_grid: int
) -> BasketClasses:
    """One class per basket option in scope (``option_offerings``: option id -> the option
    and its offerings). Two queries."""
    out = BasketClasses()
    if not option_offerings:
        return out
    basket_ids = {g.option.basket_id for g in option_offerings.values()}
    basket_batches: dict[int, list[int]] = defaultdict(list)
    for basket_id, batch_id in (
        Basket.batches.through.objects.filter(basket_id__in=basket_ids)
        .order_by("batch__code")
        .values_list("basket_id", "batch_id")
    ):
        basket_batches[basket_id].append(batch_id)
    enrolled: dict[int, list[int]] = defaultdict(list)
    for option_id, student_id in (
        Enrollment.objects.filter(option_id__in=option_offerings)
        .order_by("student_id")
        .values_list("option_id", "student_id")
    ):
        enrolled[option_id].append(student_id)

    for option_id, each in option_offerings.items():
        option, group = each.option, each.offerings
        basket, subject = option.basket, option.subject
        cid = group[0].pk
        label = f"{subject.code} ({basket.code})"
        students = enrolled.get(option_id, [])
        if not students:
            out.issues.append(f"Nobody is enrolled in {subject.code} of basket {basket.code}.")
        for s in students:
            out.chosen.setdefault(s, []).append(cid)
        own = basket_batches.get(basket.pk) or [o.batch_id for o in group]
        out.classes.append(
            opt.ClassSpec(
                id=cid,
                kind=room_kind(subject.kind),
                faculty=option.faculty_id,
                batches=tree.below(own),
                sessions_per_week=basket.sessions_per_week,
                periods_per_session=basket.periods_per_session,
                min_days=min(basket.min_days, basket.sessions_per_week, days_in_grid),
                size=len(students),
                room_features=limits.tags_of(subject.room_features),
                basket=basket.pk,
            )
        )
        out.offerings_of[cid] = group
        out.names[cid] = label
        out.baskets[basket.pk] = basket.code
    return out


def room_kind(kind: str) -> opt.RoomKind:
    return opt.RoomKind.LAB if kind == SubjectKind.LAB else opt.RoomKind.LECTURE


@dataclass(frozen=True)
class Students:
    loads: tuple[opt.StudentLoad, ...]
    roll_numbers: dict[int, str]


def students_build(
    *,
    batch_ids: Iterable[int],
    tree: BatchTree,
    classes_of_batch: dict[int, list[int]],
    chosen: dict[int, list[int]],
) -> Students:
    """One load per student of the scope: the classes of their batch and its ancestors
    (``classes_of_batch``: batch -> classes its offerings belong to, not the ones that only
    occupy it) and the options they chose (``chosen``). One query."""
    loads = []
    rolls = {}
    for pk, roll, batch_id in (
        Student.objects.filter(batch_id__in=list(batch_ids))
        .order_by("pk")
        .values_list("pk", "roll_number", "batch_id")
    ):
        classes: list[int] = []
        for b in tree.chain(batch_id):
            classes += classes_of_batch.get(b, ())
        classes += chosen.get(pk, ())
        loads.append(opt.StudentLoad(id=pk, classes=tuple(dict.fromkeys(classes))))
        rolls[pk] = roll
    return Students(loads=tuple(loads), roll_numbers=rolls)
