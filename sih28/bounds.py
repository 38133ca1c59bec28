"""The range of whole numbers a model field accepts, read from its validators.

Django gives every integer field the database column's range as validators, and the
models add the domain's bounds (``academics.limits``); the API's filters and the CSV
importer read both from here, so they refuse exactly what the model refuses.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

#: The range of a signed 64-bit column (the widest integer column of the project).
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def integer_bounds(field: models.Field) -> tuple[int, int]:
    low, high = INT64_MIN, INT64_MAX
    for validator in field.validators:
        limit = getattr(validator, "limit_value", None)
        if not isinstance(limit, int):
            continue
        if isinstance(validator, MinValueValidator):
            low = max(low, limit)
        elif isinstance(validator, MaxValueValidator):
            high = min(high, limit)
    return low, high


def model_bounds(model: type[models.Model], name: str) -> tuple[int, int]:
    return integer_bounds(model._meta.get_field(name))  # type: ignore[arg-type]
