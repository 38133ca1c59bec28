"""Writes of master data that are more than one row: elective baskets, their options (and
the offerings each option owns) and students' enrollments.

The API and the CSV importer call the same functions, so an option written either way owns
the same offerings. Errors are Django ``ValidationError``s keyed by field, which the API
answers as field errors (400).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from academics import selectors
from academics.baskets import basket_offerings_sync
from academics.models import (
    Basket,
    BasketOption,
    Batch,
    Enrollment,
    Faculty,
    Offering,
    Student,
    Subject,
)


@dataclass(frozen=True)
class OfferingSync:
    """What :func:`basket_option_offerings_sync` changed."""

    created: int
    updated: int
    deleted: int


@transaction.atomic
def basket_option_offerings_sync(*, option: BasketOption) -> OfferingSync:
    """Make ``option`` own exactly one ``Offering`` per batch of its basket, through the one
    function that writes them (``academics.baskets.basket_offerings_sync``, which the CSV
    import and the admin call too).

    A batch of the basket that already has an offering of the subject that is not this
    option's is an error on ``subject``, checked first.
    """
    basket = Basket.objects.get(pk=option.basket_id)
    subject = Subject.objects.get(pk=option.subject_id)
    batch_ids = set(basket.batches.values_list("pk", flat=True))
    clashing = (
        Offering.objects.filter(batch_id__in=batch_ids, subject_id=subject.pk)
        .exclude(basket_option_id=option.pk)
        .select_related("batch")
    )
    taken = sorted(o.batch.code for o in clashing)
    if taken:
        raise ValidationError(
            {
                "subject": f"{subject.code} is already taught to "
                f"{', '.join(taken[:10])} outside this option; remove that offering first "
                "or choose another subject."
            }
        )
    before = {
        o.pk: (o.batch_id, o.subject_id, o.faculty_id, o.group)
        for o in Offering.objects.filter(basket_option=option)
    }
    basket_offerings_sync(basket_ids=[basket.pk])
    after = {
        o.pk: (o.batch_id, o.subject_id, o.faculty_id, o.group)
        for o in Offering.objects.filter(basket_option=option)
    }
    return OfferingSync(
        created=len(after.keys() - before.keys()),
        updated=sum(1 for pk in after.keys() & before.keys() if after[pk] != before[pk]),
        deleted=len(before.keys() - after.keys()),
    )


# --- baskets and options -------------------------------------------------------------------


@transaction.atomic
def basket_create(*, batches: Iterable[Batch], **fields: object) -> Basket:
    basket = Basket(**fields)
    basket.full_clean()
    basket.save()
    basket.batches.set(list(batches))
    return basket


@transaction.atomic
def basket_update(
    *, basket: Basket, batches: Iterable[Batch] | None = None, **fields: object
) -> Basket:
    """Change a basket; a new code or new batches re-sync every option's offerings."""
    for name, value in fields.items():
        setattr(basket, name, value)
    basket.full_clean()
    basket.save()
    if batches is not None:
        basket.batches.set(list(batches))
    for option in BasketOption.objects.filter(basket=basket):
        basket_option_offerings_sync(option=option)
    return basket


@transaction.atomic
def basket_option_create(*, basket: Basket, subject: Subject, faculty: Faculty) -> BasketOption:
    option = BasketOption(basket=basket, subject=subject, faculty=faculty)
    option.full_clean()
    option.save()
    basket_option_offerings_sync(option=option)
    return option


@transaction.atomic
def basket_option_update(*, option: BasketOption, **fields: object) -> BasketOption:
    for name, value in fields.items():
        setattr(option, name, value)
    option.full_clean()
    option.save()
    basket_option_offerings_sync(option=option)
    if "basket" in fields:  # enrollments of the old basket cannot point at this option
        Enrollment.objects.filter(option=option).exclude(basket=option.basket).delete()
    return option


# --- enrollments ---------------------------------------------------------------------------


def enrollment_validate(*, student: Student, basket: Basket, subject: Subject) -> BasketOption:
    """The option ``subject`` of ``basket`` for ``student``, or field errors: the student
    must belong to one of the basket's batches (or a subgroup of one), and the subject must
    be an option of the basket."""
    errors: dict[str, str] = {}
    basket_batches = set(basket.batches.values_list("pk", flat=True))
    lineage = selectors.batch_ancestor_ids(batch_id=student.batch_id)
    if not basket_batches & set(lineage):
        codes = ", ".join(sorted(basket.batches.values_list("code", flat=True))) or "none"
        errors["student"] = (
            f"{student.roll_number} is in batch {student.batch.code}, which is not one of "
            f"basket {basket.code}'s batches ({codes}) or a subgroup of one."
        )
    option = BasketOption.objects.filter(basket=basket, subject=subject).first()
    if option is None:
        names = ", ".join(
            sorted(
                BasketOption.objects.filter(basket=basket).values_list("subject__code", flat=True)
            )
        )
        errors["subject"] = (
            f"{subject.code} is not an option of basket {basket.code} "
            f"(its options: {names or 'none yet'})."
        )
    if errors:
        raise ValidationError(errors)
    assert option is not None
    return option


@transaction.atomic
def enrollment_create(*, student: Student, basket: Basket, subject: Subject) -> Enrollment:
    option = enrollment_validate(student=student, basket=basket, subject=subject)
    if Enrollment.objects.filter(student=student, basket=basket).exists():
        raise ValidationError(
            {"student": f"{student.roll_number} already chose an option of basket {basket.code}."}
        )
    return Enrollment.objects.create(student=student, basket=basket, option=option)


@transaction.atomic
def enrollment_update(
    *,
    enrollment: Enrollment,
    student: Student | None = None,
    basket: Basket | None = None,
    subject: Subject | None = None,
) -> Enrollment:
    student = student or enrollment.student
    basket = basket or enrollment.basket
    subject = subject or enrollment.option.subject
    option = enrollment_validate(student=student, basket=basket, subject=subject)
    clash = Enrollment.objects.filter(student=student, basket=basket).exclude(pk=enrollment.pk)
    if clash.exists():
        raise ValidationError(
            {"student": f"{student.roll_number} already chose an option of basket {basket.code}."}
        )
    enrollment.student, enrollment.basket, enrollment.option = student, basket, option
    enrollment.save()
    return enrollment
