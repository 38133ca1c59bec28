"""List pages straight from ``QuerySet.values()``, with the serializer as the only definition.

DRF builds a model instance per row and walks every field's ``get_attribute`` machinery;
for a page of 50 rows that is most of a list request's CPU. ``ValuesListMixin`` reads the
page with ``.values()`` instead and applies each serializer field's own
``to_representation`` to the raw column, so the JSON is the same as the serializer's
(tests compare the two for every list endpoint). A serializer with a field this cannot
translate (a method field, a nested serializer) simply takes DRF's ordinary path.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.utils import timezone
from rest_framework import ISO_8601, serializers
from rest_framework.relations import PKOnlyObject
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings


class PerPage:
    """A transform that needs per-request state (the current time zone): ``bind()`` is
    called once per page and returns the per-value function."""

    def __init__(self, field: serializers.DateTimeField) -> None:
        self.field = field

    def bind(self) -> Callable[[Any], Any]:
        """``DateTimeField.to_representation`` with the time zone looked up once per page
        instead of once per value (a large share of a page with a timestamp column)."""
        field = self.field
        tz = field.timezone if hasattr(field, "timezone") else field.default_timezone()
        output_format = getattr(field, "format", api_settings.DATETIME_FORMAT)
        if tz is None or output_format is None or output_format.lower() != ISO_8601:
            return field.to_representation

        def render(value: Any) -> Any:
            if isinstance(value, str) or not timezone.is_aware(value):
                return field.to_representation(value)
            text = value.astimezone(tz).isoformat()
            return text[:-6] + "Z" if text.endswith("+00:00") else text

        return render


Column = tuple[str, str, Callable[[Any], Any] | PerPage | None]  # key, ORM path, transform

_PLAIN = (
    serializers.BooleanField, serializers.CharField, serializers.ChoiceField,
    serializers.DateField, serializers.DateTimeField, serializers.TimeField,
    serializers.IntegerField, serializers.FloatField, serializers.JSONField,
    serializers.ReadOnlyField,
)


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
        return name, path, (lambda pk, f=field: f.to_representation(PKOnlyObject(pk)))
    if not isinstance(field, _PLAIN):
        return None
    if path.startswith("get_") and path.endswith("_display"):
        attr = path[len("get_"):-len("_display")]
        labels = {k: str(v) for k, v in model._meta.get_field(attr).flatchoices}
        return name, attr, labels.get
    if isinstance(field, serializers.DateTimeField):
        return name, path, PerPage(field)
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
    bound = [(name, path, t.bind() if isinstance(t, PerPage) else t) for name, path, t in plan]
    out = []
    for row in rows:
        item = {}
        for name, path, transform in bound:
            value = row[path]
            item[name] = transform(value) if transform is not None and value is not None else value
        out.append(item)
    return out


class ValuesListMixin:
    """Mix into a list viewset (before DRF's classes) to serve pages from ``.values()``."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = values_plan(self.get_serializer_class())
        if plan is None:
            return super().list(request, *args, **kwargs)  # type: ignore[misc]
        queryset = self.filter_queryset(self.get_queryset())
        rows = queryset.values(*dict.fromkeys(path for _, path, _ in plan))
        rows.count_source = queryset  # type: ignore[attr-defined]  # count without the joins
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(render_values(plan, list(page)))
        return Response(render_values(plan, list(rows)))
