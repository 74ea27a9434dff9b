"""Importing a quota (decomposition) table in the wide layout officials write: a title, a header
row with regions or departments down and indicators across, unit notes such as (万人), a
合计 / 全市总计 row, notes under the table — Wenzhou's annexes as they stand.

Each value column becomes child targets under the plan's target for that indicator at the
issuing unit (axis `region` for units, `department` for departments). The totals row is
checked against the column sum; 万 converts exactly (0.27 万 = 2,700); the same table twice
changes nothing (children are matched on parent and unit or department).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from openpyxl.utils import get_column_letter

from org.models import Department, OrgUnit
from org.services import scoped_save
from progress.services import mark_for_rollup
from targets.models import Indicator, Target

from .figures import unreadable_cells
from .headings import IndicatorHeadings
from .matching import DepartmentResolver, UnitResolver, department_aliases, unit_aliases
from .reader import (
    UNIT_WORDS,
    CellError,
    ImportForbidden,
    ImportRefused,
    Sheet,
    header_key,
    note_scale,
    parse_number,
    text,
    unit_note,
)
from .rows import NOTE_PREFIXES, TOTAL_WORDS, Issue

# Region and department headings as offices write them (matched after header_key: full-width
# forms folded, so 县（市、区） reads as 县(市、区)).
NAME_HEADERS = {**dict.fromkeys(
    ("地区", "单位", "县(市、区)", "县(市,区)", "县(市区)", "县(区)", "县(市)区", "县市区", "县区", "区县",
     "区(县)", "市(县、区)", "市(县)", "市县", "市(州)", "市州", "地区名称", "单位名称", "地市",
     "设区市", "各地", "县(市、区)名称"), "region"),
    **dict.fromkeys(("部门", "部门单位", "部门名称", "责任部门", "责任单位", "牵头部门"), "department")}
SKIPPED_HEADERS = {"序号", "编号", "备注", "培训重点任务", "重点任务", "说明"}


@dataclass
class QuotaAnalysis:
    file_name: str = ""
    rows: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    create: list[dict] = field(default_factory=list)
    update: list[tuple[int, dict, dict]] = field(default_factory=list)
    delete: list = field(default_factory=list)
    unchanged: int = 0
    pairs: set = field(default_factory=set)
    coverage: list[dict] = field(default_factory=list)  # per parent: value, parts' sum
    names: list[dict] = field(default_factory=list)  # names not found, offered for a choice
    axis: str = "region"

    @property
    def ok(self) -> bool:
        return not self.errors

    def error(self, sheet, row, column, message) -> None:
        self.errors.append(Issue(sheet, row, column, message))

    def change_rows(self, limit: int) -> list[dict]:
        # A change shows its value, or its own words (`_shown`) where it has no number.
        shown = [{"action": "新增", "row": c["_row"], "label": c["_label"], "before": "",
                  "after": c.get("_shown") or _fmt(c["value"])} for c in self.create[:limit]]
        shown += [{"action": "修改", "row": after["_row"], "label": after["_label"],
                   "before": before.get("_shown") or _fmt(before["value"]),
                   "after": after.get("_shown") or _fmt(after["value"])}
                  for _pk, before, after in self.update[: limit - len(shown)]]
        return shown


def _header(sheet: Sheet):
    for index, row in enumerate(sheet.rows[:15]):
        keys = [header_key(c) for c in row]
        names = [(i, NAME_HEADERS[k]) for i, k in enumerate(keys) if k in NAME_HEADERS]
        if names:
            return index, names[0][0], names[0][1]
    raise ImportRefused(f"工作表「{sheet.name}」前 15 行中找不到表头：需要“地区”（或“单位”）或“部门”一列，"
                        "其右为各指标的分解数。")


def analyse(sheets: list[Sheet], *, user, plan, indicator=None, year: int | None = None,
            file_name: str = "") -> QuotaAnalysis:

    analysis = QuotaAnalysis(file_name=file_name)
    sheet = next((s for s in sheets if not s.hidden), None)
    if sheet is None:
        raise ImportRefused("工作簿中没有可见的工作表。")
    header_index, name_col, axis = _header(sheet)
    for cells, message in unreadable_cells(sheet):
        analysis.error(sheet.name, None, cells, message)
    header = sheet.rows[header_index]
    # A unit note may sit on its own row under the header: 市级培育指标数 / (万人).
    below = sheet.rows[header_index + 1] if header_index + 1 < len(sheet.rows) else []
    headings = IndicatorHeadings(Indicator.unscoped.all())
    columns: dict[int, tuple[object, Decimal, str]] = {}  # position → (indicator, scale, heading)
    unmatched = []
    for position, cell in enumerate(header):
        key = header_key(cell)
        if position == name_col or not key or key in SKIPPED_HEADERS or key in NAME_HEADERS:
            continue
        note = unit_note(cell) or (text(below[position]).replace(" ", "").strip("()（）")
                                   if position < len(below) and text(below[position]).startswith(("(", "（"))
                                   else "")
        if note not in UNIT_WORDS and note:
            analysis.error(sheet.name, header_index + 2, get_column_letter(position + 1),
                           f"不认识的计量单位“{note}”（可用：人、人次、万人、万人次、个、场、家、元 等）")
            continue
        scale = note_scale(note)
        found = headings.candidates(cell)
        if len(found) > 1:
            analysis.error(sheet.name, header_index + 1, get_column_letter(position + 1),
                           f"表头“{text(cell)}”同时是指标{'、'.join(i.name for i in found)}的别称，"
                           "请改用指标名称，或请管理员修改指标的别称")
            continue
        found = found[0] if found else None
        if found is None:
            unmatched.append((position, scale, text(cell)))
            continue
        columns[position] = (found, scale, text(cell))
    if indicator is not None:
        numeric = [u for u in unmatched if _has_numbers(sheet, header_index, u[0])]
        if len(numeric) == 1:
            position, scale, heading = numeric[0]
            columns[position] = (indicator, scale, heading)
            unmatched.remove(numeric[0])
    for position, _scale, heading in unmatched:
        if _has_numbers(sheet, header_index, position):
            analysis.error(sheet.name, header_index + 1, get_column_letter(position + 1),
                           f"无法确定“{heading}”对应的指标：请在上传页面选择指标，或把表头改为指标名称")
    if not columns and not analysis.errors:
        analysis.error(sheet.name, header_index + 1, "", "没有找到任何指标列")
    if analysis.errors:
        return analysis

    issuer = plan.issuer_unit
    parents = {}
    for position, (ind, _scale, _heading) in columns.items():
        if axis == "department" and not ind.has_department_figures():
            analysis.error(sheet.name, header_index + 1, get_column_letter(position + 1),
                           f"“{ind.name}”的数据不记录部门（补贴申领和培训券都不记录部门），"
                           "不能按部门分解，请按地区分解")
            continue
        candidates = Target.unscoped.filter(plan=plan, indicator=ind, org_unit=issuer,
                                           department=None, parent=None)
        if year:
            candidates = candidates.filter(period_start__year__lte=year, period_end__year__gte=year)
        found = list(candidates)
        if len(found) != 1:
            analysis.error(sheet.name, header_index + 1, get_column_letter(position + 1),
                           f"方案“{plan.short_name or plan.title}”在{issuer.name}没有“{ind.name}”的目标"
                           if not found else
                           f"方案中“{ind.name}”有多个年度的目标，请在上传页面选择年份")
            continue
        parents[position] = found[0]
    if analysis.errors:
        return analysis
    if not Target.objects.for_user(user, "change").filter(
            pk__in=[p.pk for p in parents.values()]).count() == len(set(parents.values())):
        raise ImportForbidden("您无权分解这个方案的目标（需要发文单位或上级的管理员权限）。")

    units = list(OrgUnit.unscoped.filter(ancestor_links__ancestor=issuer)
                 .exclude(pk=issuer.pk).only("pk", "code", "name", "short_name", "parent_id"))
    resolver = UnitResolver([issuer, *units], unit_aliases(user))
    issuer_departments = list(Department.unscoped.filter(org_unit=issuer))
    departments = DepartmentResolver(issuer_departments, {issuer.pk: issuer.name},
                                     department_aliases(user))
    # The preview names each row as the tree (or the department list) names it, the name
    # as written beside it where an alias or a short form was matched.
    known = ({u.pk: u.name for u in [issuer, *units]} if axis == "region"
             else {d.pk: d.name for d in issuer_departments})
    existing = {}
    for child in Target.unscoped.filter(parent__in=list(parents.values())):
        existing[(child.parent_id, child.org_unit_id if axis == "region" else child.department_id)] = child
    sums = {position: Decimal(0) for position in parents}
    unnamed = 0  # rows whose unit or department was not found
    totals = {}
    seen = {}
    for index in range(header_index + 1, len(sheet.rows)):
        row = sheet.rows[index] + [""] * (len(header) - len(sheet.rows[index]))
        number = index + 1
        name = text(row[name_col])
        first = text(next((c for c in row if c not in ("", None)), ""))
        if first.startswith(NOTE_PREFIXES):
            break
        # The totals row's label may sit in the 序号 column, merged across or not.
        is_total = name.replace(" ", "") in TOTAL_WORDS or first.replace(" ", "") in TOTAL_WORDS
        if not name and not is_total:
            continue
        try:
            target_key = (None if is_total else resolver.resolve(name) if axis == "region"
                          else departments.resolve(issuer.pk, name))
        except CellError as exc:
            analysis.error(sheet.name, number, f"{get_column_letter(name_col + 1)}", str(exc))
            unnamed += 1
            continue
        if target_key == issuer.pk and axis == "region":
            is_total = True  # the issuing unit's own row is the total
        if not is_total:
            analysis.rows += 1
            if target_key in seen:
                analysis.error(sheet.name, number, get_column_letter(name_col + 1),
                               f"与第 {seen[target_key]} 行重复")
                continue
            seen[target_key] = number
        for position, parent in parents.items():
            _ind, scale, heading = columns[position]
            letter = f"{get_column_letter(position + 1)}（{heading}）"
            try:
                value = parse_number(row[position], scale=scale)
            except CellError as exc:
                analysis.error(sheet.name, number, letter, str(exc))
                continue
            if value < 0 or value != value.to_integral_value():
                analysis.error(sheet.name, number, letter,
                               f"分解数应为非负整数（{text(row[position])} 折合 {value.normalize():f}）")
                continue
            if is_total:
                totals[position] = (number, value)
                continue
            sums[position] += value
            resolved = known.get(target_key, name)
            label = (f"{resolved}（表中：{name}）" if resolved != name else resolved) + \
                f" · {parent.indicator.name}"
            child = existing.get((parent.pk, target_key))
            if child is None:
                if value:
                    analysis.create.append({"parent": parent.pk, "key": target_key, "value": value,
                                            "_row": number, "_label": label})
            elif child.value == value:
                analysis.unchanged += 1
            else:
                analysis.update.append((child.pk, {"value": child.value},
                                        {"value": value, "_row": number, "_label": label}))
    for position, (number, total) in totals.items():
        # With a row's name unknown its numbers are not in the sums: the totals are checked
        # once every name is (a mismatch now would only repeat that error).
        if total != sums[position] and not unnamed:
            analysis.error(sheet.name, number, get_column_letter(position + 1),
                           f"合计行 {_fmt(total)} 与各行之和 {_fmt(sums[position])} 不符（相差 "
                           f"{_fmt(total - sums[position])}）")
    for position, parent in parents.items():
        analysis.coverage.append({"indicator": parent.indicator.name, "target": parent.value,
                                  "parts": sums[position]})
        if parent.value and sums[position] != parent.value:
            share = sums[position] / parent.value
            analysis.warnings.append(Issue(
                sheet.name, None, get_column_letter(position + 1),
                f"“{parent.indicator.name}”各行之和 {_fmt(sums[position])} 与上级目标 "
                f"{_fmt(parent.value)} 不等（覆盖 {share:.0%}）"))
    analysis.pairs = {(issuer.pk, p.period_start) for p in parents.values()}
    analysis.axis = axis
    analysis.names = resolver.choices() + departments.choices()
    return analysis


def _fmt(value: Decimal) -> str:
    """12000.0 → 12,000; 2700.5 → 2,700.5."""
    return f"{Decimal(value).normalize():,f}"


def _has_numbers(sheet: Sheet, header_index: int, position: int) -> bool:
    for row in sheet.rows[header_index + 1:]:
        if position < len(row):
            try:
                if parse_number(row[position]):
                    return True
            except CellError:
                continue
    return False


def apply(sheets: list[Sheet], *, user, plan, indicator=None, year=None,
          file_name: str = "") -> QuotaAnalysis:

    with transaction.atomic():
        analysis = analyse(sheets, user=user, plan=plan, indicator=indicator, year=year,
                           file_name=file_name)
        if not analysis.ok:
            return analysis
        parents = Target.unscoped.select_related("indicator", "org_unit", "task").in_bulk(
            {c["parent"] for c in analysis.create})
        region = analysis.axis == "region"
        keys = {c["key"] for c in analysis.create}
        shares = OrgUnit.unscoped.in_bulk(keys) if region else Department.unscoped.in_bulk(keys)
        for values in analysis.create:
            parent = parents[values["parent"]]
            unit = shares[values["key"]] if region else parent.org_unit
            department = None if region else shares[values["key"]]
            child = Target(
                plan=plan, indicator=parent.indicator, org_unit=unit, department=department,
                code=f"{parent.code}-{'u' if region else 'd'}{values['key']}",
                window=parent.window, period_start=parent.period_start,
                period_end=parent.period_end, value=values["value"], comparator=parent.comparator,
                is_soft=parent.is_soft, parent=parent, axis=analysis.axis, task=parent.task,
                quote=f"{file_name} 第 {values['_row']} 行：{values['_label']} {_fmt(values['value'])}",
                note="由指标分解表导入",
            )
            scoped_save(user=user, obj=child)
        children = Target.unscoped.in_bulk([pk for pk, _before, _after in analysis.update])
        for pk, _before, after in analysis.update:
            child = children[pk]
            child.value = after["value"]
            scoped_save(user=user, obj=child)
        mark_for_rollup(pairs=analysis.pairs)
    return analysis
