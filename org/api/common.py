"""Pieces every app's API shares: scoped read-only viewsets, month fields, pagination and the
translation of service errors into 400/403 responses.

Views and serializers hold no business rules: reads come from the selectors (always scoped
with `for_user`), writes call the same services as the pages, and a service's Django
ValidationError comes back as a 400 whose keys are the fields it names.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import pagination, serializers, viewsets
from rest_framework.exceptions import ValidationError
from rest_framework.settings import api_settings

from skills_portal.models import month_of


@extend_schema_field({"type": "string", "example": "2024-03",
                     "description": "A month: YYYY-MM, or any date in it (2023-12-31); answered "
                                   "as YYYY-MM."})
class MonthField(serializers.Field):
    """A month as `YYYY-MM` or any date in that month (stored as its first day, #16)."""

    default_error_messages = {
        "invalid": _("Enter a month as YYYY-MM, e.g. 2024-03."),
    }

    def to_representation(self, value):
        return f"{value:%Y-%m}"

    def to_internal_value(self, data):
        month = month_of(data.strip()) if isinstance(data, str) else None
        if month is None:
            self.fail("invalid")
        return month


def number(**kwargs):
    """A decimal rendered as a JSON number (completion rates, actuals, targets)."""
    kwargs.setdefault("max_digits", 20)
    kwargs.setdefault("decimal_places", 4)
    kwargs.setdefault("read_only", True)
    return serializers.DecimalField(coerce_to_string=False, **kwargs)


class UnitRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    code = serializers.CharField(read_only=True, allow_null=True)
    name = serializers.CharField(read_only=True)


class DepartmentBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    sector = serializers.CharField(read_only=True)


class PageNumberPagination(pagination.PageNumberPagination):
    page_size = api_settings.PAGE_SIZE or 100
    page_size_query_param = "page_size"
    max_page_size = 1000


class ScopedMixin:
    """`get_queryset` asks `scoped_queryset(user)` (a selector that goes through `for_user`)."""

    pagination_class = PageNumberPagination

    def scoped_queryset(self, user):  # pragma: no cover - every viewset defines it
        raise NotImplementedError

    def get_queryset(self):
        return self.scoped_queryset(self.request.user)


class ScopedReadOnlyViewSet(ScopedMixin, viewsets.ReadOnlyModelViewSet):
    pass


def drf_error(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as DRF's: {field: [messages]} or {"non_field_errors": […]}.
    The `__all__` key of model validation becomes `non_field_errors`."""
    if hasattr(exc, "error_dict"):
        detail = {}
        for field, errors in exc.error_dict.items():
            key = api_settings.NON_FIELD_ERRORS_KEY if field == "__all__" else field
            detail.setdefault(key, []).extend(
                str(m) for e in errors for m in e.messages
            )
        return ValidationError(detail)
    return ValidationError({api_settings.NON_FIELD_ERRORS_KEY: [str(m) for m in exc.messages]})


@contextmanager
def service_errors():
    """Run a service call; its Django ValidationError becomes a 400. PermissionDenied passes
    through and DRF answers 403 with the service's message."""
    try:
        yield
    except DjangoValidationError as exc:
        raise drf_error(exc) from exc


__all__ = [
    "DepartmentBriefSerializer",
    "MonthField",
    "OpenApiTypes",
    "PageNumberPagination",
    "ScopedMixin",
    "ScopedReadOnlyViewSet",
    "UnitRefSerializer",
    "drf_error",
    "number",
    "service_errors",
]
