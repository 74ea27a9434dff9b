"""Org-unit group memberships from a spreadsheet (#22): one membership per row — the unit, the
group and the month it joins (and, when it left, its last month). Rows are matched on
(group, unit, first month): a known one is updated, a new one created. Each goes through the
admin's validation and scope check (`scoped_save`: the unit's administrators), all or nothing."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from org.models import OrgUnit, OrgUnitGroup, OrgUnitGroupMember
from org.services import scoped_save

from .long_layout import header_rows, long_layout, long_rows
from .matching import UnitResolver, unit_aliases
from .quotas import QuotaAnalysis
from .reader import CellError, ImportRefused, Sheet, parse_month, text

COLUMNS = {  # header → field
    "单位": "org_unit", "单位名称": "org_unit", "单位代码": "unit_code", "区划代码": "unit_code",
    "分组": "group", "分组名称": "group", "分组代码": "group",
    "加入月份": "valid_from", "起始月份": "valid_from", "退出前最后月份": "valid_to",
    "截止月份": "valid_to", "退出月份": "valid_to",
}
NOT_ALLOWED = "您无权设置该单位的分组（需要该单位或上级的管理员权限）"


def _header(sheet: Sheet) -> tuple[int, dict[str, int]]:
    for index, found in header_rows(sheet, COLUMNS):
        if "group" in found and ("org_unit" in found or "unit_code" in found):
            if "valid_from" not in found:
                raise ImportRefused("缺少必需的列：加入月份")
            return index, found
    raise ImportRefused("前 15 行中找不到表头（需要“单位”或“单位代码”、“分组”、“加入月份”等列，"
                        "可选“退出前最后月份”）。")


def analyse(sheets: list[Sheet], *, user, write: bool = False) -> QuotaAnalysis:
    analysis = QuotaAnalysis()
    sheet, header_index, columns, letters = long_layout(sheets, _header, analysis)
    groups = {}
    for g in OrgUnitGroup.objects.for_user(user):
        groups[g.code] = groups[g.name] = g
    resolver = UnitResolver(OrgUnit.unscoped.only("pk", "code", "name", "short_name",
                                                  "parent_id"), unit_aliases(user))
    pending = []
    for number, cell in long_rows(sheet, header_index, columns):
        analysis.rows += 1
        group = groups.get(text(cell["group"]).replace(" ", ""))
        if group is None:
            analysis.error(sheet.name, number, letters["group"],
                           f"没有名称或代码为「{text(cell['group'])}」的分组")
            continue
        try:
            unit = resolver.resolve(cell.get("unit_code") or cell.get("org_unit"))
            since = parse_month(cell["valid_from"])
            until = parse_month(cell["valid_to"]) if text(cell.get("valid_to", "")) else None
        except CellError as exc:
            analysis.error(sheet.name, number, "", str(exc.args[-1]))
            continue
        pending.append((number, group, unit, since, until))
    if analysis.errors:
        analysis.names = resolver.choices()
        return analysis
    # The memberships the file may name again: of its groups and units (one query).
    existing = {(m.group_id, m.org_unit_id, m.valid_from): m
                for m in OrgUnitGroupMember.unscoped.filter(
                    group__in={p[1].pk for p in pending}, org_unit__in={p[2] for p in pending})}
    with transaction.atomic():
        for number, group, unit, since, until in pending:
            member = existing.get((group.pk, unit, since))
            if member is not None and member.valid_to == until:
                analysis.unchanged += 1
                continue
            is_new = member is None
            before = _months(member.valid_from, member.valid_to) if member else ""
            member = member or OrgUnitGroupMember(group=group, org_unit_id=unit, valid_from=since)
            member.valid_to = until
            try:
                scoped_save(user=user, obj=member)
            except PermissionDenied:
                analysis.error(sheet.name, number, letters.get("org_unit", letters.get("unit_code", "")),
                               NOT_ALLOWED)
                continue
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    analysis.error(sheet.name, number, letters.get(field, ""), " ".join(messages))
                continue
            change = {"value": 0, "_row": number, "_shown": _months(since, until),
                      "_label": f"{group.name} · {resolver.label(unit)}"}
            if is_new:
                analysis.create.append(change)
            else:
                analysis.update.append((member.pk, {"value": 0, "_shown": before}, change))
        if analysis.errors or not write:
            transaction.set_rollback(True)  # a preview (or a refused file) leaves nothing
    analysis.names = resolver.choices()
    return analysis


def _months(since, until) -> str:
    return f"{since:%Y-%m} 起" + (f"，至 {until:%Y-%m}" if until else "")
