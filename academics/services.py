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

#: ``Offering.group`` of an option's offerings: ``basket:<BASKET>:<SUBJECT>``.
OPTION_GROUP_PREFIX = "basket:"
_GROUP_MAX_LENGTH = Offering._meta.get_field("group").max_length


def basket_option_group(*, basket_code: str, subject_code: str) -> str:
    """The reserved ``Offering.group`` naming one option of a basket."""
    return f"{OPTION_GROUP_PREFIX}{basket_code}:{subject_code}"


@dataclass(frozen=True)
class OfferingSync:
    """What :func:`basket_option_offerings_sync` changed."""

    created: int
    updated: int
    deleted: int


@transaction.atomic
def basket_option_offerings_sync(*, option: BasketOption) -> OfferingSync:
    """Make ``option`` own exactly one ``Offering`` per batch of its basket: subject and
    faculty of the option, ``group`` = ``basket:<BASKET>:<SUBJECT>``, ``basket_option`` set.

    Offerings of the option for batches no longer in the basket (or of a subject the option
    no longer teaches) are deleted; a batch that already has an offering of the subject that
    is not this option's is an error on ``subject``.
    """
    basket = Basket.objects.get(pk=option.basket_id)
    subject = Subject.objects.get(pk=option.subject_id)
    group = basket_option_group(basket_code=basket.code, subject_code=subject.code)
    if _GROUP_MAX_LENGTH is not None and len(group) > _GROUP_MAX_LENGTH:
        raise ValidationError(
            {
                "subject": f"The basket code and subject code together are too long to name "
                f"this option ({len(group)} characters in {group!r}, at most "
                f"{_GROUP_MAX_LENGTH}); use a shorter basket code."
            }
        )
    batch_ids = set(basket.batches.values_list("pk", flat=True))
    existing = {
        o.batch_id: o
        for o in Offering.objects.select_related("batch").filter(
            batch_id__in=batch_ids, subject_id=subject.pk
        )
    }
    taken = sorted(
        o.batch.code for o in existing.values() if o.basket_option_id not in (None, option.pk)
    ) + sorted(o.batch.code for o in existing.values() if o.basket_option_id is None)
    if taken:
        raise ValidationError(
            {
                "subject": f"{subject.code} is already taught to "
                f"{', '.join(taken[:10])} outside this option; remove that offering first "
                "or choose another subject."
            }
        )
    stale = Offering.objects.filter(basket_option=option).exclude(
        batch_id__in=batch_ids, subject_id=subject.pk
    )
    _, by_model = stale.delete()
    deleted = by_model.get(Offering._meta.label, 0)
    created = updated = 0
    for batch_id in sorted(batch_ids):
        offering = existing.get(batch_id)
        if offering is None:
            Offering.objects.create(
                batch_id=batch_id,
                subject_id=subject.pk,
                faculty_id=option.faculty_id,
                group=group,
                basket_option=option,
            )
            created += 1
        elif (offering.faculty_id, offering.group) != (option.faculty_id, group):
            offering.faculty_id, offering.group = option.faculty_id, group
            offering.save(update_fields=["faculty", "group"])
            updated += 1
    return OfferingSync(created=created, updated=updated, deleted=deleted)


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
