import datetime as dt
from decimal import Decimal
from io import StringIO

import pytest
from django.db.models import F

from demo.figures import generate_demo_figures
from org.models import OrgUnit
from targets.models import DataValue, Indicator

pytestmark = pytest.mark.django_db


def snapshot():
    from certification.models import CertificateFigure
    from competitions.models import Award, Competition
    from training.models import TrainingCarrier, TrainingFigure

    return {
        "values": sorted(DataValue.objects.values_list("indicator__code", "org_unit_id", "period",
                                                       "value", "is_demo")),
        "training": sorted(TrainingFigure.objects.values_list(
            "org_unit_id", "period", "training_type", "target_group", "programme__name",
            "subsidised", "trained", "completed", "certified", "is_demo")),
        "certificates": sorted(CertificateFigure.objects.values_list(
            "org_unit_id", "period", "certificate_type", "level", "industry", "count", "is_demo")),
        "carriers": sorted(TrainingCarrier.objects.values_list("name", "established_on",
                                                               "is_demo")),
        "competitions": sorted(Competition.objects.values_list("name", "organiser_unit_id",
                                                               "participants", "is_demo")),
        "awards": sorted(Award.objects.values_list("recipient_name", "recipient_id_number",
                                                   "is_demo")),
    }


def test_demo_figures_are_deterministic_and_marked():
    first = generate_demo_figures()
    rows = snapshot()
    assert first["created"] > 1000
    for table in ("training", "certificates", "carriers", "competitions", "awards"):
        assert first[table] > 0, table
        assert all(row[-1] for row in rows[table]), table  # every row is marked demo
    second = generate_demo_figures()
    assert second == first | {"deleted": first["created"]}
    assert snapshot() == rows


def test_demo_award_id_numbers_are_valid():
    from competitions.models import Award
    from skills_portal.identity import validate_id_number

    generate_demo_figures(as_of=dt.date(2021, 6, 1))
    for number in Award.objects.values_list("recipient_id_number", flat=True)[:200]:
        validate_id_number(number)


def test_demo_figures_follow_the_plans_decomposition():
    """More specific targets are generated first and the broader ones only for the rest, so
    the 其中 slices stay inside their parent: 脱贫人口 training is part of subsidised training."""
    from targets.measures import measure_values

    generate_demo_figures()
    ningxia = OrgUnit.objects.get(code="640000")
    year = (dt.date(2023, 1, 1), dt.date(2023, 12, 1))

    def total(filters):
        values = measure_values("training.person_times", filters, start=year[0], end=year[1],
                                units=[ningxia.pk], rolled_up=True)
        return sum(values.values())

    subsidised = total({"subsidised": True})
    slices = sum(total({"subsidised": True, "target_group": g})
                 for g in ("企业职工", "农村转移劳动者", "脱贫人口"))
    assert 35000 < subsidised < 60000  # the 50,000 target at each county's own pace
    assert slices == subsidised


def test_demo_never_overwrites_real_values():
    longling = OrgUnit.objects.get(code="530523")
    indicator = Indicator.objects.get(code="digital_talent")
    real = DataValue.objects.create(indicator=indicator, org_unit=longling,
                                    period=dt.date(2023, 5, 1), value=Decimal(42))
    generate_demo_figures()
    real.refresh_from_db()
    assert (real.value, real.is_demo) == (42, False)
    assert DataValue.objects.filter(indicator=indicator, org_unit=longling,
                                    period=dt.date(2023, 5, 1)).count() == 1


def test_demo_stops_at_the_as_of_month():
    from training.models import TrainingFigure

    generate_demo_figures(as_of=dt.date(2022, 6, 1))
    assert DataValue.objects.order_by("-period").first().period == dt.date(2022, 6, 1)
    assert TrainingFigure.objects.order_by("-period").first().period == dt.date(2022, 6, 1)


