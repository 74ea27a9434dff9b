"""List filters for the admin that cost no query at national scale.

Django's own filter on a date field lists its distinct values (a scan of 1.78 million figure
rows) and a filter on a foreign key lists every row it points to (every plan of 3,673 units):
slow pages of several hundred KB (issue #21)."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from . import clock

YEARS_OFFERED = 6
MONTH = re.compile(r"^(\d{4})(?:-(\d{2}))?$")


def period_filter(field: str = "period", title=None):
    """A month field filtered by year, then by month of the chosen year: the choices are
    computed from today (the last YEARS_OFFERED years and the next), not read from the table."""

    class PeriodListFilter(admin.SimpleListFilter):
        parameter_name = field

        def __init__(self, request, params, model, model_admin):
            self.title = title or _("period")
            super().__init__(request, params, model, model_admin)

        def _parsed(self):
            match = MONTH.match(self.value() or "")
            if not match:
                return None, None
            year, month = int(match[1]), int(match[2]) if match[2] else None
            if month is not None and not 1 <= month <= 12:
                return None, None
            return year, month

        def lookups(self, request, model_admin):
            year, _month = self._parsed()
            this_year = clock.today().year
            years = [(str(y), f"{y}年") for y in range(this_year + 1, this_year - YEARS_OFFERED, -1)]
            if year is None:
                return years
            months = [(f"{year}-{m:02d}", f"{year}年{m}月") for m in range(1, 13)]
            return [(str(year), f"{year}年（全年）"), *months]

        def queryset(self, request, queryset):
            year, month = self._parsed()
            if year is None:
                return queryset
            if month is None:
                return queryset.filter(**{f"{field}__gte": dt.date(year, 1, 1),
                                          f"{field}__lt": dt.date(year + 1, 1, 1)})
            return queryset.filter(**{field: dt.date(year, month, 1)})

    return PeriodListFilter


def few_of(field: str, title, choices):
    """A foreign-key filter over a few chosen rows (`choices(request, chosen_pk)` returns
    (pk, label) pairs, the chosen one among them); the rest are found with the search box."""

    class FewListFilter(admin.SimpleListFilter):
        parameter_name = f"{field}__id__exact"

        def __init__(self, request, params, model, model_admin):
            self.title = title
            super().__init__(request, params, model, model_admin)

        def _chosen(self):
            value = self.value()
            return int(value) if value and value.isdigit() else None

        def lookups(self, request, model_admin):
            return choices(request, self._chosen())

        def queryset(self, request, queryset):
            chosen = self._chosen()
            return queryset.filter(**{f"{field}_id": chosen}) if chosen else queryset

    return FewListFilter
