"""The five seed plans as loaded from fixtures/: every quantitative target of DOMAIN.md."""

import datetime as dt
from decimal import Decimal

import pytest
from django.conf import settings

from org.models import Department, Membership, OrgUnit
from targets.models import Indicator, Plan, PlanTask, Target
from targets.seeding import SeedError, load_seed_plans, parse_value
from targets.selectors import decomposition_coverage

pytestmark = pytest.mark.django_db


def target(plan, code):
    return Target.objects.select_related("indicator", "org_unit").get(plan__code=plan, code=code)


def coverage(plan, code):
    t = target(plan, code)
    return {c.axis: c for c in decomposition_coverage([t])[t.pk]}


def test_all_five_plans_with_doc_numbers_and_chain():
    plans = {p.code: p for p in Plan.objects.filter(is_reference=False)}
    assert set(plans) == {"ningxia-2021", "guizhou-skills", "wenzhou-2021",
                          "nanyang-hitech-2022", "longling-2022"}
    assert plans["ningxia-2021"].doc_number == "宁人社发〔2021〕151号"
    assert plans["ningxia-2021"].issue_date == dt.date(2021, 11, 26)
    assert plans["wenzhou-2021"].doc_number == "温人社发〔2021〕32号"
    assert plans["nanyang-hitech-2022"].doc_number == "宛开办〔2022〕5号"
    assert plans["longling-2022"].doc_number == "龙政发〔2022〕64号"
    assert [p.doc_number for p in plans["longling-2022"].ancestry()] == [
        "保政发〔2022〕9号", "云政发〔2021〕28号", "人社部发〔2021〕48号"]
    assert plans["ningxia-2021"].parent.doc_number == "人社部发〔2021〕48号"
    assert plans["nanyang-hitech-2022"].parent.doc_number == "宛办〔2021〕33号"


def test_ningxia_targets():
    t = target("ningxia-2021", "new-skilled-talent")
    assert (t.value, t.window, t.period_start, t.period_end) == (
        280000, "cumulative", dt.date(2021, 1, 1), dt.date(2025, 12, 1))
    assert target("ningxia-2021", "new-high-skilled-talent").value == 25000
    share = target("ningxia-2021", "skill-talent-share-2025")
    assert (share.value, share.is_soft, share.window) == (35, True, "level")
    hs = target("ningxia-2021", "high-skill-share-2025")
    assert (hs.value, hs.value_max, hs.is_increment) == (2, 3, True)
    for year in range(2021, 2026):
        annual = target("ningxia-2021", f"subsidised-training-{year}")
        assert annual.value == 50000
        slices = coverage("ningxia-2021", f"subsidised-training-{year}")["slice"]
        # 其中 slices listed of the whole (#26): here they list all of it.
        assert (slices.children, slices.children_sum, slices.status) == (3, 50000, "part_listed")
        assert target("ningxia-2021", f"technical-experts-awarded-{year}").is_soft
        assert target("ningxia-2021", f"apprenticeship-trainees-{year}").value == 1000


def test_wenzhou_annex_1_covers_the_city_targets_exactly():
    for code, total in (("training-2021", 120000), ("new-skilled-2021", 80000),
                        ("new-high-skilled-2021", 24000)):
        region = coverage("wenzhou-2021", code)["region"]
        assert region.children == 14
        assert region.parent_value == total
        assert region.children_sum == total
        assert region.coverage_pct == Decimal("100.00")
        assert region.status == "balanced"
    lucheng = Target.objects.get(plan__code="wenzhou-2021", parent__code="training-2021",
                                 org_unit__name="鹿城区")
    assert lucheng.value == 12000


def test_wenzhou_annex_2_is_8_wan_across_13_departments():
    dept = coverage("wenzhou-2021", "new-skilled-2021")["department"]
    assert (dept.children, dept.children_sum, dept.status) == (13, 80000, "balanced")
    agri = Target.objects.get(plan__code="wenzhou-2021", parent__code="new-skilled-2021",
                              department__name="市农业农村局")
    assert agri.value == 2700  # 0.27万, exactly
    assert agri.department.sector == "agriculture"


