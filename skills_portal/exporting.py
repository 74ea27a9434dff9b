"""Exports with django-import-export resources, safe to open in a spreadsheet.

Every text cell that a spreadsheet would evaluate as a formula — beginning with =, +, -, @,
a tab or a carriage return — is prefixed with an apostrophe (OWASP's CSV-injection advice).
django-import-export's own IMPORT_EXPORT_ESCAPE_FORMULAE_ON_EXPORT only strips a leading "="
and turns every cell into text, so the resources here escape per field instead and keep
numbers as numbers."""

from __future__ import annotations

import csv
import io
from urllib.parse import quote

from django.http import HttpResponse
from import_export import resources
from openpyxl import Workbook

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


# Rows an .xlsx sheet holds under its header row.
XLSX_MAX_ROWS = 1_048_575


def write_export(resource: SafeResource, queryset, fmt: str, title: str, out,
                 progress=None) -> int:
    """Write the rows of `queryset` to the binary stream `out` as .xlsx or .csv, one row at a
    time (a background export of a million rows never holds them all); returns the number
    of rows. `progress(n)` is called every 10,000 rows."""
    headers = resource.get_export_headers()
    native = fmt == "xlsx"  # numbers stay numbers in a workbook; CSV is text anyway
    count = 0
    if native:
        book = Workbook(write_only=True)
        sheet = book.create_sheet(title[:31])  # the sheet's name
        sheet.append(headers)
    else:
        text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
        text.write("\ufeff")  # so that Excel opens the Chinese text as UTF-8
        writer = csv.writer(text)
        writer.writerow(headers)
    for obj in resource.iter_queryset(queryset):
        values = resource.export_resource(obj, force_native_type=native)
        if native:
            sheet.append(values)
        else:
            writer.writerow(["" if v is None else v for v in values])
        count += 1
        if progress is not None and count % 10_000 == 0:
            progress(count)
    if native:
        book.save(out)
    else:
        text.detach()  # leave `out` open for the caller
    return count


def export_response(resource: SafeResource, queryset, fmt: str, title: str) -> HttpResponse:
    """A small export in the response. Its rows are read in one plain query: a server-side
    cursor (the big exports' chunked read) is planned by PostgreSQL for its first rows and
    chose a slow plan for a few hundred scoped snapshots."""
    body = io.BytesIO()
    write_export(resource, list(queryset), fmt, title, body)
    return download(body.getvalue(), fmt, title)


def download(body: bytes, fmt: str, title: str) -> HttpResponse:
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = (f"attachment; filename=\"export.{fmt}\"; "
                                       f"filename*=UTF-8''{quote(f'{title}.{fmt}')}")
    return response
