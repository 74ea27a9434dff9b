"""Issue #24: every target a clerk owns has an entry page — the manual indicators (技能人才总量 …)
in one form per unit and month, saved all or nothing with the same scope, lock, audit and
validation rules as every other write."""

import datetime as dt
from decimal import Decimal

import pytest

from audit.models import AuditEntry
from org.models import Membership
from progress.models import RollupMark
from reporting.choices import ReportStatus
from reporting.models import MonthlyReport
from targets.models import DataValue, Indicator, ValidationRule
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)


@pytest.fixture
def clerk(client, longling):
    user = UserFactory(username="longling_values_clerk")
    Membership.objects.create(user=user, org_unit=longling, role="data_entry")
    client.force_login(user)
    return user


def url(unit_obj, month="2024-05", **params):
    query = "&".join(f"{k}={v}" for k, v in {"unit": unit_obj.pk, "month": month,
                                               **params}.items())
    return f"/entry/values/?{query}"


def field(code: str) -> str:
    return f"value-{Indicator.objects.get(code=code).pk}"


def test_the_entry_home_links_the_page_and_it_lists_the_units_manual_targets(client, clerk,
                                                                             longling):
    assert "/entry/values/" in client.get("/entry/").content.decode()
    page = client.get(url(longling))
    assert page.status_code == 200
    html = page.content.decode()
    assert "技能人才总量" in html and "高技能人才总量" in html
    assert "月末总量" in html  # a stock: the level at month end
    assert "20,000" in html  # its target
    # The department choice is explained on the page.
    assert "同一个数字只能填在一处" in html and "本级" in html
    assert html.count('name="value-') >= 5


def test_a_value_is_saved_audited_marked_and_shown(client, clerk, longling):
    total = Indicator.objects.get(code="skill_talent_total")
    response = client.post(url(longling), {
        field("skill_talent_total"): "22,127", f"comment-{total.pk}": "人社局统计",
        field("high_skill_talent_total"): "916",
    }, follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "已保存：填写或修改了 2 项，清除了 0 项。" in html
    value = DataValue.objects.get(org_unit=longling, period=MAY,
                                  indicator__code="skill_talent_total")
    assert value.value == Decimal("22127") and value.department is None
    assert value.entered_by == clerk and value.comment == "人社局统计"
    assert 'value="22127"' in html and 'value="916"' in html
    assert AuditEntry.objects.filter(object_id=str(value.pk), actor=clerk).exists()
    assert RollupMark.objects.filter(org_unit=longling).exists()
    # The next month shows it as the last value.
    june = client.get(url(longling, month="2024-06")).content.decode()
    assert "22,127" in june and "2024年5月" in june
    # Emptying a row clears the value; the same form again changes nothing.
    response = client.post(url(longling), {field("high_skill_talent_total"): "916"}, follow=True)
    assert "清除了 1 项" in response.content.decode()
    assert not DataValue.objects.filter(indicator__code="skill_talent_total").exists()
    response = client.post(url(longling), {field("high_skill_talent_total"): "916"}, follow=True)
    assert "没有数据变化" in response.content.decode()


def test_a_bad_value_saves_nothing_and_keeps_what_was_typed(client, clerk, longling):
    response = client.post(url(longling), {
        field("skill_talent_total"): "22127", field("high_skill_talent_total"): "-3",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "本次未保存任何数据" in html and "高技能人才总量：数值不能为负数" in html
    assert 'value="22127"' in html and 'value="-3"' in html
    assert not DataValue.objects.filter(org_unit=longling).exists()


def test_an_error_rule_on_manual_values_rolls_the_whole_form_back(client, clerk, longling):
    ValidationRule.objects.create(
        code="high-within-total", name="高技能人才不超过技能人才",
        left=Indicator.objects.get(code="high_skill_talent_total"), operator="lte",
        right=Indicator.objects.get(code="skill_talent_total"), importance="error",
        message="高技能人才总量不能超过技能人才总量。")
    response = client.post(url(longling), {
        field("skill_talent_total"): "900", field("high_skill_talent_total"): "916",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "高技能人才总量 916 人，多于技能人才总量 900 人。高技能人才总量不能超过技能人才总量。" in html
    assert not DataValue.objects.filter(org_unit=longling).exists()


def test_a_locked_month_is_read_only_and_refuses_a_post(client, clerk, longling):
    MonthlyReport.objects.create(org_unit=longling, period=MAY, status=ReportStatus.APPROVED,
                                 deadline=dt.date(2024, 6, 5), approved_level=2)
    html = client.get(url(longling)).content.decode()
    assert "本月数据已锁定" in html and "保存本月数据" not in html
    inputs = [part for part in html.split("<input")[1:] if 'name="value-' in part]
    assert inputs and all(" disabled" in part.split(">")[0] for part in inputs)
    response = client.post(url(longling), {field("skill_talent_total"): "22127"})
    assert response.status_code == 400 and "已审核通过" in response.content.decode()
    assert not DataValue.objects.filter(org_unit=longling).exists()


def test_another_units_page_is_refused(client, clerk):
    shidian = unit("全国/云南省/保山市/施甸县")
    assert client.get(url(shidian)).status_code == 403
    assert client.post(url(shidian), {field("skill_talent_total"): "1"}).status_code == 403
    assert not DataValue.objects.exists()