def test_wenzhou_other_city_targets():
    share = target("wenzhou-2021", "new-skilled-manufacturing-share-2021")
    assert (share.value, share.is_soft, share.indicator.unit) == (40, True, "%")
    assert target("wenzhou-2021", "municipal-competitions-2021").value == 50
    assert target("wenzhou-2021", "county-competitions-2021").value == 100
    assert target("wenzhou-2021", "new-municipal-bases-2021").value == 4
    assert target("wenzhou-2021", "certification-pilot-enterprises").is_soft


def test_longling_subprogrammes_cover_86_percent():
    slices = coverage("longling-2022", "training")["slice"]
    assert (slices.children, slices.children_sum, slices.parent_value) == (5, 8600, 10000)
    assert slices.coverage_pct == Decimal("86.00")
    assert slices.status == "part_listed"  # 其中已列示, not a shortfall (#26)
    assert target("longling-2022", "skill-talent-total").indicator.kind == "stock"
    assert target("longling-2022", "skill-talent-total").value == 20000


def test_longling_tasks_have_lead_departments():
    eco = PlanTask.objects.get(plan__code="longling-2022", number="4")
    assert [d.name for d in eco.lead_departments.all()] == ["县林业和草原局"]
    assert PlanTask.objects.filter(plan__code="longling-2022").count() == 27


def test_nanyang_and_guizhou_targets():
    assert target("nanyang-hitech-2022", "training-person-times-2022").value == 5500
    assert target("nanyang-hitech-2022", "new-skilled-talent-2022").value == 8000
    assert target("nanyang-hitech-2022", "new-high-skilled-talent-2022").value == 1900
    relative = Target.objects.filter(plan__code="nanyang-hitech-2022", value__isnull=True)
    assert relative.count() == 5  # 两高两提前: relative to the city's targets
    assert all(t.note for t in relative)
    assert target("guizhou-skills", "training-person-times-2023").value == 600000
    classes = Target.objects.filter(plan__code="guizhou-skills",
                                    indicator__code="key_teacher_classes",
                                    period_start__year=2024)
    assert classes.count() == 9 and {t.value for t in classes} == {2}


def test_every_target_quotes_its_source():
    missing = Target.objects.filter(plan__is_reference=False, quote="")
    assert list(missing.values_list("plan__code", "code")) == []


def test_loading_twice_changes_nothing():
    models = (OrgUnit, Department, Indicator, Plan, PlanTask, Target, Membership)
    before = {m: sorted(m.objects.values_list("pk", "updated_at")) for m in models}
    report = load_seed_plans(settings.FIXTURES_DIR)
    assert report.total("created") == 0
    assert report.total("updated") == 0
    assert report.total("unchanged") > 400
    assert {m: sorted(m.objects.values_list("pk", "updated_at")) for m in models} == before


def test_a_bad_fixture_saves_nothing(tmp_path):
    import shutil

    shutil.copytree(settings.FIXTURES_DIR, tmp_path / "fx")
    import yaml

    wenzhou = tmp_path / "fx" / "plans" / "002_wenzhou.yaml"
    data = yaml.safe_load(wenzhou.read_text(encoding="utf-8"))
    # A new target against a unit that does not exist.
    data["targets"].append({"code": "broken", "indicator": "training_person_times",
                            "unit": "全国/浙江省/温州市/不存在区", "window": "annual",
                            "years": [2021], "value": 1})
    wenzhou.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    count = Target.objects.count()
    with pytest.raises(SeedError, match="不存在区"):
        load_seed_plans(tmp_path / "fx")
    assert Target.objects.count() == count


@pytest.mark.parametrize(("raw", "expected"), [
    (280000, Decimal(280000)), ("0.27万", Decimal(2700)), ("1.0万", Decimal(10000)),
    ("8万", Decimal(80000)), (0.8, Decimal("0.8")), (None, None),
])
def test_parse_value(raw, expected):
    assert parse_value(raw) == expected


def test_parse_value_rejects_text():
    with pytest.raises(SeedError):
        parse_value("约两万")