def test_department_quotas_divide_the_regional_figures_among_county_departments():
    """Wenzhou's annex 2 decomposes the same 80,000 certificates as annex 1: the demo divides
    each county's certificates among the departments' sectors (county departments of the
    same sector) instead of adding more, so the regions' totals do not change and every
    department has figures, some ahead of their quota and some behind."""
    from collections import Counter

    from certification.models import CertificateFigure
    from demo.domain import DomainDemo
    from demo.figures import DEMO_AS_OF
    from targets.models import Target

    demo = DomainDemo(DEMO_AS_OF)
    demo.base.unit_codes = {}
    demo._run_allocations()

    def totals():
        counted = Counter()
        for (unit, month, *_rest), count in demo.certificates.items():
            counted[(unit, month)] += count
        return counted

    before = totals()
    demo.divide_among_departments()
    assert totals() == before
    assert sum(1 for key in demo.certificates if key[-1] is not None) > 100

    generate_demo_figures()
    wenzhou = OrgUnit.objects.get(name="温州市")
    quotas = Target.objects.filter(plan__code="wenzhou-2021", axis="department")
    assert quotas.count() == 13
    figures = CertificateFigure.objects.filter(
        org_unit__ancestor_links__ancestor=wenzhou, period__year=2021)
    by_department = figures.exclude(department=None)
    assert not by_department.exclude(department__org_unit=F("org_unit")).exists()
    reached = []
    for quota in quotas.select_related("department"):
        mine = by_department.filter(department__sector=quota.department.sector)
        assert mine.values("org_unit").distinct().count() >= 10, quota.department.name
        reached.append(sum(mine.values_list("count", flat=True)) / float(quota.value))
    assert min(reached) > 0.5 and max(reached) / min(reached) > 1.2
    assert "鹿城区应急管理局" in set(by_department.values_list("department__name", flat=True))


def test_demo_reports_follow_the_hierarchy_and_leave_real_reports_alone():
    from demo.reports import generate_demo_reports
    from reporting.choices import ReportStatus
    from reporting.models import MonthlyReport
    from reporting.services import entry_problems, report_for
    from tests.conftest import unit

    sep, aug = dt.date(2025, 9, 1), dt.date(2025, 8, 1)
    longling = unit("全国/云南省/保山市/龙陵县")
    lucheng = unit("全国/浙江省/温州市/鹿城区")
    real = report_for(org_unit=lucheng, period=aug)  # someone's own draft
    counts = generate_demo_reports(as_of=sep)
    assert counts[ReportStatus.APPROVED] > 100 and counts[ReportStatus.SUBMITTED] > 10
    assert generate_demo_reports(as_of=sep) == counts  # replaced, the same again
    demo = MonthlyReport.objects.filter(is_demo=True)
    assert not demo.filter(org_unit=longling, period=sep).exists()  # the walk-through's month
    assert demo.filter(org_unit=longling, period__lt=aug, status=ReportStatus.APPROVED).count() == 7
    real.refresh_from_db()
    assert (real.status, real.is_demo) == (ReportStatus.DRAFT, False)
    assert not demo.filter(org_unit=lucheng, period=aug).exists()
    # A unit above is approved only once every unit below it is.
    statuses = {(r.org_unit_id, r.period): r.status for r in MonthlyReport.objects.all()}
    for report in demo.filter(status=ReportStatus.APPROVED, org_unit__level__lt=3):
        below = OrgUnit.objects.filter(parent=report.org_unit, level__lte=3)
        assert all(statuses.get((child.pk, report.period)) == ReportStatus.APPROVED
                   for child in below), report
    # An approved demo month locks its figures like any other.
    approved = demo.filter(org_unit__level=3, status=ReportStatus.APPROVED).first()
    assert entry_problems({(approved.org_unit_id, None, approved.period)}, window=False)


def test_demo_figures_pass_the_portals_own_validation_rules():
    """Issue #24: every active validation rule, evaluated on every unit and month the demo
    fills, finds no failure (errors and warnings alike)."""
    from certification.models import CertificateFigure
    from targets.models import ValidationRule
    from targets.services import evaluate_rules_for
    from training.models import TrainingFigure

    generate_demo_figures()
    assert ValidationRule.objects.filter(is_active=True).count() >= 4
    pairs = set()
    for model in (TrainingFigure, CertificateFigure, DataValue):
        pairs |= set(model.objects.values_list("org_unit_id", "period").distinct())
    assert len(pairs) > 100
    results = evaluate_rules_for(pairs=pairs, failing=True)
    checked = evaluate_rules_for(pairs=pairs)
    assert len(checked) > len(pairs)  # the rules did look at the figures
    failures = [f"{unit_id} {month:%Y-%m} {r.rule.code}: {r.message}" for unit_id, month, r in
                results if not r.passed]
    assert failures == [], failures[:10]


