"""Issue #5: quota (decomposition) tables in the wide layout officials write. Wenzhou's two
annexes, typed into .xlsx as they stand in the seed, import as child targets under the city
targets and show 100% coverage; the same file twice changes nothing; a totals row that does
not add up is reported."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from imports import services
from imports.choices import ImportStatus
from org.models import Membership
from targets.models import Indicator, Plan, Target
from tests import xlsx_corpus as corpus
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ANNEX_1 = [
    ("鹿城", 12000, 8000, 2200), ("龙湾", 10800, 7200, 2200), ("瓯海", 12000, 8000, 2200),
    ("洞头", 1800, 1200, 400), ("乐清", 16200, 10800, 4000), ("瑞安", 16200, 10800, 4000),
    ("永嘉", 13200, 8800, 2300), ("文成", 3600, 2400, 400), ("平阳", 12600, 8400, 2300),
    ("泰顺", 3600, 2400, 400), ("苍南", 8300, 5500, 1500), ("龙港", 5500, 3700, 900),
    ("瓯江口", 600, 400, 200), ("经开区", 3600, 2400, 1000),
]
ANNEX_2 = [
    ("市经信局", "发挥行业主管部门的作用,重点协调组织数字经济产业技能培训工作。", 0.8),
    ("市教育局", "协调院校承担职业技能培训任务,重点组织年度毕业生、“两后生”、成人社区学校等技能培训工作。",
     1.0),
    ("市住建局", "协调组织建筑领域技能劳动者的培训工作。", 0.4),
    ("市农业农村局", "协调组织新型职业农民和建档立卡低收入农户家庭劳动力的培训工作。", 0.27),
    ("市退役军人事务局", "协调组织退役军人的职业技能培训工作。", 0.1),
    ("市应急管理局", "协调组织高危行业领域安全技能培训和特种作业人员安全作业培训工作。", 2.2),
    ("市民政局", "协调组织养老护理人员等职业技能培训工作。", 0.4),
    ("市卫健委", "协调组织卫生健康行业的职业技能培训工作。", 0.1),
    ("市国资委", "协调组织国有和国有控股企业职工职业技能培训工作。", 0.5),
    ("市市场监管局", "协调组织小微企业职工开展职业技能培训工作。", 1),
    ("市残联", "协调组织残疾人的职业技能培训工作。", 0.21),
    ("市妇联", "协调组织妇女家政服务、婚姻家庭等职业技能培训工作。", 0.5),
    ("职技院校", "结合办学专业实际,协调组织社会化职业技能培训工作。", 0.52),
]


def annex_1(total=(120000, 80000, 24000)) -> bytes:
    return corpus.xlsx(
        [["地区", "技能人才培训数", "技能人才取证数", "其中:高技能人才数"],
         *[list(r) for r in ANNEX_1], ["全市总计", *total],
         ["注:技能人才培训数以纳入省职业能力一体化平台的职业技能培训人数确定,取证数以技能人才取得的"
          "职业资格证书、技能等级证书、专项能力证书、特种作业证书等为依据。"]],
        above=[["附件1"], [], ["2021年“工匠人才”赶超发展地区指标分解数"], []])


def annex_2() -> bytes:
    return corpus.xlsx(
        [["序号", "部门", "培训重点任务", "市级培育指标数\n(万人)"],
         *[[i, name, task, value] for i, (name, task, value) in enumerate(ANNEX_2, start=1)],
         ["合计", "", "", 8],
         ["注:请市级各部门单位将指标任务层层分解至各县(市、区),并与同级人力社保部门做好数据的对接汇总工作,"
          "统一纳入省职业能力一体化平台。"]],
        above=[["附件2"], ["2021年“工匠人才”赶超发展部门指标分解数"]], merged=("A17:C17",))


@pytest.fixture
def plan():
    plan = Plan.objects.get(code="wenzhou-2021")
    # The seed already holds the annexes; start from the city targets alone, as a bureau would.
    Target.objects.filter(plan=plan, parent__isnull=False).delete()
    return plan


@pytest.fixture
def officer():
    user = UserFactory(username="wenzhou_quota_admin")
    Membership.objects.create(user=user, org_unit=unit("全国/浙江省/温州市"), role="admin")
    return user


def parent(plan, code):
    return Target.objects.get(plan=plan, code=code)


def test_annex_1_imports_as_region_shares_with_full_coverage(plan, officer):
    batch = services.upload(user=officer, kind="quota", basis="month", file_name="附件1.xlsx",
                            data=annex_1(), options={"plan": plan.pk})
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
    assert (batch.rows, batch.created, batch.unchanged) == (14, 42, 0)
    assert not Target.objects.filter(plan=plan, parent__isnull=False).exists()
    services.confirm(batch, user=officer)

    for code in ("training-2021", "new-skilled-2021", "new-high-skilled-2021"):
        city = parent(plan, code)
        children = Target.objects.filter(parent=city, axis="region")
        assert children.count() == 14
        assert sum(c.value for c in children) == city.value  # 100% coverage
    lucheng = Target.objects.get(parent=parent(plan, "training-2021"),
                                 org_unit=unit("全国/浙江省/温州市/鹿城区"))
    assert lucheng.value == 12000 and lucheng.window == "annual"
    kaifaqu = Target.objects.get(parent=parent(plan, "new-high-skilled-2021"),
                                 org_unit__name="温州经济技术开发区")
    assert kaifaqu.value == 1000

    again = services.upload(user=officer, kind="quota", basis="month", file_name="附件1.xlsx",
                            data=annex_1(), options={"plan": plan.pk})
    assert (again.created, again.updated, again.unchanged, again.error_count) == (0, 0, 42, 0)


def test_the_decomposition_page_shows_full_coverage_after_the_import(client, plan, officer):
    services.confirm(services.upload(user=officer, kind="quota", basis="month",
                                     file_name="附件1.xlsx", data=annex_1(),
                                     options={"plan": plan.pk}), user=officer)
    client.force_login(officer)
    page = client.get("/decompositions/?plan=wenzhou-2021").content.decode()
    assert page.count("100%") >= 3


def test_annex_2_imports_department_quotas_in_wan_exactly(plan, officer):
    skilled = Indicator.objects.get(code="new_skilled_talent")
    batch = services.upload(user=officer, kind="quota", basis="month", file_name="附件2.xlsx",
                            data=annex_2(), options={"plan": plan.pk, "indicator": skilled.pk})
    assert batch.error_count == 0, batch.errors
    assert batch.created == 13
    services.confirm(batch, user=officer)
    city = parent(plan, "new-skilled-2021")
    shares = {t.department.name: t.value
              for t in Target.objects.filter(parent=city, axis="department").select_related("department")}
    assert shares["市农业农村局"] == Decimal(2700)  # 0.27 万, exactly
    assert shares["市残联"] == Decimal(2100) and shares["职技院校"] == Decimal(5200)
    assert sum(shares.values()) == city.value == 80000


def test_a_totals_row_that_does_not_add_up_is_reported_and_nothing_is_saved(plan, officer):
    batch = services.upload(user=officer, kind="quota", basis="month", file_name="附件1.xlsx",
                            data=annex_1(total=(120001, 80000, 24000)), options={"plan": plan.pk})
    assert [(e["row"], e["column"], e["message"]) for e in batch.errors] == [
        (20, "B", "合计行 120,001 与各行之和 120,000 不符（相差 1）")]
    with pytest.raises(ValidationError):
        services.confirm(batch, user=officer)
    assert not Target.objects.filter(plan=plan, parent__isnull=False).exists()


def test_a_share_holding_an_excel_error_is_reported_and_nothing_is_saved(plan, officer):
    # 龙湾's 培训数 as Excel saved it after a broken reference: #REF!, which the reader gives
    # as an empty cell (a share of 0) unless the file's XML is looked at.
    data = corpus.rewrite(annex_1(), lambda name, content: None if name == "+" else (
        re.sub(rb'<c r="B6"[^>]*>.*?</c>', b'<c r="B6" t="e"><v>#REF!</v></c>', content, count=1)
        if name == "xl/worksheets/sheet1.xml" else content))
    batch = services.upload(user=officer, kind="quota", basis="month", file_name="附件1.xlsx",
                            data=data, options={"plan": plan.pk})
    assert (None, "B6", "1 个单元格是 Excel 错误值（如 #DIV/0!、#REF!、#N/A），"
            "请改正公式或填入数值后再上传") in [(e["row"], e["column"], e["message"])
                                  for e in batch.errors]
    with pytest.raises(ValidationError):
        services.confirm(batch, user=officer)
    assert not Target.objects.filter(plan=plan, parent__isnull=False).exists()


def test_a_column_without_an_indicator_name_needs_the_indicator_chosen(plan, officer):
    batch = services.upload(user=officer, kind="quota", basis="month", file_name="附件2.xlsx",
                            data=annex_2(), options={"plan": plan.pk})
    assert [e["message"] for e in batch.errors] == [
        "无法确定“市级培育指标数 (万人)”对应的指标：请在上传页面选择指标，或把表头改为指标名称"]


def test_a_share_in_wan_that_is_not_a_whole_number_of_people_is_an_error(plan, officer):
    skilled = Indicator.objects.get(code="new_skilled_talent")
    data = corpus.xlsx([["部门", "市级培育指标数(万人)"], ["市残联", "0.21005"]])
    batch = services.upload(user=officer, kind="quota", basis="month", file_name="x.xlsx",
                            data=data, options={"plan": plan.pk, "indicator": skilled.pk})
    assert [e["message"] for e in batch.errors] == ["分解数应为非负整数（0.21005 折合 2100.5）"]


def test_a_county_officer_may_not_decompose_the_city_plan(plan):
    county = UserFactory(username="lucheng_quota")
    Membership.objects.create(user=county, org_unit=unit("全国/浙江省/温州市/鹿城区"), role="admin")
    batch = services.upload(user=county, kind="quota", basis="month", file_name="附件1.xlsx",
                            data=annex_1(), options={"plan": plan.pk})
    assert batch.status == ImportStatus.REFUSED and "无权分解" in batch.message
    assert not Target.objects.filter(plan=plan, parent__isnull=False).exists()


def test_a_quota_table_through_the_upload_page(client, plan, officer):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(officer)
    no_plan = client.post("/imports/", {"kind": "quota", "basis": "month",
                                        "file": SimpleUploadedFile("附件1.xlsx", annex_1())})
    assert no_plan.status_code == 200 and "请选择该分解表所分解目标所属的方案" in no_plan.content.decode()
    response = client.post("/imports/", {"kind": "quota", "basis": "month", "plan": plan.pk,
                                         "file": SimpleUploadedFile("附件1.xlsx", annex_1())})
    assert response.status_code == 302
    detail = client.get(response["Location"]).content.decode()
    assert "指标分解表" in detail and "新增 42 条" in detail
    assert "鹿城区（表中：鹿城） · 职业技能培训人次" in detail


def test_an_indicator_whose_figures_record_no_department_is_not_split_by_department(plan,
                                                                                   officer):
    Indicator.objects.create(code="paid_q", name="拨付补贴金额q", unit="元", kind="flow",
                             source="measure", measure="subsidies.amount_paid")
    data = corpus.xlsx([["部门", "拨付补贴金额q"], ["市残联", 1000]])
    batch = services.upload(user=officer, kind="quota", basis="month", file_name="x.xlsx",
                            data=data, options={"plan": plan.pk})
    assert [(e["column"], e["message"]) for e in batch.errors] == [
        ("B", "“拨付补贴金额q”的数据不记录部门（补贴申领和培训券都不记录部门），"
              "不能按部门分解，请按地区分解")]
    assert not Target.objects.filter(plan=plan, parent__isnull=False).exists()
