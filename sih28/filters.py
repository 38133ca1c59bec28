"""django-filter, without its per-request set-up cost where nothing needs it.

Every list request ran its FilterSet: a deep copy of every filter, a form class built from
scratch, a form validated, even for ``?page=1``. ``FilterBackend`` skips the FilterSet when
the query string names none of its filters (filters do nothing with empty values, so the
result is the same), and ``FilterSet`` builds its form class once per class instead of
once per request (the filters' form fields are the same every time) and copies its filters
shallowly (a deep copy duplicated every choice list for every request).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import QueryDict
from django_filters.filters import QuerySetRequestMixin
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.request import Request


@cache
def _shareable(filterset_class: type[django_filters.FilterSet]) -> bool:
    """Can requests share the filters' form fields and copy the filters shallowly? Not when
    a filter builds its field from the request or is bound to a FilterSet method."""
    return not any(
        isinstance(f, QuerySetRequestMixin) or getattr(f, "method", None) is not None
        for f in filterset_class.base_filters.values()
    )


class FilterSet(django_filters.FilterSet):
    """The project's FilterSet base: the form class is built once per FilterSet class."""

    def __init__(self, data: Any = None, queryset: QuerySet | None = None, *,
                 request: Any = None, prefix: str | None = None) -> None:
        if not _shareable(type(self)):
            super().__init__(data, queryset, request=request, prefix=prefix)
            return
        # django-filter's own __init__, with a shallow copy of each filter: a filter's
        # per-request state is its model and parent, set here on the copy.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self

    def get_form_class(self):  # noqa: ANN201 - a django.forms.Form subclass
        cls = type(self)
        form_class = cls.__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            if _shareable(cls):
                cls._form_class = form_class
        return form_class


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
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not uses_filters(request, filterset_class):
            return queryset
        return super().filter_queryset(request, queryset, view)
