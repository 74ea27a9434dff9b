"""Deterministic demo records for the domain apps (training, certificates, carriers,
competitions, awards), calibrated to the seed targets and marked `is_demo=True`.

Each seed target fed by a measure becomes an *allocation*: an amount of that measure, with the
target's dimension filters, spread over the target's leaf units and months up to the demo
month. Within one plan, unit and window, a more specific target (其中: subsidised training of
脱贫人口, a programme, high-skilled certificates) is generated first and the broader one only
for what remains, with dimension values outside the specific ones — so figures add up the way
the plan's own targets do and nothing is counted twice.

Department quotas (Wenzhou annex 2) decompose the same total as the regional shares (annex 1):
every certificate is earned in a county and under some department's line of work. So they are
not generated on top: the regional figures are divided among the departments' sectors instead,
each reported by that sector's department in the county (鹿城区应急管理局 for 市应急管理局, made
for the demo), in proportion to the quotas and each at its own pace, and a county's totals
stay as generated.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass
from functools import cached_property

from django.db import transaction

from certification.models import CertificateFigure
from competitions.models import Award, Competition
from org.models import Department, OrgUnit
from org.scoping import unscoped
from skills_portal.identity import id_number_check_char
from subsidies.models import Claim
from targets.choices import DecompositionAxis, IndicatorSource
from targets.measures import months_in, registry
from targets.models import Target
from training.models import Programme, TrainingCarrier, TrainingFigure

from .values import DemoGenerator, _months, _rng

# Within a broader target, the remainder takes these values for the dimensions its specific
# siblings filter on (so the remainder never matches them).
COMPLEMENT = {"programme": None, "level": ["五级/初级工", "四级/中级工"], "target_group": "其他",
              "training_type": "就业技能培训", "subsidised": False, "industry": "",
              "certificate_type": "专项职业能力证书"}
HIGH_LEVEL_WEIGHTS = {"三级/高级工": 0.6, "二级/技师": 0.3, "一级/高级技师": 0.1}


@dataclass
class Allocation:
    plan_id: int
    measure: str
    filters: dict
    unit_id: int
    months: list[dt.date]
    per_month: float  # flows: amount per month for the whole unit; stocks: level at the end
    stock: bool


def _covers(general: dict, specific: dict) -> bool:
    """True when every figure matching `specific` also matches `general`."""
    for key, value in general.items():
        if key not in specific:
            return False
        g = set(value) if isinstance(value, list) else {value}
        s = set(specific[key]) if isinstance(specific[key], list) else {specific[key]}
        if not s <= g:
            return False
    return general != specific


def allocations(as_of: dt.date) -> list[Allocation]:
    targets = list(
        Target.unscoped.filter(plan__is_reference=False, value__isnull=False, is_increment=False,
                              indicator__source=IndicatorSource.MEASURE)
        .exclude(axis=DecompositionAxis.DEPARTMENT)
        .select_related("indicator")
        .prefetch_related("children")
    )
    groups = defaultdict(list)
    for t in targets:
        if any(c.axis == DecompositionAxis.REGION for c in t.children.all()):
            continue  # its regional shares are generated instead
        groups[(t.plan_id, t.org_unit_id, t.period_start, t.period_end,
                t.indicator.measure)].append(t)
    result = []
    for (plan_id, unit_id, start, end, measure), group in groups.items():
        done: list[tuple[dict, float]] = []
        months = list(_months(start, min(end, as_of)))
        if not months:
            continue
        window = months_in(start, end)
        for t in sorted(group, key=lambda t: -len(t.indicator.filters)):
            filters = dict(t.indicator.filters)
            amount = float(t.value) - sum(v for f, v in done if _covers(filters, f))
            specific = [f for f, _ in done if _covers(filters, f)]
            done.append((filters, float(t.value)))
            if amount <= 0:
                continue
            for f in specific:  # the remainder stays outside the specific slices
                for key in f.keys() - filters.keys():
                    filters[key] = COMPLEMENT[key]
            stock = registry.get(measure).is_stock
            per_month = amount if stock else amount / window
            result.append(Allocation(plan_id, measure, filters, unit_id, months, per_month, stock))
    return result


def _round(value: float, rng) -> int:
    """Stochastic but deterministic rounding, so small monthly amounts still add up."""
    whole = math.floor(value)
    return whole + (1 if rng.random() < value - whole else 0)


def _divide(count: int, shares: list[tuple]) -> list[tuple]:
    """`count` split in proportion to the weights of `shares` ((what, weight) pairs), the
    parts whole numbers adding up to `count` (largest remainders)."""
    total = sum(w for _what, w in shares)
    exact = [(what, count * w / total) for what, w in shares]
    parts = [[what, math.floor(x), x - math.floor(x)] for what, x in exact]
    for part in sorted(parts, key=lambda p: -p[2])[:count - sum(p[1] for p in parts)]:
        part[1] += 1
    return [(what, n) for what, n, _rest in parts]


def _one(value):
    return value[0] if isinstance(value, list) else value


class DomainDemo:
    def __init__(self, as_of: dt.date):
        self.base = DemoGenerator(as_of)
        self.programmes = {(p.plan_id, p.name): p.pk for p in Programme.unscoped.all()}
        self.training = defaultdict(lambda: defaultdict(int))
        self.certificates = defaultdict(int)
        self.carriers, self.competitions, self.awards = [], [], []

    def run(self) -> None:
        self._run_allocations()
        self.divide_among_departments()
        self.certified_within_certificates()

    def certified_within_certificates(self) -> None:
        """People certified after training are among the month's certificates: the portal's
        own rule (certified-after-training-vs-certificates) warns otherwise. Where a unit's
        month has more of them than certificates, its training cells' certified counts are
        scaled down (rounding down) to fit."""
        certificates = defaultdict(int)
        for (unit_id, month, *_rest), count in self.certificates.items():
            certificates[(unit_id, month)] += count
        certified = defaultdict(int)
        for (unit_id, month, *_rest), cell in self.training.items():
            certified[(unit_id, month)] += cell["certified"]
        for (unit_id, month, *_rest), cell in self.training.items():
            total, limit = certified[(unit_id, month)], certificates[(unit_id, month)]
            if total > limit:
                cell["certified"] = cell["certified"] * limit // total

    def _run_allocations(self) -> None:
        for a in allocations(self.base.as_of):
            units = self.base.reporting_units(a.unit_id)
            if a.measure == "competitions.events" and _one(a.filters.get("level")) != "县级":
                units = [a.unit_id]  # municipal competitions are held by the city itself
            for unit_id in units:
                pace = 0.70 + 0.45 * _rng("pace", a.measure, unit_id).random()
                share = a.per_month * pace / len(units)
                self.writer(a.measure)(a, unit_id, share)

    def writer(self, measure: str):
        if measure.startswith("training.") and "carriers" not in measure and "pilot" not in measure:
            return self.training_figures
        return {
            "certification.certificates": self.certificate_figures,
            "training.carriers_established": self.new_carriers,
            "training.carriers_active": self.active_carriers,
            "training.pilot_enterprises_active": self.active_carriers,
            "competitions.events": self.events,
            "competitions.participants": self.participants,
            "competitions.awards": self.honours,
        }[measure]

    # --- training -----------------------------------------------------------------------
    def training_figures(self, a: Allocation, unit_id: int, share: float) -> None:
        f = a.filters
        programme = self.programmes.get((a.plan_id, f.get("programme"))) if f.get("programme") else None
        key_base = (_one(f.get("training_type", "岗位技能提升培训")),
                    _one(f.get("target_group", "企业职工")), programme,
                    bool(f.get("subsidised", False)), _one(f.get("industry", "")))
        for m in a.months:
            rng = _rng("training", a.measure, unit_id, m, key_base)
            n = _round(share * (0.6 + 0.8 * rng.random()), rng)
            if not n:
                continue
            cell = self.training[(unit_id, m, *key_base)]
            cell["trained"] += n
            cell["persons"] += n if a.measure == "training.trainees" else _round(0.85 * n, rng)
            completed = _round(0.9 * n, rng)
            cell["completed"] += completed
            cell["certified"] += _round(0.6 * completed, rng)

    def certificate_figures(self, a: Allocation, unit_id: int, share: float) -> None:
        f = a.filters
        levels = f.get("level") or ["五级/初级工", "四级/中级工"]
        levels = levels if isinstance(levels, list) else [levels]
        weights = {lv: HIGH_LEVEL_WEIGHTS.get(lv, 1.0) for lv in levels}
        total_weight = sum(weights.values())
        ctype = _one(f.get("certificate_type", "职业技能等级证书"))
        if ctype not in ("职业资格证书", "职业技能等级证书"):
            levels, weights, total_weight = ["无等级"], {"无等级": 1.0}, 1.0
        for m in a.months:
            rng = _rng("cert", unit_id, m, ctype, tuple(levels), f.get("occupation"))
            for level in levels:
                n = _round(share * weights[level] / total_weight * (0.6 + 0.8 * rng.random()), rng)
                # About 40% of certificates are in manufacturing, unless the target says.
                manufacturing = _round(n * 0.4, rng) if "industry" not in f else 0
                industry = _one(f.get("industry", ""))
                for ind, count in ((industry, n - manufacturing), ("制造业", manufacturing)):
                    if count:
                        self.certificates[(unit_id, m, ctype, level, f.get("occupation", ""),
                                           ind, None)] += count

    def divide_among_departments(self) -> None:
        """Certificate figures of the units below a department-axis target's unit, in its
        window, divided among the departments' sectors (see the module's note). What the
        departments' quotas leave of their parent target stays without a department."""
        groups = defaultdict(list)
        for t in (Target.unscoped.filter(plan__is_reference=False, value__isnull=False,
                                        axis=DecompositionAxis.DEPARTMENT,
                                        department__isnull=False,
                                        indicator__measure="certification.certificates")
                  .select_related("department", "parent").order_by("code")):
            groups[(t.org_unit_id, t.period_start, t.period_end, t.parent)].append(t)
        for (unit_id, start, end, parent), quotas in groups.items():
            weights = [(t.department, float(t.value)
                        * (0.70 + 0.45 * _rng("department pace", t.department.name).random()))
                       for t in quotas]
            rest = float(parent.value) - sum(float(t.value) for t in quotas) if parent else 0
            if rest > 0:
                weights.append((None, rest))
            shares = {leaf: [(self._county_department(leaf, d) if d else None, w)
                             for d, w in weights]
                      for leaf in self.base.reporting_units(unit_id) if leaf != unit_id}
            for key in [k for k in self.certificates
                        if k[0] in shares and start <= k[1] <= end and k[-1] is None]:
                count = self.certificates.pop(key)
                for department_id, part in _divide(count, shares[key[0]]):
                    if part:
                        self.certificates[(*key[:-1], department_id)] += part

    @cached_property
    def _unit_names(self) -> dict[int, str]:
        return dict(OrgUnit.unscoped.values_list("pk", "name"))

    def _county_department(self, unit_id: int, department) -> int:
        """The unit's department in a city department's line (鹿城区 + 应急管理局), made for
        the demo if it is not there."""

        return Department.unscoped.get_or_create(
            org_unit_id=unit_id, name=self._unit_names[unit_id] + department.name.removeprefix("市"),
            defaults={"sector": department.sector})[0].pk

    def new_carriers(self, a: Allocation, unit_id: int, share: float) -> None:
        count = _round(share * len(a.months), _rng("carriers-new", unit_id, a.measure))
        self._carriers(a, unit_id, count, spread=True)

    def active_carriers(self, a: Allocation, unit_id: int, share: float) -> None:
        self._carriers(a, unit_id, _round(share, _rng("carriers", unit_id, a.measure)),
                       spread=False)

    def _carriers(self, a: Allocation, unit_id: int, count: int, spread: bool) -> None:
        ctype = _one(a.filters.get("carrier_type", "试点企业"))
        level = _one(a.filters.get("level", "县级"))
        for i in range(count):
            rng = _rng("carrier", unit_id, ctype, i)
            month = a.months[int(rng.random() * len(a.months))] if spread else a.months[0]
            self.carriers.append({"name": f"演示{ctype}{unit_id}-{i + 1}", "carrier_type": ctype,
                                      "level": level, "org_unit_id": unit_id,
                                      "established_on": month.replace(day=1 + int(rng.random() * 27))})

    # --- competitions -------------------------------------------------------------------
    def events(self, a: Allocation, unit_id: int, share: float) -> None:
        level = _one(a.filters.get("level", "县级"))
        for m in a.months:
            rng = _rng("events", unit_id, m, level)
            for i in range(_round(share * (0.5 + rng.random()), rng)):
                self._competition(unit_id, m, level, int(40 + 160 * rng.random()), i)

    def participants(self, a: Allocation, unit_id: int, share: float) -> None:
        for m in a.months[2::3]:  # a quarterly 岗位练兵, sized to the target
            rng = _rng("participants", unit_id, m)
            size = _round(share * 3 * (0.7 + 0.6 * rng.random()), rng)
            self._competition(unit_id, m, "企业岗位练兵", size, 0)

    def _competition(self, unit_id, month, level, participants, i) -> None:
        day = month.replace(day=5 + 7 * (i % 3))
        self.competitions.append({
            "name": f"演示{level}职业技能竞赛（{month:%Y年%m月}第{i + 1}场）", "level": level,
            "organiser_unit_id": unit_id, "start_date": day, "end_date": day + dt.timedelta(days=1),
            "participants": participants, "occupations": "电工、焊工、养老护理员"})

    def honours(self, a: Allocation, unit_id: int, share: float) -> None:
        code = self.base.unit_codes.get(unit_id) or "110105"
        for m in a.months:
            rng = _rng("awards", unit_id, m)
            for i in range(_round(share * (0.6 + 0.8 * rng.random()), rng)):
                serial = f"{(unit_id * 37 + m.month * 3 + i) % 1000:03d}"
                first17 = f"{code}19{80 + i % 20:02d}0{1 + m.month % 9}1{i % 10}{serial}"
                self.awards.append({
                    "medal": "无", "honour_title": _one(a.filters.get("honour_title", "技术能手")),
                    "honour_level": "县级", "recipient_kind": "individual",
                    "recipient_name": f"演示人员{unit_id}-{m:%y%m}-{i + 1}",
                    "recipient_id_number": first17 + id_number_check_char(first17),
                    "employer": "演示企业", "org_unit_id": unit_id,
                    "awarded_on": m.replace(day=20)})

    # --- writing ------------------------------------------------------------------------
    def write(self) -> dict:
        counts = {}
        with transaction.atomic():
            # Claims computed from earlier demo awards go with them (a claim protects its basis).
            Claim.unscoped.filter(award__is_demo=True).delete()
            for model in (TrainingFigure, CertificateFigure, TrainingCarrier, Award, Competition):
                unscoped(model).filter(is_demo=True).delete()
            counts["training"] = len(TrainingFigure.unscoped.bulk_create([
                TrainingFigure(org_unit_id=u, period=m, training_type=tt, target_group=tg,
                               programme_id=p, subsidised=s, industry=ind, is_demo=True, **v)
                for (u, m, tt, tg, p, s, ind), v in sorted(self.training.items(), key=str)
            ], batch_size=2000))
            counts["certificates"] = len(CertificateFigure.unscoped.bulk_create([
                CertificateFigure(org_unit_id=u, period=m, certificate_type=ct, level=lv,
                                  occupation=occ, industry=ind, department_id=d, count=n,
                                  is_demo=True)
                for (u, m, ct, lv, occ, ind, d), n in sorted(self.certificates.items(), key=str)
            ], batch_size=2000))
            counts["carriers"] = len(TrainingCarrier.unscoped.bulk_create(
                [TrainingCarrier(is_demo=True, **c) for c in self.carriers], batch_size=2000))
            counts["competitions"] = len(Competition.unscoped.bulk_create(
                [Competition(is_demo=True, **c) for c in self.competitions], batch_size=2000))
            counts["awards"] = len(Award.unscoped.bulk_create(
                [Award(is_demo=True, **a) for a in self.awards], batch_size=2000))
            counts["awards"] += self.subsidy_showcase()
        return counts

    def subsidy_showcase(self) -> int:
        """A few medals and titles of the kinds the seed schemes pay (Longling's provincial
        competition medals with a coaching team, Ningxia's 自治区技术能手), so the demo's
        subsidy pages have claims to show. The calibrated figures above are county-level
        titles, which no seed scheme pays."""

        def unit(path: str):
            return OrgUnit.unscoped.at_path(path)[0]

        yunnan, longling = unit("全国/云南省"), unit("全国/云南省/保山市/龙陵县")
        ningxia = unit("全国/宁夏回族自治区")
        created = []
        if yunnan and longling and self.base.as_of >= dt.date(2024, 9, 1):
            day = dt.date(2024, 8, 20)
            contest = Competition.unscoped.create(
                is_demo=True, name="演示云南省第二届职业技能大赛", level="全省综合性",
                organiser_unit=yunnan, start_date=day - dt.timedelta(days=2), end_date=day,
                participants=860, occupations="电工、焊工、中式烹调师")
            for i, (medal, kind) in enumerate([("金牌", "individual"), ("金牌", "coach_team"),
                                               ("银牌", "individual"), ("铜牌", "individual")]):
                created.append(self._showcase_award(
                    longling, i, competition=contest, medal=medal, recipient_kind=kind,
                    honour_title="", honour_level="", awarded_on=day))
        if ningxia and self.base.as_of >= dt.date(2023, 12, 1):
            for i in range(5):
                created.append(self._showcase_award(
                    ningxia, i, competition=None, medal="无", recipient_kind="individual",
                    honour_title="技术能手", honour_level="省级", awarded_on=dt.date(2023, 11, 28)))
        for award in created:
            award.full_clean()
        return len(Award.unscoped.bulk_create(created))

    def _showcase_award(self, unit, i: int, **fields):
        team = fields["recipient_kind"] != "individual"
        first17 = f"{unit.code}19{85 + i:02d}0{1 + i}1{i}{100 + i:03d}"
        return Award(
            is_demo=True, org_unit=unit, employer="演示企业",
            recipient_name=f"演示{'教练团队' if team else '选手'}{unit.short_name or unit.name}{i + 1}",
            recipient_id_number="" if team else first17 + id_number_check_char(first17), **fields)


def generate_domain_demo(*, as_of: dt.date) -> dict:
    demo = DomainDemo(as_of)

    demo.base.unit_codes = dict(OrgUnit.unscoped.exclude(code=None).values_list("pk", "code"))
    demo.run()
    return demo.write()
