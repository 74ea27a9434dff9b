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

# The query names of each FilterSet class, found once: building a FilterSet's form copies
# every filter and builds every field (a tenth of a list request's time at month-end, issue #25).
_NAMES: dict[type, frozenset[str]] = {}


def accepted_parameters(filterset_class, **kwargs) -> frozenset[str]:
    """The query names a FilterSet class reads, range filters with their suffixes
    (period_after …); `kwargs` build the one instance whose form tells them."""
    names = _NAMES.get(filterset_class)
    if names is None:
        found = set()
        for name, field in filterset_class(None, **kwargs).form.fields.items():
            suffixes = getattr(field.widget, "suffixes", None)
            if suffixes:
                found |= {f"{name}_{suffix}" if suffix else name for suffix in suffixes}
            else:
                found.add(name)
        names = _NAMES[filterset_class] = frozenset(found)
    return names


class StrictFilterBackend(DjangoFilterBackend):
    def filter_queryset(self, request, queryset, view):
        accepted = set(COMMON) | set(getattr(view, "extra_query_parameters", ()))
        filterset_class = self.get_filterset_class(view, queryset)
        names = frozenset()
        if filterset_class is not None:
            names = accepted_parameters(filterset_class, queryset=queryset, request=request)
        accepted |= names
        asked = set(request.query_params)
        unknown = sorted(asked - accepted)
        if unknown:
            raise ValidationError({
                "detail": f"未知的查询参数：{'、'.join(unknown)}。可用的参数：{'、'.join(sorted(accepted))}",
                "unknown_parameters": unknown,
                "accepted_parameters": sorted(accepted),
            })
        if not asked & names:
            # No filter asked for: every filter would pass the queryset through unchanged
            # (an empty value filters nothing), so the form is not built at all.
            return queryset
        return super().filter_queryset(request, queryset, view)
