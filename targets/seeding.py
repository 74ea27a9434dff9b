"""Loading the seed plans from `fixtures/` (see fixtures/README.md for the format).

Loading is an upsert on natural keys inside one transaction: org units by (parent, name),
departments by (unit, name), indicators, plans and targets by code, tasks by (plan, number).
Every row goes through `full_clean()`; a bad fixture raises `SeedError` naming the file and
the entry, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import yaml
from django.core.exceptions import ValidationError
from django.db import models, transaction

from org.choices import OrgLevel
from org.models import Department, OrgUnit, OrgUnitGroup, OrgUnitGroupMember, OrgUnitGroupSet
from org.scoping import unscoped

from .choices import IndicatorKind, IndicatorSource, WindowKind
from .models import Indicator, Plan, PlanTask, Target, ValidationRule

# Apps above targets take part in loading the seed plans through these registries, filled in
# their AppConfig.ready(): a plan file's section they own (training's `programmes:`), and a
# loader run once every plan exists (subsidies' schemes), inside the same transaction.
PLAN_SECTIONS: dict[str, Callable[[SeedLoader, Plan, list, Path], None]] = {}
AFTER_PLANS: list[Callable[[SeedLoader], None]] = []
# Loaded before the indicator catalogue, whose filters name their values (option sets, #26).
BEFORE_INDICATORS: list[Callable[[SeedLoader], None]] = []


def register_plan_section(name: str, load: Callable[[SeedLoader, Plan, list, Path], None]) -> None:
    PLAN_SECTIONS[name] = load


def register_before_indicators(load: Callable[[SeedLoader], None]) -> None:
    if load not in BEFORE_INDICATORS:
        BEFORE_INDICATORS.append(load)


def register_after_plans(load: Callable[[SeedLoader], None]) -> None:
    if load not in AFTER_PLANS:
        AFTER_PLANS.append(load)


class SeedError(Exception):
    pass


@dataclass
class LoadReport:
    counts: Counter = field(default_factory=Counter)

    def add(self, model: type[models.Model], outcome: str) -> None:
        self.counts[(model._meta.model_name, outcome)] += 1

    def total(self, outcome: str) -> int:
        return sum(n for (_, o), n in self.counts.items() if o == outcome)

    def lines(self) -> list[str]:
        models_seen = sorted({m for m, _ in self.counts})
        return [
            f"{m}: " + ", ".join(
                f"{o} {self.counts[(m, o)]}" for o in ("created", "updated", "unchanged")
                if self.counts[(m, o)]
            )
            for m in models_seen
        ]


_WAN = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*万\s*$")


def parse_value(raw) -> Decimal | None:
    """Numbers as the plans print them: 280000, 35, "0.27万" (= 2700 exactly)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise SeedError(f"not a number: {raw!r}")
    if isinstance(raw, int | float):
        return Decimal(str(raw))
    text = str(raw).strip()
    match = _WAN.match(text)
    try:
        if match:
            return Decimal(match.group(1)) * 10000
        return Decimal(text)
    except InvalidOperation as exc:
        raise SeedError(f"not a number: {raw!r}") from exc


def parse_month(raw) -> dt.date:
    if isinstance(raw, dt.date):
        return raw.replace(day=1)
    match = re.fullmatch(r"(\d{4})-(\d{1,2})", str(raw).strip())
    if not match:
        raise SeedError(f"not a month (YYYY-MM): {raw!r}")
    return dt.date(int(match.group(1)), int(match.group(2)), 1)


def parse_date(raw) -> dt.date | None:
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return dt.date.fromisoformat(str(raw))
    except ValueError as exc:
        raise SeedError(f"not a date (YYYY-MM-DD): {raw!r}") from exc


def _save(obj: models.Model, report: LoadReport, created: bool, changed: bool) -> None:
    if created or changed:
        obj.full_clean()
        obj.save()
    report.add(type(obj), "created" if created else "updated" if changed else "unchanged")


def upsert(model, report: LoadReport, lookup: dict, values: dict):
    obj = unscoped(model).filter(**lookup).first()
    created = obj is None
    if created:
        obj = model(**lookup, **values)
    changed = False
    for name, value in values.items() if not created else ():
        field = model._meta.get_field(name)
        current = getattr(obj, field.attname)
        wanted = value.pk if isinstance(value, models.Model) else value
        if current != wanted:
            setattr(obj, name, value)
            changed = True
    _save(obj, report, created, changed)
    return obj


