"""The audit trail pages: the list (scoped, filtered), one entry, one record's history and one
unit's entries. Read-only: there is no form to change anything."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import render

from org.filters import SubtreeFilter
from org.models import OrgUnit

from . import selectors
from .filters import AuditEntryFilter
from .models import AuditEntry

PAGE_SIZE = 50


def _list_page(request, base, extra: dict):
    filterset = AuditEntryFilter(request.GET or None, queryset=base, request=request)
    queryset = filterset.qs if filterset.is_bound and filterset.is_valid() else base
    if filterset.is_bound and not filterset.is_valid():
        queryset = base.none()
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = selectors.with_names(list(page.object_list), request.user)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/entry_list.html", {
        "filter": filterset, "page": page, "total": page.paginator.count,
        "querystring": query.urlencode(), **extra,
    }, status=200 if not filterset.is_bound or filterset.is_valid() else 400)


@login_required
def entry_list(request):
    return _list_page(request, selectors.entries(request.user), {})


@login_required
def unit_entries(request, unit_id: int):
    unit = OrgUnit.objects.for_user(request.user).filter(pk=unit_id).first()
    if unit is None:
        raise Http404

    base = SubtreeFilter().filter(selectors.entries(request.user), unit)
    return _list_page(request, base, {"unit": unit})


@login_required
def entry_detail(request, pk: int):
    try:
        entry = selectors.entry(request.user, pk)
    except AuditEntry.DoesNotExist as exc:
        raise Http404 from exc
    selectors.with_names([entry], request.user)
    return render(request, "audit/entry_detail.html", {"entry": entry})


@login_required
def record_history(request, model_label: str, object_id: str):
    history = selectors.with_names(
        list(selectors.record_history(request.user, model_label, object_id)), request.user)
    if not history:
        raise Http404
    return render(request, "audit/record_history.html", {
        "history": history, "latest": history[-1], "model_label": model_label,
        "object_id": object_id,
    })
