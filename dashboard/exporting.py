"""A bulletin as an .xlsx workbook (openpyxl): one sheet laid out like the printed bulletin.
Numbers stay numbers; text a spreadsheet would run as a formula is escaped."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from skills_portal.exporting import escape_formula
from targets.choices import shortfall, still_needed

HEADER_FILL = PatternFill("solid", fgColor="EEF2F7")
BOLD = Font(bold=True)
PERCENT = "0.0%"
NUMBER = "#,##0.##"



def row_headers() -> list[str]:
    return [_("Unit"), _("Indicator"), _("Measured in"), _("Target period"), _("Target"),
            _("Actual"), _("Completion rate"), _("Time progress"), _("Short of time progress"),
            _("Status"), _("Rank"), _("Source of the target")]


def warning_headers() -> list[str]:
    return [_("Unit"), _("Indicator"), _("Measured in"), _("Target period"), _("Target"),
            _("Actual"), _("Completion rate"), _("Projected completion at the window's end"),
            _("Projection method"), _("Monthly pace still needed"), _("Monthly pace so far"),
            _("Early warning")]


def _warning_values(row: dict) -> list:
    unit = row["indicator"]["unit"]
    return [row["unit"]["name"], row["indicator"]["name"], unit, row["window"], row["target"],
            row["actual"], row["completion_rate"], row.get("projected_completion"),
            row.get("projection_method_label", ""),
            still_needed(row.get("required_pace"), unit), row.get("pace_so_far"),
            row.get("warning_label", "")]


def bulletin_title(bulletin) -> str:
    return _("%(plan)s progress bulletin, %(month)s") % {
        "plan": bulletin.content["plan"]["short_name"],
        "month": f"{bulletin.period.year}年{bulletin.period.month}月"}


def _values(row: dict, first: str) -> list:
    gap = row.get("gap_to_time")
    rank = f"{row['rank']}/{row['rank_of']}" if row.get("rank") else ""
    return [first, row["indicator"]["name"], row["indicator"]["unit"], row["window"],
            row["target"], row["actual"], row["completion_rate"], row["time_progress"],
            shortfall(gap, row["indicator"]["unit"]),
            f"{row['status_icon']} {row['status_label']}" + (_(" (strive for)") if row["is_soft"]
                                                              else ""),
            # Which target governs the row (本方案分解 or the unit's own plan); bulletins
            # issued before #16 name none.
            rank, row.get("source_label", "")]


def bulletin_workbook(bulletin) -> bytes:
    c = bulletin.content
    wb = Workbook()
    ws = wb.active
    ws.title = f"{c['month']}通报"[:31]
    state = {"row": 1}

    def put(values, *, bold=False, fill=None):
        r = state["row"]
        for col, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=col, value=escape_formula(value))
            if bold:
                cell.font = BOLD
            if fill is not None:
                cell.fill = fill
            if col in (7, 8) and isinstance(value, (int, float)):
                cell.number_format = PERCENT
            elif isinstance(value, (int, float)):
                cell.number_format = NUMBER
        state["row"] += 1

    def table(title, rows, first):
        put([title], bold=True)
        if not rows:
            put([_("(none)")])
        else:
            put(row_headers(), bold=True, fill=HEADER_FILL)
            for row in rows:
                put(_values(row, first(row)))
        state["row"] += 1

    put([bulletin_title(bulletin)], bold=True)
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    put([_("%(unit)s · %(doc)s · version %(v)s · issued %(at)s") % {
        "unit": c["unit"]["name"], "doc": c["plan"].get("doc_number") or "",
        "v": bulletin.version, "at": f"{timezone.localtime(bulletin.issued_at):%Y-%m-%d %H:%M}"}])
    put([_("Completion rate = actual ÷ target; time progress = share of the target period "
           "elapsed; short of time progress = target × time progress − actual.")])
    state["row"] += 1
    table(_("1. Overall progress"), c["headline"], lambda r: c["unit"]["name"])
    for i, series in enumerate(c["series"], start=1):
        table(_("2.%(i)s Ranking of units below: %(indicator)s (%(window)s)") % {
            "i": i, "indicator": series["indicator"]["name"], "window": series["window"]},
            series["rows"], lambda r: r["unit"]["name"])
    table(_("3. Units behind time progress"), c["laggards"], lambda r: r["unit"]["name"])
    table(_("4. Department quotas"), c["departments"],
          lambda r: (r["department"] or {}).get("name", ""))
    put([_("5. Early warnings")], bold=True)
    if "warnings" not in c:  # issued before early warnings were computed
        put([_("This bulletin was issued before early warnings were computed.")])
    elif not c["warnings"]:
        put([_("No target is projected to fall short.")])
    else:
        put(warning_headers(), bold=True, fill=HEADER_FILL)
        for row in c["warnings"]:
            put(_warning_values(row))
    widths = [22, 26, 9, 22, 12, 12, 9, 9, 12, 14, 8, 28]
    for col, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    for row in ws.iter_rows(min_row=1, max_row=3):
        for cell in row:
            cell.alignment = Alignment(wrap_text=False)
    ws.freeze_panes = "A5"
    ws.print_options.gridLines = True
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