class SeedLoader:
    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir)
        self.report = LoadReport()
        self.units: dict[str, OrgUnit] = {}

    # --- references --------------------------------------------------------------------
    def unit(self, path: str, where: str) -> OrgUnit:
        if path in self.units:
            return self.units[path]
        node, missing = OrgUnit.unscoped.at_path(path)
        if node is None:
            raise SeedError(f"{where}: unknown org unit {path!r} (at {missing!r})")
        self.units[path] = node
        return node

    def department(self, ref: str, where: str) -> Department:
        if "#" not in ref:
            raise SeedError(f"{where}: a department is written '<unit path>#<name>', got {ref!r}")
        path, name = ref.split("#", 1)
        unit = self.unit(path, where)
        dept = Department.unscoped.filter(org_unit=unit, name=name).first()
        if dept is None:
            raise SeedError(f"{where}: unknown department {name!r} at {path}")
        return dept

    # --- sections ----------------------------------------------------------------------
    def load_org_units(self, path: Path) -> None:
        for i, entry in enumerate(self._read(path), start=1):
            where = f"{path.name} entry {i} ({entry.get('name')})"
            parent = self.unit(entry["parent"], where) if entry.get("parent") else None
            try:
                level = OrgLevel[entry["level"].upper()]
            except KeyError as exc:
                raise SeedError(f"{where}: unknown level {entry.get('level')!r}") from exc
            unit = self._guard(where, upsert, OrgUnit, self.report,
                               {"parent": parent, "name": entry["name"]},
                               {"short_name": entry.get("short_name", ""),
                                "code": entry.get("code") or None,
                                "level": level, "kind": entry["kind"]})
            self.units[(entry["parent"] + "/" if entry.get("parent") else "") + entry["name"]] = unit

    def load_org_unit_groups(self, path: Path) -> None:
        """Group types, groups and their members (#22); a membership is matched on its group,
        unit and first month."""
        if not path.exists():
            return
        for kind in self._read(path):
            where = f"{path.name} {kind.get('code')}"
            group_set = self._guard(where, upsert, OrgUnitGroupSet, self.report,
                                    {"code": kind["code"]},
                                    {"name": kind["name"],
                                     "description": kind.get("description", "")})
            for entry in kind.get("groups", []):
                where = f"{path.name} {entry.get('code')}"
                group = self._guard(where, upsert, OrgUnitGroup, self.report,
                                    {"code": entry["code"]},
                                    {"name": entry["name"], "group_set": group_set,
                                     "description": entry.get("description", "")})
                for member in entry.get("members", []):
                    since = parse_month(member["from"])
                    until = parse_month(member["to"]) if member.get("to") else None
                    self._guard(where, upsert, OrgUnitGroupMember, self.report,
                                {"group": group, "org_unit": self.unit(member["unit"], where),
                                 "valid_from": since}, {"valid_to": until})

    def load_indicators(self, path: Path) -> None:
        entries = self._read(path)
        # Components before the ratios built from them.
        for entry in sorted(entries, key=lambda e: e.get("kind") == "ratio"):
            where = f"{path.name} {entry.get('code')}"
            kind = entry["kind"]
            if kind == IndicatorKind.RATIO:
                source = IndicatorSource.RATIO
            elif entry.get("measure"):
                source = IndicatorSource.MEASURE
            else:
                source = entry.get("source", IndicatorSource.MANUAL)
            values = {
                "name": entry["name"], "unit": entry["unit"], "kind": kind, "source": source,
                "measure": entry.get("measure", ""), "filters": entry.get("filters") or {},
                "description": entry.get("description", ""),
                # An administrator's own headings stay beside the fixture's.
                "synonyms": list(dict.fromkeys([*entry.get("synonyms", []), *(
                    Indicator.unscoped.filter(code=entry["code"])
                    .values_list("synonyms", flat=True).first() or [])])),
                "numerator": self._indicator(entry.get("numerator"), where),
                "denominator": self._indicator(entry.get("denominator"), where),
            }
            self._guard(where, upsert, Indicator, self.report, {"code": entry["code"]}, values)

    def _indicator(self, code, where) -> Indicator | None:
        if not code:
            return None
        found = Indicator.unscoped.filter(code=code).first()
        if found is None:
            raise SeedError(f"{where}: unknown indicator {code!r}")
        return found

    def _plan_values(self, entry: dict, where: str) -> dict:
        period = entry.get("period") or [None, None]
        return {
            "title": entry["title"],
            "short_name": entry["short_name"],
            "doc_number": entry.get("doc_number") or "",
            "issuer": entry["issuer"],
            "issuer_unit": self.unit(entry["issuer_unit"], where),
            "issue_date": parse_date(entry.get("issue_date")),
            "period_start": parse_month(period[0]) if period[0] else None,
            "period_end": parse_month(period[1]) if period[1] else None,
            "source_document": entry.get("source", ""),
            "summary": entry.get("summary", ""),
        }

    def load_reference_plans(self, path: Path) -> None:
        entries = self._read(path)["reference_plans"]
        for entry in entries:
            where = f"{path.name} {entry['code']}"
            values = self._plan_values(entry, where) | {"is_reference": True}
            self._guard(where, upsert, Plan, self.report, {"code": entry["code"]}, values)
        for entry in entries:
            self._link_parent_plan(entry, f"{path.name} {entry['code']}")

    def _link_parent_plan(self, entry: dict, where: str) -> None:
        plan = Plan.unscoped.get(code=entry["code"])
        parent = None
        if entry.get("parent"):
            parent = Plan.unscoped.filter(code=entry["parent"]).first()
            if parent is None:
                raise SeedError(f"{where}: unknown parent plan {entry['parent']!r}")
        if plan.parent_id != (parent.pk if parent else None):
            plan.parent = parent
            self._guard(where, plan.full_clean)
            plan.save(update_fields=["parent", "updated_at"])

    def load_plan(self, path: Path) -> Plan:
        data = self._read(path)
        entry = data["plan"]
        where = f"{path.name} plan"
        # A plan that was loaded before is "unchanged" only if its parent link is too: the
        # parent is set in a second step, so compare it here rather than count an update twice.
        plan = self._guard(where, upsert, Plan, self.report, {"code": entry["code"]},
                           self._plan_values(entry, where) | {"is_reference": False})
        self._link_parent_plan(entry, where)

        for i, dept in enumerate(data.get("departments") or [], start=1):
            w = f"{path.name} department {i} ({dept.get('name')})"
            self._guard(w, upsert, Department, self.report,
                        {"org_unit": self.unit(dept["unit"], w), "name": dept["name"]},
                        {"sector": dept["sector"], "short_name": dept.get("short_name", "")})

        tasks = {}
        for position, task in enumerate(data.get("tasks") or [], start=1):
            number = str(task["number"])
            w = f"{path.name} task {number}"
            obj = self._guard(w, upsert, PlanTask, self.report, {"plan": plan, "number": number}, {
                "position": position,
                "section": task.get("section") or "",
                "title": task["title"],
                "summary": task.get("summary") or "",
                "responsible_note": task.get("responsible_note") or "",
            })
            for relation, key in (("lead_departments", "lead"),
                                  ("responsible_departments", "responsible")):
                wanted = {self.department(ref, w).pk for ref in task.get(key) or []}
                manager = getattr(obj, relation)
                if set(manager.values_list("pk", flat=True)) != wanted:
                    manager.set(wanted)
            tasks[number] = obj

        self._load_targets(path, plan, tasks, data.get("targets") or [])

        for section, load in PLAN_SECTIONS.items():
            if data.get(section):
                load(self, plan, data[section], path)
        unknown = set(data) - {"plan", "departments", "tasks", "targets", *PLAN_SECTIONS}
        if unknown:
            raise SeedError(f"{path.name}: unknown section(s) {', '.join(sorted(unknown))} "
                            f"(known: plan, departments, tasks, targets, {', '.join(PLAN_SECTIONS)})")
        return plan

    def load_validation_rules(self, path: Path) -> None:
        for entry in self._read(path) or []:
            where = f"{path.name} {entry.get('code')}"
            self._guard(where, upsert, ValidationRule, self.report, {"code": entry["code"]}, {
                "name": entry["name"],
                "left": self._indicator(entry["left"], where),
                "operator": entry["operator"],
                "right": self._indicator(entry.get("right"), where),
                "right_constant": parse_value(entry.get("right_constant")),
                "importance": entry["importance"],
                "message": entry["message"],
            })

    def _load_targets(self, path: Path, plan: Plan, tasks: dict, entries: list) -> None:
        expanded = []  # (code, parent_code, entry, period_start, period_end)
        by_code = {e["code"]: e for e in entries}
        for entry in entries:
            if entry.get("years"):
                if entry.get("window") != WindowKind.ANNUAL:
                    raise SeedError(f"{path.name} target {entry['code']}: years go with "
                                    "window: annual")
                parent = by_code.get(entry.get("parent")) if entry.get("parent") else None
                for year in entry["years"]:
                    parent_code = None
                    if entry.get("parent"):
                        parent_code = (f"{entry['parent']}-{year}"
                                       if parent and parent.get("years") else entry["parent"])
                    expanded.append((f"{entry['code']}-{year}", parent_code, entry,
                                     dt.date(year, 1, 1), dt.date(year, 12, 1)))
            else:
                period = entry.get("period")
                if not period:
                    raise SeedError(f"{path.name} target {entry['code']}: needs years or period")
                expanded.append((entry["code"], entry.get("parent"), entry,
                                 parse_month(period[0]), parse_month(period[1])))

        codes = Counter(code for code, *_ in expanded)
        duplicates = [c for c, n in codes.items() if n > 1]
        if duplicates:
            raise SeedError(f"{path.name}: duplicate target codes {duplicates}")

        saved: dict[str, Target] = {}
        pending = list(expanded)
        while pending:
            progressed = False
            for item in list(pending):
                code, parent_code, entry, start, end = item
                if parent_code and parent_code not in saved:
                    if parent_code not in codes:
                        raise SeedError(f"{path.name} target {code}: unknown parent "
                                        f"{parent_code!r}")
                    continue
                saved[code] = self._save_target(path, plan, tasks, code, entry, start, end,
                                                saved.get(parent_code))
                pending.remove(item)
                progressed = True
            if not progressed:
                raise SeedError(f"{path.name}: targets' parents form a cycle")

    def _save_target(self, path, plan, tasks, code, entry, start, end, parent) -> Target:
        where = f"{path.name} target {code}"
        task_number = entry.get("task")
        task = None
        if task_number is not None:
            task = tasks.get(str(task_number))
            if task is None:
                raise SeedError(f"{where}: unknown task {task_number!r}")
        try:
            value = parse_value(entry.get("value"))
            value_max = parse_value(entry.get("value_max"))
            baseline = parse_value(entry.get("baseline"))
        except SeedError as exc:
            raise SeedError(f"{where}: {exc}") from exc
        values = {
            "indicator": self._indicator(entry["indicator"], where),
            "org_unit": self.unit(entry["unit"], where),
            "department": self.department(entry["department"], where)
            if entry.get("department") else None,
            "task": task,
            "window": entry["window"],
            "period_start": start,
            "period_end": end,
            "value": value,
            "value_max": value_max,
            "comparator": entry.get("comparator") or "gte",
            "is_soft": bool(entry.get("soft")),
            "slices_exhaustive": bool(entry.get("slices_exhaustive")),
            "is_increment": bool(entry.get("increment")),
            "baseline": baseline,
            "parent": parent,
            "axis": entry.get("axis") or "",
            "quote": (entry.get("quote") or "").strip(),
            "note": (entry.get("note") or "").strip(),
        }
        return self._guard(where, upsert, Target, self.report, {"plan": plan, "code": code}, values)

    # --- plumbing ----------------------------------------------------------------------
    @staticmethod
    def _read(path: Path):
        try:
            with path.open(encoding="utf-8") as fh:
                return yaml.safe_load(fh)
        except (OSError, yaml.YAMLError) as exc:
            raise SeedError(f"{path}: {exc}") from exc

    @staticmethod
    def _guard(where: str, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            detail = "; ".join(
                f"{k}: {' '.join(v)}" for k, v in getattr(exc, "message_dict", {}).items()
            ) or "; ".join(exc.messages)
            raise SeedError(f"{where}: {detail}") from exc
        except KeyError as exc:
            raise SeedError(f"{where}: missing field {exc}") from exc


def load_seed_plans(fixtures_dir: Path) -> LoadReport:
    """Load (or refresh) the org-unit tree, indicator catalogue and every plan fixture."""
    loader = SeedLoader(fixtures_dir)
    plans_dir = loader.dir / "plans"
    with transaction.atomic():
        loader.load_org_units(loader.dir / "org_units.yaml")
        loader.load_org_unit_groups(loader.dir / "org_unit_groups.yaml")
        for load in BEFORE_INDICATORS:
            load(loader)
        loader.load_indicators(loader.dir / "indicators.yaml")
        loader.load_validation_rules(loader.dir / "validation_rules.yaml")
        loader.load_reference_plans(plans_dir / "_reference.yaml")
        for path in sorted(plans_dir.glob("[0-9]*.yaml")):
            loader.load_plan(path)
        # What apps above targets load once the plans exist (subsidies: fixtures/schemes/).
        for load in AFTER_PLANS:
            load(loader)
    return loader.report
