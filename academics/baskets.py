"""The offerings an elective basket's options own: one per option and batch of its basket,
with the option's subject and teacher and a ``group`` reserved for the option, so the
option is a combined class of the basket's batches for slots, exports and workload.

The CSV import and the admin both call ``basket_offerings_sync`` after writing baskets or
options."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import NamedTuple

from django.db import transaction

from academics import models as am

#: An offering's ``group`` starting with this belongs to an elective basket's option; the
#: CSV import refuses it in offerings.csv.
BASKET_GROUP_PREFIX = "basket:"

GROUP_MAX = am.Offering._meta.get_field("group").max_length


class Wanted(NamedTuple):
    faculty_id: int
    group: str
    option_id: int


def reserved_group(option_id: int, basket: str, subject: str) -> str:
    """``basket:BASKET:SUBJECT``, or ``basket:ID`` (the option's id) when that is too long."""
    group = f"{BASKET_GROUP_PREFIX}{basket}:{subject}"
    if len(group) > GROUP_MAX:  # type: ignore[operator]
        group = f"{BASKET_GROUP_PREFIX}{option_id}"
    return group


@transaction.atomic
def basket_offerings_sync(*, basket_ids: Collection[int]) -> None:
    """Make the offerings of the options of these baskets match their options and batches:
    create the missing, update a changed teacher, delete those of a batch that left."""
    if not basket_ids:
        return
    options = am.BasketOption.objects.filter(basket_id__in=basket_ids).values_list(
        "id", "basket_id", "basket__code", "subject_id", "subject__code", "faculty_id", named=True
    )
    members: dict[int, list[int]] = defaultdict(list)
    through = am.Basket.batches.through
    for basket_id, batch_id in through.objects.filter(basket_id__in=basket_ids).values_list(
        "basket_id", "batch_id"
    ):
        members[basket_id].append(batch_id)
    wanted: dict[tuple[int, int], Wanted] = {}
    for option in options:
        group = reserved_group(option.id, option.basket__code, option.subject__code)
        for batch_id in members[option.basket_id]:
            wanted[(batch_id, option.subject_id)] = Wanted(option.faculty_id, group, option.id)

    existing = am.Offering.objects.filter(basket_option__basket_id__in=basket_ids)
    stale: list[int] = []
    changed: list[am.Offering] = []
    for offering in existing.only("id", "batch", "subject", "faculty", "group", "basket_option"):
        want = wanted.pop((offering.batch_id, offering.subject_id), None)
        if want is None or want.option_id != offering.basket_option_id:
            stale.append(offering.pk)
            if want is not None:
                wanted[(offering.batch_id, offering.subject_id)] = want
        elif (offering.faculty_id, offering.group) != (want.faculty_id, want.group):
            offering.faculty_id, offering.group = want.faculty_id, want.group
            changed.append(offering)
    if stale:
        am.Offering.objects.filter(pk__in=stale).delete()
    if changed:
        am.Offering.objects.bulk_update(changed, ["faculty_id", "group"])
    am.Offering.objects.bulk_create(
        am.Offering(
            batch_id=batch_id,
            subject_id=subject_id,
            faculty_id=want.faculty_id,
            group=want.group,
            basket_option_id=want.option_id,
        )
        for (batch_id, subject_id), want in wanted.items()
    )
