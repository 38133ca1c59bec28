"""Small colleges as they are, built with the ORM: subgroups, elective baskets, shifts."""

from __future__ import annotations

from academics import models as am
from tests import factories


def basket_with_options(
    *,
    code: str,
    batches: list[am.Batch],
    options: list[tuple[am.Subject, am.Faculty]],
    sessions_per_week: int = 2,
    periods_per_session: int = 1,
    min_days: int = 2,
) -> tuple[am.Basket, list[am.BasketOption]]:
    """A basket over ``batches`` whose options each own one offering per batch, as the
    import writes them."""
    basket = am.Basket.objects.create(
        code=code,
        name=f"Basket {code}",
        sessions_per_week=sessions_per_week,
        periods_per_session=periods_per_session,
        min_days=min_days,
    )
    basket.batches.set(batches)
    made = []
    for subject, teacher in options:
        option = am.BasketOption.objects.create(basket=basket, subject=subject, faculty=teacher)
        for batch in batches:
            am.Offering.objects.create(
                batch=batch,
                subject=subject,
                faculty=teacher,
                group=f"basket:{code}:{subject.code}",
                basket_option=option,
            )
        made.append(option)
    return basket, made


def enrol(students: list[am.Student], option: am.BasketOption) -> None:
    am.Enrollment.objects.bulk_create(
        am.Enrollment(student=s, basket_id=option.basket_id, option=option) for s in students
    )


def students(batch: am.Batch, n: int) -> list[am.Student]:
    return [factories.StudentFactory(batch=batch) for _ in range(n)]