def test_demo_reports_without_figures_are_zero_reports_and_the_page_says_so():
    """施甸县 submits September 2025 without a figure: a zero report (零报告), as the portal
    requires; 遵义市's September page shows its figures to the reviewer before approving."""
    import re

    from django.test import Client

    from demo.reports import generate_demo_reports
    from demo.users import create_demo_users
    from reporting.choices import ReportStatus
    from reporting.models import MonthlyReport
    from tests.conftest import unit

    sep = dt.date(2025, 9, 1)
    generate_demo_figures()
    generate_demo_reports(as_of=sep)
    create_demo_users("demo-pass-2026")
    demo = MonthlyReport.objects.filter(is_demo=True)
    assert demo.filter(is_zero_report=True).exists()
    for report in demo.prefetch_related("submissions"):
        submission = report.submissions.get()
        assert report.is_zero_report == (not submission.snapshot) == submission.is_zero_report

    shidian = unit("全国/云南省/保山市/施甸县")
    report = demo.get(org_unit=shidian, period=sep)
    assert report.status == ReportStatus.SUBMITTED and report.is_zero_report
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.get(username="baoshan_reviewer"))
    page = client.get(f"/reporting/{shidian.pk}/2025-09/").content.decode()
    assert 'id="zero-report-notice"' in page and "零报告" in page

    zunyi = unit("全国/贵州省/遵义市")
    assert demo.get(org_unit=zunyi, period=sep).status == ReportStatus.SUBMITTED
    client.force_login(get_user_model().objects.get(username="admin"))
    page = client.get(f"/reporting/{zunyi.pk}/2025-09/").content.decode()
    table = page.split('id="report-figures-table"')[1].split("</table>")[0]
    snapshot = demo.get(org_unit=zunyi, period=sep).submissions.get().snapshot
    trained = snapshot["training.person_times"]["岗位技能提升培训 / 企业职工"]
    assert re.search(rf'<td class="num month-value">{trained:,}</td>', table)  # 职业技能培训人次
    for label, value in snapshot["manual"].items():  # the five manual figures
        name = label.split("（")[0]
        assert name in table, name
        assert f"{int(value):,}" in table, (name, value)
    assert 'value="approve"' in page


def test_demo_reports_name_who_submitted_and_reviewed_them():
    """A locked month's banner says who approved it: the demo accounts are given the demo
    reports they would have submitted (a unit's clerk) and reviewed (the reviewer above)."""
    from demo.reports import generate_demo_reports
    from demo.users import create_demo_users
    from reporting.choices import ReportAction, ReportStatus
    from reporting.models import MonthlyReport, ReportEvent
    from tests.conftest import unit

    generate_demo_figures()
    generate_demo_reports(as_of=dt.date(2025, 9, 1))
    create_demo_users("demo-pass-2026")
    longling = MonthlyReport.objects.filter(is_demo=True, org_unit=unit("全国/云南省/保山市/龙陵县"))
    assert longling.exists()
    assert set(longling.values_list("submitted_by__username", flat=True)) == {"longling_clerk"}
    approved = longling.filter(status=ReportStatus.APPROVED)
    assert approved.exists()
    assert set(approved.values_list("approved_by__username", flat=True)) == {"baoshan_reviewer"}
    assert set(ReportEvent.objects.filter(report__in=approved, action=ReportAction.APPROVE)
               .values_list("actor__username", flat=True)) == {"baoshan_reviewer"}
    # A unit without a demo account keeps no person: nobody is named who did not act.
    shidian = MonthlyReport.objects.filter(is_demo=True, org_unit=unit("全国/云南省/保山市/施甸县"))
    assert set(shidian.values_list("submitted_by", flat=True)) == {None}


def test_the_demo_commands_leave_the_planner_statistics_of_what_they_loaded():
    """Where PostgreSQL's autovacuum is off (or before it comes round) a table loaded from empty
    would be planned as if nearly empty: the commands bring the statistics up to date."""
    from django.core.management import call_command
    from django.db import connection

    call_command("generate_demo_figures", "--as-of", "2022-06", stdout=StringIO())
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'targets_datavalue'")
            assert cursor.fetchone()[0] == DataValue.unscoped.count() > 0
        else:  # SQLite plans the roll-up worse with sqlite_stat1: none is made
            cursor.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone() is None
