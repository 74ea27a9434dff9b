"""Exports with django-import-export resources, safe to open in a spreadsheet.

Every text cell that a spreadsheet would evaluate as a formula — beginning with =, +, -, @,
a tab or a carriage return — is prefixed with an apostrophe (OWASP's CSV-injection advice).
django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "="
and turns every cell into text, so the resources here escape per field instead and keep
numbers as numbers."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse
from import_export import resources

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def escape_formula(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeResource(resources.ModelResource):
    """A ModelResource whose text cells cannot run as formulas."""

    def export_field(self, field, instance, **kwargs):
        return escape_formula(super().export_field(field, instance, **kwargs))


def export_response(resource: SafeResource, queryset, fmt: str, title: str) -> HttpResponse:
    # Numbers stay numbers in a workbook; CSV is text anyway.
    dataset = resource.export(queryset=queryset, force_native_type=fmt == "xlsx")
    dataset.title = title[:31]  # the sheet's name
    # CSV gets a BOM so that Excel opens the Chinese text as UTF-8.
    body = (dataset.export("xlsx") if fmt == "xlsx"
            else ("\ufeff" + dataset.export("csv")).encode("utf-8"))
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (f"attachment; filename=\"export.{fmt}\"; "
                                       f"filename*=UTF-8''{quote(f'{title}.{fmt}')}")
    return response
