"""Query parameters that are refused when they are wrong, instead of ignored or crashing.

Every list filter of the API is declared on :class:`FilterSet`, which maps integer model
fields to :class:`IntegerFilter` (a whole number within the column's range, so a huge or
fractional value is a 400 naming the parameter, never an ``OverflowError`` from the
database driver) and boolean fields to :class:`BooleanFilter` (``true``/``false`` or a 400,
never silently ignored). ``SearchFilter`` caps ``?search=`` (number of terms and length), so
a long search is a 400 instead of a query the database cannot plan. All of these use
django-filter's and DRF's public extension points (``FILTER_DEFAULTS``, ``field_class``,
``get_search_terms``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.text import smart_split
from drf_spectacular.utils import extend_schema_field
from rest_framework import filters as drf_filters
from rest_framework.exceptions import ValidationError

from sih28.bounds import INT64_MAX, INT64_MIN, integer_bounds


class IntegerFilter(django_filters.NumberFilter):
    """A whole number (``1.5``, ``1e30`` and ``abc`` are refused) within ``min_value`` and
    ``max_value`` (by default the range of a 64-bit column)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", INT64_MIN)
        kwargs.setdefault("max_value", INT64_MAX)
        super().__init__(*args, **kwargs)
        # The published schema says the same (drf-spectacular reads this annotation).
        extend_schema_field(
            {"type": "integer", "minimum": kwargs["min_value"], "maximum": kwargs["max_value"]}
        )(self)

    def get_max_validator(self) -> None:
        return None  # the field's own max_value bounds it


class IdFilter(IntegerFilter):
    """An id: a whole number from 1 to :data:`~sih28.bounds.INT64_MAX`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        super().__init__(*args, **kwargs)


class StrictBooleanField(forms.Field):
    """``true``/``false`` (also ``1``/``0``, ``yes``/``no``, any case); anything else is an
    error, not "no filter"."""

    TRUE = frozenset({"true", "1", "yes", "on"})
    FALSE = frozenset({"false", "0", "no", "off"})

    def to_python(self, value: Any) -> bool | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        folded = str(value).strip().lower()
        if folded in self.TRUE:
            return True
        if folded in self.FALSE:
            return False
        raise DjangoValidationError("Enter true or false.", code="invalid")


class BooleanFilter(django_filters.BooleanFilter):
    field_class = StrictBooleanField


def _integer_bounds(field: models.Field) -> dict[str, int]:
    low, high = integer_bounds(field)
    return {"min_value": low, "max_value": high}


_INTEGER_FIELDS = (
    models.AutoField,
    models.BigAutoField,
    models.SmallAutoField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)


class FilterSet(django_filters.FilterSet):
    """The base of every FilterSet of the API: integer and boolean fields named in
    ``Meta.fields`` get the strict filters above. Declare id filters as :class:`IdFilter`
    and integer filters as :class:`IntegerFilter` (``tests/test_input_limits.py`` checks
    that no list filter accepts a value the database cannot take)."""

    FILTER_DEFAULTS = {
        **django_filters.FilterSet.FILTER_DEFAULTS,
        **{
            kind: {"filter_class": IntegerFilter, "extra": _integer_bounds}
            for kind in _INTEGER_FIELDS
        },
        models.BooleanField: {"filter_class": BooleanFilter},
    }


class SearchFilter(drf_filters.SearchFilter):
    """DRF's search, with at most ``API_SEARCH_MAX_TERMS`` terms of at most
    ``API_SEARCH_MAX_LENGTH`` characters in all; errors are ``{"search": [...]}`` (400)."""

    def get_search_terms(self, request: Any) -> list[str]:
        value = request.query_params.get(self.search_param, "")
        limit = settings.API_SEARCH_MAX_LENGTH
        if len(value) > limit:
            raise ValidationError({self.search_param: [f"At most {limit} characters."]})
        try:
            terms = super().get_search_terms(request)
        except ValidationError as exc:
            raise ValidationError({self.search_param: exc.detail}) from None
        most = settings.API_SEARCH_MAX_TERMS
        if len(terms) > most:
            raise ValidationError(
                {self.search_param: [f"At most {most} search terms, not {len(terms)}."]}
            )
        return terms

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {
                **parameter["schema"],
                "maxLength": settings.API_SEARCH_MAX_LENGTH,
            }
            parameter["description"] = (
                f"{parameter.get('description', '')} At most {settings.API_SEARCH_MAX_TERMS} terms."
            ).strip()
        return parameters


class BoundedSearchAdmin:
    """Mixed into a ModelAdmin (before it): the changelist's search takes at most
    ``API_SEARCH_MAX_TERMS`` terms and ``API_SEARCH_MAX_LENGTH`` characters, like the API;
    a longer search shows an error and no rows instead of a query the database cannot plan."""

    def get_search_results(self, request: Any, queryset: Any, search_term: str) -> Any:
        terms = len(list(smart_split(search_term)))
        most, limit = settings.API_SEARCH_MAX_TERMS, settings.API_SEARCH_MAX_LENGTH
        if terms > most or len(search_term) > limit:
            messages.error(
                request,
                f"Search with at most {most} terms and {limit} characters "
                f"(this one had {terms} terms, {len(search_term)} characters).",
            )
            return queryset.none(), False
        return super().get_search_results(request, queryset, search_term)  # type: ignore[misc]
