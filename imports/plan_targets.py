"""Setting up a plan's targets from a spreadsheet in a simple long layout — one target per row,
with the headers of the target export, so an exported list can be corrected and uploaded
again. Rows are matched on (plan code, target code): new codes create targets, known codes
update them. Each target goes through the same validation and scope check as the admin
(`scoped_save`): only administrators of the issuing unit or above, all or nothing."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from org.models import Department, OrgUnit
from org.services import scoped_save
from progress.services import mark_for_rollup
from targets.models import Indicator, Plan, Target
from targets.resources import WINDOW_WORDS

from .headings import IndicatorHeadings
from .long_layout import header_rows, long_layout, long_rows
from .matching import DepartmentResolver, UnitResolver, department_aliases, unit_aliases
from .quotas import QuotaAnalysis
from .reader import CellError, ImportRefused, Sheet, parse_month, parse_number, text

COLUMNS = {  # header → field
    "方案代码": "plan", "目标代码": "code", "指标": "indicator", "指标代码": "indicator",
    "单位": "org_unit", "单位代码": "unit_code", "部门": "department", "起始月份": "period_start",
    "截止月份": "period_end", "目标值": "value", "比较": "comparator", "力争目标": "is_soft",
    "上级目标代码": "parent", "分解方式": "axis", "原文": "quote", "窗口": "window",
    "备注": "note", "落实上级目标": "implements", "落实上级方案目标": "implements",
}
NOT_ALLOWED = "您无权设置该目标（需要发文单位或上级的管理员权限）"
REQUIRED = ("plan", "code", "indicator", "org_unit", "period_start", "period_end", "value")
COMPARATORS = {"≥": "gte", ">=": "gte", "gte": "gte", "不少于": "gte", "以上": "gte", "": "gte",
               ">": "gt", "gt": "gt", "≤": "lte", "<=": "lte", "lte": "lte", "不超过": "lte",
               "以下": "lte", "=": "eq", "eq": "eq"}
AXES = {"": "", "地区": "region", "region": "region", "按地区": "region", "部门": "department",
        "department": "department", "按部门": "department", "其中": "slice", "slice": "slice"}


def _header(sheet: Sheet) -> tuple[int, dict[str, int]]:
    for index, found in header_rows(sheet, COLUMNS):
        if "plan" in found and "code" in found:
            missing = [h for h, f in COLUMNS.items() if f in REQUIRED and f not in found
                       and not (f == "org_unit" and "unit_code" in found)]
            if missing:
                raise ImportRefused("缺少必需的列：" + "、".join(dict.fromkeys(missing)))
            return index, found
    raise ImportRefused("前 15 行中找不到表头（需要“方案代码”“目标代码”“指标”“单位”“起始月份”“截止月份”"
                        "“目标值”等列；可先导出目标列表作为模板）。")


def analyse(sheets: list[Sheet], *, user, write: bool = False) -> QuotaAnalysis:
    analysis = QuotaAnalysis()
    sheet, header_index, columns, letters = long_layout(sheets, _header, analysis)
    # Reference plans (the national and provincial plans the seeds cite) may be given targets
    # too, so that the chain is trackable (#16).
    plans = {p.code: p for p in Plan.unscoped.all()}
    indicators = IndicatorHeadings(Indicator.unscoped.all())
    units = list(OrgUnit.unscoped.only("pk", "code", "name", "short_name", "parent_id"))
    resolver = UnitResolver(units, unit_aliases(user))
    departments = DepartmentResolver(Department.unscoped.only("pk", "name", "org_unit_id"),
                                     {u.pk: u.name for u in units}, department_aliases(user))
    existing = {(t.plan_id, t.code): t for t in Target.unscoped.filter(plan__in=plans.values())}
    # Rows that change nothing are not saved, but may only be uploaded by who could change them.
    changeable = set(Target.objects.for_user(user, "change").filter(plan__in=plans.values())
                     .values_list("pk", flat=True))
    # row, target (fields set from the row), parent code, implemented target ("plan/code"),
    # stored value before, changed
    pending: list[tuple[int, Target, str | None, str | None, Decimal | None, bool]] = []
    seen: dict[tuple, int] = {}
    for number, cell in long_rows(sheet, header_index, columns):
        analysis.rows += 1
        try:
            target, parent_code, before, changed = _target(cell, plans, indicators, resolver,
                                                           departments, existing)
            above_ref = _implements_ref(cell)
        except CellError as exc:
            field, message = exc.args if len(exc.args) == 2 else ("", exc.args[0])
            analysis.error(sheet.name, number, letters.get(field, ""), message)
            continue
        key = (target.plan_id, target.code)
        if key in seen:
            analysis.error(sheet.name, number, letters["code"], f"目标代码与第 {seen[key]} 行重复")
            continue
        seen[key] = number
        pending.append((number, target, parent_code, above_ref, before, changed))
    if analysis.errors:
        analysis.names = resolver.choices() + departments.choices()
        return analysis
    # Targets without a parent first, so that a parent set up in the same file exists before
    # its parts; then the parts in the file's order.
    pending.sort(key=lambda item: (item[2] is not None, item[0]))
    above = _targets_named([ref for *_, ref, _b, _c in pending if ref], plans)
    with transaction.atomic():
        for number, target, parent_code, above_ref, before, changed in pending:
            parent = existing.get((target.plan_id, parent_code)) if parent_code else None
            if parent_code and parent is None:
                analysis.error(sheet.name, number, letters.get("parent", ""),
                               f"上级目标代码「{parent_code}」在该方案中不存在（或在文件中排在其下级之后）")
                continue
            implements = None
            if above_ref:
                implements = _resolve_above(above_ref, above, existing, plans)
                if isinstance(implements, str):
                    analysis.error(sheet.name, number, letters.get("implements", ""), implements)
                    continue
            changed = (changed or target.parent_id != (parent.pk if parent else None)
                       or target.implements_id != (implements.pk if implements else None))
            target.parent = parent
            target.implements = implements
            is_new = target.pk is None
            if not is_new and not changed:
                if target.pk in changeable:
                    analysis.unchanged += 1
                else:
                    analysis.error(sheet.name, number, letters["code"], NOT_ALLOWED)
                continue
            try:
                scoped_save(user=user, obj=target)
            except PermissionDenied:
                analysis.error(sheet.name, number, letters["code"], NOT_ALLOWED)
                continue
            except ValidationError as exc:
                # Each refusal under the column it is about (the model's own Chinese message).
                for field, messages in exc.message_dict.items():
                    analysis.error(sheet.name, number, letters.get(field, ""),
                                   " ".join(messages))
                continue
            existing[(target.plan_id, target.code)] = target
            change = {"value": target.value or Decimal(0), "_row": number,
                      "_label": f"{target.plan.code} · {target.code}"}
            if is_new:
                analysis.create.append(change)
            else:
                analysis.update.append((target.pk, {"value": before or Decimal(0)}, change))
            analysis.pairs.add((target.org_unit_id, target.period_start))
        if analysis.errors or not write:
            transaction.set_rollback(True)  # a preview (or a refused file) leaves nothing
        elif analysis.pairs:
            mark_for_rollup(pairs=analysis.pairs)
    analysis.names = resolver.choices() + departments.choices()
    return analysis


def _target(cell, plans, indicators, resolver, departments, existing):
    plan = plans.get(text(cell["plan"]))
    if plan is None:
        raise CellError("plan", f"没有代码为「{text(cell['plan'])}」的方案")
    code = text(cell["code"]).replace(" ", "")
    if not code:
        raise CellError("code", "目标代码为空")
    indicator = indicators.match(cell["indicator"])
    if indicator is None:
        raise CellError("indicator", f"没有代码或名称为「{text(cell['indicator'])}」的指标")
    try:
        unit_text = cell.get("unit_code") or cell.get("org_unit")
        unit = resolver.resolve(unit_text)
        department = departments.resolve(unit, cell.get("department", ""))
        start, end = parse_month(cell["period_start"]), parse_month(cell["period_end"])
        value = parse_number(cell["value"])
    except CellError as exc:
        raise CellError("", str(exc)) from None
    comparator = COMPARATORS.get(text(cell.get("comparator", "")))
    axis = AXES.get(text(cell.get("axis", "")))
    if comparator is None:
        raise CellError("comparator", f"比较方式「{text(cell['comparator'])}」应为 ≥、≤、> 或 =")
    if axis is None:
        raise CellError("axis", f"分解方式「{text(cell['axis'])}」应为 地区、部门 或 其中")

    words = {word: code for code, word in WINDOW_WORDS.items()} | {c: c for c in WINDOW_WORDS}
    window = words.get(text(cell.get("window", "")))
    if window is None and text(cell.get("window", "")):
        raise CellError("window", f"窗口「{text(cell['window'])}」应为 年度、累计 或 期末水平")
    if window is None:  # a calendar year is annual; longer spans accumulate flows, stocks reach a level
        window = ("annual" if start.year == end.year and (start.month, end.month) == (1, 12)
                  else "cumulative" if indicator.kind == "flow" else "level")
    stored = existing.get((plan.pk, code))
    target = stored or Target(plan=plan, code=code)
    values = {"indicator_id": indicator.pk, "org_unit_id": unit, "department_id": department,
              "period_start": start, "period_end": end, "value": value, "comparator": comparator,
              "is_soft": text(cell.get("is_soft", "")) in ("是", "力争", "true", "1"),
              "axis": axis, "quote": text(cell.get("quote", "")) or target.quote,
              "window": window, "note": text(cell.get("note", "")) or target.note}
    before = stored.value if stored else None
    changed = stored is None or any(getattr(stored, f) != v for f, v in values.items())
    for name, value_ in values.items():
        setattr(target, name, value_)
    parent_code = text(cell.get("parent", "")).replace(" ", "") or None
    return target, parent_code, before, changed


def _implements_ref(cell) -> str | None:
    """The 落实上级目标 cell: "方案代码/目标代码" (full- or half-width slash), or empty."""
    ref = text(cell.get("implements", "")).replace(" ", "").replace("／", "/")
    return ref or None


def _split_ref(ref: str) -> tuple[str, str] | None:
    plan_code, slash, code = ref.partition("/")
    return (plan_code, code) if slash and plan_code and code else None


def _targets_named(refs: list[str], plans: dict) -> dict[tuple[str, str], Target]:
    """The targets the file names as implemented, by (plan code, target code): one query."""
    keys = [k for k in (_split_ref(r) for r in refs) if k]
    if not keys:
        return {}
    found = Target.unscoped.filter(plan__code__in={p for p, _ in keys},
                                   code__in={c for _, c in keys}).select_related("plan")
    return {(t.plan.code, t.code): t for t in found}


def _resolve_above(ref: str, above: dict, existing: dict, plans: dict) -> Target | str:
    """The target named by `ref`, or the Chinese message saying why it cannot be found."""
    key = _split_ref(ref)
    if key is None:
        return f"落实上级目标「{ref}」应写作“方案代码/目标代码”，例如 yunnan-2021/training"
    plan = plans.get(key[0])
    if plan is None:
        return f"落实上级目标「{ref}」中没有代码为「{key[0]}」的方案"
    target = above.get(key) or existing.get((plan.pk, key[1]))
    if target is None:
        return (f"落实上级目标「{ref}」：方案「{plan.short_name}」中没有代码为「{key[1]}」的目标"
                "（或在文件中排在本行之后）")
    return target

