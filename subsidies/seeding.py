"""Loading the seed plans' subsidy schemes from `fixtures/schemes/*.yaml` (format in
fixtures/README.md). Run by `targets.seeding.load_seed_plans` after the plans (registered in
SubsidiesConfig.ready()), inside its transaction, with its loader: the same idempotent upsert
on natural keys (schemes by code, rates by their keys, budgets by year, multipliers by
occupation), the same `SeedError` naming the file and entry. Rows an officer added in the
admin are left alone."""

from __future__ import annotations

from pathlib import Path

from targets.models import Plan
from targets.seeding import SeedError, SeedLoader, parse_month, parse_value, upsert

from .choices import RuleKind
from .models import PriorityOccupation, Scheme, SchemeBudget, SchemeRate

RATE_KEYS = SchemeRate.KEYS


def load_schemes(loader: SeedLoader, directory: Path) -> None:
    for path in sorted(Path(directory).glob("*.yaml")):
        data = loader._read(path) or {}
        for index, entry in enumerate(data.get("schemes") or [], start=1):
            where = f"{path.name} scheme {index} ({entry.get('code')})"
            loader._guard(where, _load_scheme, loader, entry, where)


def _load_scheme(loader: SeedLoader, entry: dict, where: str) -> Scheme:
    plan = Plan.unscoped.filter(code=entry["plan"]).first()
    if plan is None:
        raise SeedError(f"{where}: unknown plan {entry['plan']!r}")
    if entry["rule"] not in RuleKind.values:
        raise SeedError(f"{where}: unknown rule {entry['rule']!r} "
                        f"(known: {', '.join(RuleKind.values)})")
    unit = loader.unit(entry["unit"], where) if entry.get("unit") else plan.issuer_unit
    values = {
        "plan": plan, "name": entry["name"], "rule_kind": entry["rule"], "org_unit": unit,
        "valid_from": parse_month(entry["valid_from"]),
        "valid_to": parse_month(entry["valid_to"]) if entry.get("valid_to") else None,
        "team_same_again": bool(entry.get("team_same_again", False)),
        "cap_per_enterprise": parse_value(entry.get("cap_per_enterprise")),
        "min_amount": parse_value(entry.get("min_amount")),
        "max_amount": parse_value(entry.get("max_amount")),
        "min_employment_months": entry.get("min_employment_months"),
        "sme_only": bool(entry.get("sme_only", False)),
        "occupations": "、".join(entry.get("occupations") or []),
        "quote": (entry.get("quote") or "").strip(),
        "note": (entry.get("note") or "").strip(),
    }
    scheme = upsert(Scheme, loader.report, {"code": entry["code"]}, values)
    for i, rate in enumerate(entry.get("rates") or [], start=1):
        unknown = set(rate) - {*RATE_KEYS, "amount"}
        if unknown:
            raise SeedError(f"{where} rate {i}: unknown keys {sorted(unknown)}")
        keys = {k: rate.get(k) or "" for k in RATE_KEYS}
        upsert(SchemeRate, loader.report, {"scheme": scheme, **keys},
               {"amount": parse_value(rate["amount"])})
    for budget in entry.get("budgets") or []:
        upsert(SchemeBudget, loader.report, {"scheme": scheme, "year": int(budget["year"])},
               {"amount": parse_value(budget["amount"])})
    for item in entry.get("priority_occupations") or []:
        upsert(PriorityOccupation, loader.report,
               {"scheme": scheme, "occupation": item["occupation"]},
               {"multiplier": parse_value(item["multiplier"])})
    return scheme


def load_scheme_fixtures(loader: SeedLoader) -> None:
    """The seed plans' schemes (fixtures/schemes/), once every plan exists: registered with
    targets.seeding in SubsidiesConfig.ready()."""
    load_schemes(loader, loader.dir / "schemes")
