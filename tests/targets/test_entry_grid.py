"""The county clerk's monthly grids: a whole month saved at once, a bad cell rejecting
everything, consistency and data-driven rules, outlier warnings, roll-up marks, scoping."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from certification.models import CertificateFigure
from org.models import Department, Membership
from progress.models import RollupMark
from targets.models import Indicator, ValidationRule
from tests.conftest import unit
from tests.factories import UserFactory
from training.forms import TRAINING_GRID
from training.models import Programme, TrainingCarrier, TrainingFigure

pytestmark = pytest.mark.django_db

MONTH = "2024-05"
MAY = dt.date(2024, 5, 1)


def member(unit_obj, role="data_entry", department=None):
    user = UserFactory()
    Membership.objects.create(user=user, org_unit=unit_obj, role=role, department=department)
    return user


@pytest.fixture
def clerk(client, longling):
    user = member(longling)
    client.force_login(user)
    return user


def cell(block, group, ttype):
    return TRAINING_GRID.name(block, group, ttype)


def training_url(unit_obj, **params):
    query = "&".join(f"{k}={v}" for k, v in {"unit": unit_obj.pk, "month": MONTH, **params}.items())
    return f"/entry/training/?{query}"


def test_clerk_saves_a_whole_month_with_programmes(client, clerk, longling):
    kang = Programme.objects.get(plan__code="longling-2022", name="康养云师傅")
    eco = Programme.objects.get(plan__code="longling-2022", name="生态卫士")
    page = client.get(training_url(longling, programme=kang.pk, subsidised=1))
    assert page.status_code == 200 and "康养云师傅" in page.content.decode()
    response = client.post(training_url(longling, programme=kang.pk, subsidised=1), {
        cell("trained", "脱贫人口", "就业技能培训"): "40",
        cell("completed", "脱贫人口", "就业技能培训"): "35",
        cell("certified", "脱贫人口", "就业技能培训"): "30",
        cell("trained", "农村妇女", "岗位技能提升培训"): "1,200",
    })
    assert response.status_code == 302
    response = client.post(training_url(longling, programme=eco.pk), {
        cell("trained", "其他", "岗位技能提升培训"): "55",
    })
    assert response.status_code == 302
    rows = TrainingFigure.objects.filter(org_unit=longling, period=MAY)
    assert rows.count() == 3
    assert sum(r.trained for r in rows) == 1295
    assert rows.get(programme=kang, target_group="脱贫人口").entered_by == clerk
    assert RollupMark.objects.filter(org_unit=longling, period=MAY).exists()
    # The page shows what was saved, with totals.
    html = client.get(training_url(longling, programme=kang.pk, subsidised=1)).content.decode()
    assert 'value="1200"' in html and "1,240" in html


def test_the_service_refuses_a_programme_of_a_plan_not_covering_the_unit(longling, lucheng):
    from django.core.exceptions import ValidationError

    from targets.grid import parse_grid
    from training.services import TrainingSlice, save_training_month

    kang = Programme.objects.get(plan__code="longling-2022", name="康养云师傅")
    data = parse_grid(TRAINING_GRID, {cell("trained", "脱贫人口", "就业技能培训"): "4"})
    with pytest.raises(ValidationError) as refused:
        save_training_month(user=member(lucheng), org_unit=lucheng, period=MAY,
                            slice_=TrainingSlice(programme=kang), data=data)
    assert "programme" in refused.value.message_dict
    assert not TrainingFigure.objects.filter(org_unit=lucheng).exists()


def test_a_bad_cell_saves_nothing_and_keeps_what_was_typed(client, clerk, longling):
    client.post(training_url(longling), {cell("trained", "企业职工", "就业技能培训"): "10"})
    assert TrainingFigure.objects.filter(org_unit=longling).count() == 1
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "99",
        cell("trained", "高校毕业生", "创业培训"): "十二",
        cell("trained", "失业人员", "创业培训"): "-3",
    })
    assert response.status_code == 400
    html = response.content.decode()
    assert "未保存" in html or "Nothing was saved" in html
    assert 'value="十二"' in html and 'value="99"' in html
    assert html.count('aria-invalid="true"') == 2
    assert TrainingFigure.objects.get(org_unit=longling).trained == 10  # unchanged


def test_consistency_certified_le_completed_le_trained(client, clerk, longling):
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "10",
        cell("completed", "企业职工", "就业技能培训"): "12",
        cell("certified", "退役军人", "就业技能培训"): "3",
    })
    assert response.status_code == 400
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()


def test_clearing_cells_removes_them(client, clerk, longling):
    name = cell("trained", "企业职工", "就业技能培训")
    client.post(training_url(longling), {name: "10"})
    client.post(training_url(longling), {name: ""})
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()


def test_error_rule_blocks_and_warning_rule_warns(client, clerk, longling):
    ValidationRule.objects.create(
        code="test-cap", name="测试上限", left=Indicator.objects.get(code="training_person_times"),
        operator="lte", right_constant=1000, importance="error", message="培训人次超出测试上限。")
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "1500",
    })
    assert response.status_code == 400
    assert "培训人次超出测试上限" in response.content.decode()
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()

    # Seeded warning: certified after training above the month's certificates — saved anyway.
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "100",
        cell("completed", "企业职工", "就业技能培训"): "100",
        cell("certified", "企业职工", "就业技能培训"): "50",
    }, follow=True)
    assert response.status_code == 200
    assert TrainingFigure.objects.filter(org_unit=longling).exists()
    page = response.content.decode()
    assert "请核对证书月报" in page
    # Issue #24: the warning names both figures and what was found, never the rule's "≤".
    assert "培训后取证人次 50 人次，多于新增技能人才（取证人数） 0 人。培训后取证人次超过了本月取证人数" \
        in page
    assert "≤" not in page


def test_messages_name_both_figures_and_count_cells(client, clerk, longling):
    """Issue #24: an ordering error says which figure is larger and what the rule is; the save
    message counts grid cells (inputs), not figure rows."""
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "40",
        cell("completed", "企业职工", "就业技能培训"): "50",
    })
    assert response.status_code == 400
    assert "结业人次（50）多于培训人次（40）：结业人次不能多于培训人次，请核实。" in \
        response.content.decode()
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "40",
        cell("completed", "企业职工", "就业技能培训"): "30",
        cell("certified", "企业职工", "就业技能培训"): "20",
        cell("trained", "脱贫人口", "岗位技能提升培训"): "7",
    }, follow=True)
    assert "已保存：填写或修改了 4 个单元格，清空了 0 个单元格。" in response.content.decode()
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "40",
        cell("completed", "企业职工", "就业技能培训"): "30",
    }, follow=True)
    assert "已保存：填写或修改了 0 个单元格，清空了 2 个单元格。" in response.content.decode()
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "40",
        cell("completed", "企业职工", "就业技能培训"): "30",
    }, follow=True)
    assert "已保存：没有数据变化。" in response.content.decode()


def test_outlier_warns_but_saves(client, clerk, longling):
    for month in (2, 3, 4):
        TrainingFigure.objects.create(org_unit=longling, period=dt.date(2024, month, 1),
                                      training_type="就业技能培训", target_group="企业职工",
                                      trained=10)
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "400",
    }, follow=True)
    assert TrainingFigure.objects.get(org_unit=longling, period=MAY).trained == 400
    assert "明显高于" in response.content.decode() or "far above" in response.content.decode()


def test_certificate_grid_and_levels(client, clerk, longling):
    from certification.forms import CERTIFICATE_GRID

    url = f"/entry/certificates/?unit={longling.pk}&month={MONTH}&industry=制造业"
    page = client.get(url).content.decode()
    assert "专项职业能力证书" in page
    response = client.post(url, {
        CERTIFICATE_GRID.name("count", "职业技能等级证书", "三级/高级工"): "15",
        CERTIFICATE_GRID.name("count", "专项职业能力证书", "无等级"): "4",
    })
    assert response.status_code == 302
    assert sum(CertificateFigure.objects.filter(org_unit=longling, industry="制造业")
               .values_list("count", flat=True)) == 19
    # A special-ability certificate has no skill level: that cell is not in the grid at all.
    assert not any(True for r, c in CERTIFICATE_GRID.cells()
                   if r == "专项职业能力证书" and c != "无等级")


def test_entry_is_scoped(client, longling):
    shidian = unit("全国/云南省/保山市/施甸县")
    clerk = member(longling)
    client.force_login(clerk)
    assert client.get(training_url(shidian)).status_code == 403
    response = client.post(training_url(shidian), {cell("trained", "企业职工", "就业技能培训"): "5"})
    assert response.status_code == 403
    assert not TrainingFigure.objects.filter(org_unit=shidian).exists()
    assert client.get(f"/entry/certificates/?unit={shidian.pk}").status_code == 403

    viewer = member(longling, role="viewer")
    client.force_login(viewer)
    assert client.get(training_url(longling)).status_code == 403
    reviewer = member(longling.parent, role="reviewer")
    client.force_login(reviewer)
    assert client.post(training_url(longling), {
        cell("trained", "企业职工", "就业技能培训"): "5"}).status_code == 403


def test_department_user_reports_only_for_its_department(client):
    wenzhou = unit("全国/浙江省/温州市")
    emergency = Department.objects.get(org_unit=wenzhou, name="市应急管理局")
    education = Department.objects.get(org_unit=wenzhou, name="市教育局")
    user = member(wenzhou, department=emergency)
    client.force_login(user)
    page = client.get(f"/entry/training/?unit={wenzhou.pk}&month={MONTH}")
    assert page.status_code == 200 and "市应急管理局" in page.content.decode()
    response = client.post(f"/entry/training/?unit={wenzhou.pk}&month={MONTH}"
                           f"&department={emergency.pk}",
                           {cell("trained", "企业职工", "岗位技能提升培训"): "300"})
    assert response.status_code == 302
    assert TrainingFigure.objects.get(org_unit=wenzhou).department == emergency
    assert client.get(f"/entry/training/?unit={wenzhou.pk}&department={education.pk}"
                      ).status_code == 403


def test_model_constraints(longling):
    base = {"org_unit": longling, "period": MAY, "training_type": "就业技能培训",
            "target_group": "企业职工"}
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingFigure.objects.create(**base, trained=5, completed=6)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingFigure.objects.create(**base, trained=5, persons=6)
    TrainingFigure.objects.create(**base, trained=5)
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingFigure.objects.create(**base, trained=7)  # same cell twice
    # Whether a certificate kind takes a level is data (the option set's mark, #26): the model
    # checks it (tests/certification), not a database constraint.
    with pytest.raises(IntegrityError), transaction.atomic():
        TrainingCarrier.objects.create(name="x", carrier_type="公共实训基地", level="县级",
                                       org_unit=longling, established_on=dt.date(2024, 5, 1),
                                       closed_on=dt.date(2024, 4, 1))


def test_admin_figures_are_scoped(client, longling):
    shidian = unit("全国/云南省/保山市/施甸县")
    theirs = TrainingFigure.objects.create(org_unit=shidian, period=MAY,
                                           training_type="就业技能培训", target_group="企业职工",
                                           trained=33)
    mine = TrainingFigure.objects.create(org_unit=longling, period=MAY,
                                         training_type="就业技能培训", target_group="企业职工",
                                         trained=44)
    user = member(longling)
    user.is_staff = True
    user.save()
    client.force_login(user)
    listing = client.get("/admin/training/trainingfigure/").content.decode()
    assert f"/admin/training/trainingfigure/{mine.pk}/change/" in listing
    assert f"/admin/training/trainingfigure/{theirs.pk}/change/" not in listing
    assert client.get(f"/admin/training/trainingfigure/{theirs.pk}/change/").status_code in (
        302, 403, 404)
    client.post(f"/admin/training/trainingfigure/{theirs.pk}/delete/", {"post": "yes"})
    assert TrainingFigure.objects.filter(pk=theirs.pk).exists()


def _loaded(page) -> str:
    import html
    import re
    return html.unescape(re.search(r'name="loaded" value="([^"]*)"', page.content.decode()
                                   ).group(1))


def test_a_page_save_keeps_a_cell_someone_else_saved_after_the_page_was_opened(client, clerk,
                                                                              longling):
    """Two writers of one month (#25): the clerk's page was opened before another save of a
    different cell; saving the page changes only what the clerk changed."""
    page = client.get(training_url(longling))
    loaded = _loaded(page)
    other = Client()
    other.force_login(member(longling))
    assert other.post(training_url(longling), {
        cell("trained", "脱贫人口", "就业技能培训"): "70", "loaded": _loaded(
            other.get(training_url(longling)))}).status_code == 302
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "岗位技能提升培训"): "120", "loaded": loaded})
    assert response.status_code == 302
    figures = {(f.target_group, f.training_type): f.trained for f in
               TrainingFigure.objects.filter(org_unit=longling)}
    assert figures == {("脱贫人口", "就业技能培训"): 70, ("企业职工", "岗位技能提升培训"): 120}


def test_a_page_save_of_a_cell_changed_meanwhile_is_refused_beside_it_then_taken(client, clerk,
                                                                               longling):
    page = client.get(training_url(longling))
    loaded = _loaded(page)
    other = Client()
    other.force_login(member(longling))
    other.post(training_url(longling), {cell("trained", "企业职工", "岗位技能提升培训"): "80",
                                        "loaded": loaded})
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "岗位技能提升培训"): "120", "loaded": loaded})
    assert response.status_code == 400
    assert "已被他人修改，现为 80" in response.content.decode()
    assert TrainingFigure.objects.get(org_unit=longling).trained == 80
    # The page now shows what the user typed and carries the numbers stored now: saving again
    # is a decision taken knowingly.
    response = client.post(training_url(longling), {
        cell("trained", "企业职工", "岗位技能提升培训"): "120", "loaded": _loaded(response)})
    assert response.status_code == 302
    assert TrainingFigure.objects.get(org_unit=longling).trained == 120


def test_grid_html_escapes_labels_values_and_errors_and_sums_the_totals():
    """The grid's tables are built in Python (#25): a label an administrator typed into an
    option list, a value posted back and an error message are escaped as the template did;
    a disabled cell shows a dash and counts nothing; the totals add up."""
    from targets.grid import Axis, Block, GridSpec, grid_html
    from training.models import TrainingFigure

    spec = GridSpec(
        model=TrainingFigure, app="training",
        rows=Axis("target_group", "对象", (("a", "<b>甲&乙</b>"), ("b", "丙"))),
        cols=Axis("training_type", "类型", (("x", "X\"1"), ("y", "Y"))),
        blocks=(Block("trained", "培训<人次>"),),
        cell_enabled=lambda row, col: (row, col) != ("b", "y"))
    raw = {"trained~a~x": "3", "trained~a~y": "<script>", "trained~b~x": "4"}
    html = grid_html(spec, raw, {"trained~a~y": "不是<整数>"}, locked=True,
                     row_axis_label="对象", col_axis_label="类型")

    assert "<b>" not in html and "<script>" not in html and "<整数>" not in html
    assert "&lt;b&gt;甲&amp;乙&lt;/b&gt;" in html and 'value="&lt;script&gt;"' in html
    assert 'aria-label="培训&lt;人次&gt; &lt;b&gt;甲&amp;乙&lt;/b&gt; X&quot;1"' in html
    assert 'aria-invalid="true" aria-describedby="trained~a~y-error"' in html
    assert html.count(" disabled>") + html.count(" disabled aria-invalid") == 3  # locked
    assert html.count('<td class="num disabled"') == 1
    assert '<td class="num total" data-row-total>3</td>' in html  # "<script>" counts 0
    assert '<td class="num total" data-row-total>4</td>' in html
    assert '<td class="num" data-grand-total>7</td>' in html


MAX_GRID_PAGE_QUERIES = 10


def test_the_grid_opens_on_the_clerks_own_unit_in_a_bounded_number_of_queries(
        client, clerk, longling, django_assert_max_num_queries):
    """Opened without a unit, the grid shows the clerk's own; the unit, the chooser's list and
    whether the unit's own figures may be entered come from one query (#25)."""
    client.get(training_url(longling))  # the month's lists and schedules read once
    with django_assert_max_num_queries(MAX_GRID_PAGE_QUERIES):
        page = client.get(f"/entry/training/?month={MONTH}")
    assert page.status_code == 200
    assert f'<option value="{longling.pk}" selected>' in page.content.decode()
    assert client.get("/entry/training/?unit=abc").status_code == 403
    assert client.get("/entry/training/?unit=0").status_code == 403
