"""``FilterBackend``: django-filter's backend, skipped when the query string names no filter.

Every list request ran its FilterSet (a deep copy of every filter, a form class built, a form
validated) even for ``?page=1``. Filters do nothing with absent values, so when the query
string names none of the FilterSet's filters the queryset is returned as it is. Written on
``DjangoFilterBackend``'s public ``filter_queryset`` and ``get_filterset_class``; switched off
by ``API_FILTER_ONLY_WHEN_ASKED = False``.

Measured with ``python -m benchmarks.api_load`` (docs/api.md, "Speed-up layers"): GAIN_FILTERS
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.conf import settings
from django.db.models import QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request


def uses_filters(request: Request, filterset_class: type[django_filters.FilterSet]) -> bool:
    """Does the query string name any of the FilterSet's filters (or their ``_min``/``_max``
    style sub-fields)?"""
    params = request.query_params
    return bool(params) and any(
        param.startswith(name) for param in params for name in filterset_class.base_filters
    )


class FilterBackend(DjangoFilterBackend):
    """``DjangoFilterBackend`` that leaves the queryset alone when no filter is asked for."""

    def filter_queryset(self, request: Request, queryset: QuerySet, view: Any) -> QuerySet:
        if settings.API_FILTER_ONLY_WHEN_ASKED:
            filterset_class = self.get_filterset_class(view, queryset)
            if filterset_class is not None and not uses_filters(request, filterset_class):
                return queryset
        return super().filter_queryset(request, queryset, view)
