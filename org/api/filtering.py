"""The API's filter backend: django-filter's, strict about what it is asked (issue #18).

A query parameter the endpoint does not know is a 400 that names it and lists the accepted
ones, instead of being ignored: `?org_unit=64` on an endpoint that filters by `unit` would
otherwise answer every record in scope, and a script acting on "the" result would act on
another unit's record."""

from __future__ import annotations

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

# Accepted on every endpoint: pagination, ordering, the response format.
COMMON = frozenset({"page", "page_size", "ordering", "format"})


def accepted_parameters(filterset) -> set[str]:
    """The query names a FilterSet reads, range filters with their suffixes (period_after …)."""
    names = set()
    for name, field in filterset.form.fields.items():
        suffixes = getattr(field.widget, "suffixes", None)
        if suffixes:
            names |= {f"{name}_{suffix}" if suffix else name for suffix in suffixes}
        else:
            names.add(name)
    return names


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        accepted = set(COMMON) | set(getattr(view, "extra_query_parameters", ()))
        filterset = self.get_filterset(request, queryset, view)
        if filterset is not None:
            accepted |= accepted_parameters(filterset)
        unknown = sorted(set(request.query_params) - accepted)
        if unknown:
            raise ValidationError({
                "detail": f"未知的查询参数：{'、'.join(unknown)}。可用的参数：{'、'.join(sorted(accepted))}",
                "unknown_parameters": unknown,
                "accepted_parameters": sorted(accepted),
            })
        return super().filter_queryset(request, queryset, view)
