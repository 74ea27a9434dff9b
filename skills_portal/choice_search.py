"""Long choice lists searched as the user types (issue #21).

At national scale a form's list of org units has 3,673 options, a claim's list of awards
115,885: pages of several MB. A `SearchSelect` renders the chosen option and the first few;
its script asks `/choices/<source>/?q=` for the rest. Each app registers its sources in its
`AppConfig.ready()` (this lowest layer knows none of them): the rows the user may choose, the
fields searched and the option's label, the same as the form's."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _

RESULTS = 30  # options a search answers
OFFERED = 20  # options a page renders before any search
QUERY_MAX = 50


@dataclass(frozen=True)
class Source:
    rows: Callable  # user -> the queryset the user may choose from, in its order
    fields: tuple[str, ...]  # searched with icontains, any of them
    label: Callable = str
    value: str = "pk"


SOURCES: dict[str, Source] = {}


def register(name: str, source: Source) -> None:
    SOURCES[name] = source


@login_required
def search(request, source):
    found = SOURCES.get(source)
    if found is None:
        raise Http404
    text = (request.GET.get("q") or "").strip()[:QUERY_MAX]
    rows = found.rows(request.user)
    if text:
        q = Q()
        for name in found.fields:
            q |= Q(**{f"{name}__icontains": text})
        rows = rows.filter(q)
    page = list(rows[:RESULTS + 1])
    return JsonResponse({
        "results": [{"value": str(getattr(obj, found.value)), "label": found.label(obj)}
                    for obj in page[:RESULTS]],
        "more": len(page) > RESULTS,
    })


class SearchSelect(forms.Select):
    """A select over a model choice field's queryset that renders only the empty option, the
    chosen option and the first OFFERED rows; `static/js/search-select.js` searches the rest.
    The field still validates a value against its whole queryset."""

    def __init__(self, source: str, attrs=None, offered: int = OFFERED):
        super().__init__(attrs)
        self.source, self.offered = source, offered

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-choices-url"] = reverse("choice_search",
                                                                 args=[self.source])
        context["widget"]["attrs"]["data-search-label"] = _("Type to search the list")
        context["widget"]["attrs"]["data-more-label"] = _("More results: type more to narrow")
        return context

    def optgroups(self, name, value, attrs=None):
        iterator = self.choices
        queryset = getattr(iterator, "queryset", None)
        if queryset is None:
            return super().optgroups(name, value, attrs)
        field = iterator.field
        chosen = {str(v) for v in value if v not in ("", None)}
        key = field.to_field_name or "pk"
        try:
            rows = list(queryset.filter(**{f"{key}__in": chosen})) if chosen else []
        except (ValueError, TypeError, ValidationError):  # a value that is no key: none chosen
            rows = []
        rows += [obj for obj in queryset[:self.offered] if obj not in rows]
        pairs = [("", field.empty_label)] if field.empty_label is not None else []
        pairs += [iterator.choice(obj) for obj in rows]
        groups = []
        for index, (option_value, label) in enumerate(pairs):
            selected = str(option_value) in chosen
            groups.append((None, [self.create_option(name, option_value, label, selected, index,
                                                     attrs=attrs)], index))
        return groups


def searchable(field, source: str) -> None:
    """Give a model choice field, its queryset already set, a SearchSelect over `source`
    (a widget set after the queryset would have no choices to render)."""
    widget = SearchSelect(source, attrs=field.widget.attrs)
    widget.is_required = field.required
    widget.choices = field.choices
    field.widget = widget
