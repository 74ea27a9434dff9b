"""Issue #17: files as they come from real offices — legacy .xls and Chinese CSV through the
same upload → preview → confirm road as .xlsx; headings and names as people write them (the
quota table typed from scratch with 县（市、区）, 职业技能培训（人次）, 其中：新增高技能人才（人）
and 温州经开区); names chosen once in the preview and remembered; a hostile corpus of both
formats refused with a message, never a server error or a half-saved import."""

from __future__ import annotations

import datetime as dt
import io
import random

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from audit.models import AuditEntry
from imports import services
from imports.choices import ImportStatus
from imports.files import read_file
from imports.models import ImportBatch
from imports.reader import ImportRefused, text
from org.models import Membership, NameAlias
from targets.models import Indicator, Plan, Target
from tests import legacy_corpus as legacy
from tests import xlsx_corpus as corpus
from tests.conftest import unit
from tests.factories import UserFactory
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db
FORMATS = ("xlsx", "xls", "csv")
NAMES = {"xlsx": "report.xlsx", "xls": "report.xls", "csv": "report.csv"}
ROWS = [
    ["龙陵县", "2024-05", "脱贫人口", "就业技能培训", "康养云师傅", "是", 40, 30, 35, 30],
    ["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 60, 0, 50, 0],
    ["龙陵县", "2024-06", "企业职工", "岗位技能提升培训", "", "否", 1200, 0, 1100, 0],
]
# Wenzhou's 14 regions as a partner department types them, from the seed's annex 1.
REGIONS = [
    ("鹿城区", 12000, 8000, 2200), ("龙湾区", 10800, 7200, 2200), ("瓯海区", 12000, 8000, 2200),
    ("洞头区", 1800, 1200, 400), ("乐清市", 16200, 10800, 4000), ("瑞安市", 16200, 10800, 4000),
    ("永嘉县", 13200, 8800, 2300), ("文成县", 3600, 2400, 400), ("平阳县", 12600, 8400, 2300),
    ("泰顺县", 3600, 2400, 400), ("苍南县", 8300, 5500, 1500), ("龙港市", 5500, 3700, 900),
    ("瓯江口新区", 600, 400, 200), ("温州经开区", 3600, 2400, 1000),
]


@pytest.fixture
def clerk(longling):
    user = UserFactory(username="longling_files")
    Membership.objects.create(user=user, org_unit=longling, role="data_entry")
    return user


@pytest.fixture
def plan():
    plan = Plan.objects.get(code="wenzhou-2021")
    Target.objects.filter(plan=plan, parent__isnull=False).delete()  # the city targets alone
    return plan


@pytest.fixture
def officer():
    user = UserFactory(username="wenzhou_files_admin")
    Membership.objects.create(user=user, org_unit=unit("全国/浙江省/温州市"), role="admin")
    return user


def training_file(fmt: str, rows=ROWS) -> bytes:
    return legacy.as_format(fmt, [corpus.TRAINING_HEADER, *rows])


def upload(user, data: bytes, name: str, kind="training", **options) -> ImportBatch:
    return services.upload(user=user, kind=kind, basis="month", file_name=name, data=data,
                           options=options or None)


def quota_table(fmt: str) -> bytes:
    """The table of the issue: a merged title, 序号, the usual headings, a 合计 row, a note."""
    rows = [["序号", "县（市、区）", "职业技能培训（人次）", "新增技能人才（人）",
             "其中：新增高技能人才（人）"],
            *[[i, *r] for i, r in enumerate(REGIONS, start=1)],
            ["合计", "", 120000, 80000, 24000],
            ["注：培训数以纳入省职业能力一体化平台的职业技能培训人数确定。"]]
    return legacy.as_format(fmt, rows, above=[["2021年职业技能提升行动指标分解表", "", "", "", ""]],
                            **({"merged": ("A1:E1",)} if fmt != "csv" else {}))


def refused(user, data: bytes, name: str) -> str:
    batch = upload(user, data, name)
    assert batch.status == ImportStatus.REFUSED, (batch.status, batch.errors)
    assert batch.content is None and not TrainingFigure.objects.exists()
    return batch.message


def normalised(sheet) -> list[list[str]]:
    rows = [[text(v) for v in row] for row in sheet.rows]
    return [row[: max((i + 1 for i, v in enumerate(row) if v), default=0)] for row in rows
            if any(row)]


# --- reading ---------------------------------------------------------------------------------
def test_an_xls_reads_as_its_xlsx_twin():
    rows = [corpus.TRAINING_HEADER, *ROWS]
    [from_xls] = read_file(legacy.xls(rows), "a.xls")
    [from_xlsx] = read_file(corpus.xlsx(rows), "a.xlsx")
    assert normalised(from_xls) == normalised(from_xlsx)


def test_a_gb18030_csv_reads_as_its_xlsx_twin():
    rows = [corpus.TRAINING_HEADER, *ROWS]
    [from_csv] = read_file(legacy.csv_file(rows), "a.csv")
    [from_xlsx] = read_file(corpus.xlsx(rows), "a.xlsx")
    assert normalised(from_csv) == normalised(from_xlsx)


def test_an_xls_date_cell_reads_as_a_date():
    [sheet] = read_file(legacy.xls([["月份"], [dt.date(2024, 5, 1)]]), "a.xls")
    assert sheet.rows[1][0] == dt.date(2024, 5, 1)


def test_an_xls_merged_title_fills_its_span():
    [sheet] = read_file(legacy.xls([["a", "b", "c"]], above=[["标题", "", ""]],
                                   merged=("A1:C1",)), "a.xls")
    assert sheet.rows[0] == ["标题", "标题", "标题"]


def test_an_xls_hidden_sheet_is_marked_hidden():
    sheets = read_file(legacy.xls([["a"]], extra_sheets={"下拉选项": [["x"]]},
                                  hidden=("下拉选项",)), "a.xls")
    assert [(s.name, s.hidden) for s in sheets] == [("填报", False), ("下拉选项", True)]


def test_an_xls_of_70000_rows_is_read_over_its_two_sheets():
    sheets = read_file(legacy.xls([["n"], *([i] for i in range(70_000))]), "a.xls")
    assert [len(s.rows) for s in sheets] == [65_536, 4_466]  # the header again on the second


def test_an_xls_report_over_two_sheets_imports_whole_and_names_each_sheet(clerk, longling):
    rows = [list(r) for r in ROWS]
    data = legacy.xls([corpus.TRAINING_HEADER, *rows], title="培训月报", per_sheet=3)
    batch = upload(clerk, data, "report.xls")
    assert batch.error_count == 0 and batch.created == 3, batch.errors
    rows[2][6] = "很多"
    bad = upload(clerk, legacy.xls([corpus.TRAINING_HEADER, *rows], title="培训月报",
                                   per_sheet=3), "report.xls")
    assert [(e["sheet"], e["row"]) for e in bad.errors] == [("培训月报-2", 2)]
    services.confirm(batch, user=clerk)
    assert len(_saved_training(longling)) == 3


def test_an_xls_renamed_xlsx_is_read_as_what_it_is():
    [sheet] = read_file(legacy.xls([["单位"], ["龙陵县"]]), "renamed.xlsx")
    assert sheet.rows[1] == ["龙陵县"]


@pytest.mark.parametrize("encoding,bom", [("utf-8", False), ("utf-8", True), ("gb18030", False),
                                          ("gbk", False)])
def test_a_csv_in_each_chinese_encoding_is_detected(encoding, bom):
    [sheet] = read_file(legacy.csv_file([["县（市、区）", "培训数"], ["瓯江口新区", "1,200"]],
                                        encoding=encoding, bom=bom), "a.csv")
    assert sheet.rows == [["县（市、区）", "培训数"], ["瓯江口新区", "1,200"]]


def test_a_gb18030_csv_keeps_characters_beyond_gbk():
    [sheet] = read_file(legacy.csv_file([["单位"], ["𠀀镇"]], encoding="gb18030"), "a.csv")
    assert sheet.rows[1] == ["𠀀镇"]


def test_a_utf16_tab_separated_csv_as_excel_saves_unicode_text():
    data = "单位\t培训人次\r\n龙陵县\t40\r\n".encode("utf-16")
    [sheet] = read_file(data, "a.txt")
    assert sheet.rows == [["单位", "培训人次"], ["龙陵县", "40"]]


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_a_csv_delimiter_is_sniffed(delimiter):
    [sheet] = read_file(legacy.csv_file([["单位", "月份", "培训人次"], ["龙陵县", "2024-05", "40"]],
                                        delimiter=delimiter), "a.csv")
    assert sheet.rows[1] == ["龙陵县", "2024-05", "40"]


def test_a_csv_quoted_cell_keeps_its_comma_and_line_break():
    data = '单位,备注\r\n龙陵县,"一行,\r\n两行"\r\n'.encode("gb18030")
    [sheet] = read_file(data, "a.csv")
    assert sheet.rows[1] == ["龙陵县", "一行,\r\n两行"]


def test_a_csv_without_its_name_is_recognised_by_its_content():
    [sheet] = read_file(legacy.csv_file([["单位"], ["龙陵县"]]), "upload")
    assert sheet.name == "upload" and sheet.rows[1] == ["龙陵县"]


# --- one road for the three formats ----------------------------------------------------------
def _saved_training(longling) -> list[tuple]:
    return sorted(TrainingFigure.objects.filter(org_unit=longling).values_list(
        "period", "target_group", "training_type", "trained", "persons", "completed", "certified",
        "subsidised"))


def test_the_monthly_report_imports_identically_from_xlsx_xls_and_csv(clerk, longling):
    previews, saved = {}, {}
    for fmt in FORMATS:
        batch = upload(clerk, training_file(fmt), NAMES[fmt])
        assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
        previews[fmt] = (batch.rows, batch.created, batch.updated, batch.changes)
        services.confirm(batch, user=clerk)
        saved[fmt] = _saved_training(longling)
        TrainingFigure.objects.all().delete()
    assert previews["xlsx"] == previews["xls"] == previews["csv"]
    assert saved["xlsx"] == saved["xls"] == saved["csv"] and len(saved["csv"]) == 3


def test_the_quota_table_imports_identically_from_xlsx_xls_and_csv(plan, officer):
    city = unit("全国/浙江省/温州市")
    NameAlias.objects.create(kind="unit", text="温州经开区", scope=city, created_by=officer,
                             org_unit=unit("全国/浙江省/温州市/温州经济技术开发区"))
    NameAlias.objects.create(kind="unit", text="瓯江口新区", scope=city, created_by=officer,
                             org_unit=unit_named("瓯江口产业集聚区"))
    previews, saved = {}, {}
    for fmt in FORMATS:
        batch = upload(officer, quota_table(fmt), NAMES[fmt], kind="quota", plan=plan.pk)
        assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
        previews[fmt] = (batch.rows, batch.created, batch.changes, batch.warnings)
        services.confirm(batch, user=officer)
        saved[fmt] = sorted(Target.objects.filter(plan=plan, parent__isnull=False).values_list(
            "parent__code", "org_unit__name", "value"))
        Target.objects.filter(plan=plan, parent__isnull=False).delete()
    assert previews["xlsx"] == previews["xls"] == previews["csv"]
    assert saved["xlsx"] == saved["xls"] == saved["csv"] and len(saved["csv"]) == 42


def unit_named(name):
    from org.models import OrgUnit

    return OrgUnit.objects.get(name=name)


def test_the_plan_target_file_imports_identically_from_xlsx_xls_and_csv(client):
    officer = UserFactory(username="longling_files_targets")
    Membership.objects.create(user=officer, org_unit=unit("全国/云南省/保山市/龙陵县"), role="admin")
    client.force_login(officer)
    exported = load_workbook(io.BytesIO(
        client.get("/imports/export/targets.xlsx?plan=longling-2022").content)).active
    rows = [[c.value for c in row] for row in exported.iter_rows()]
    header = rows[0]
    rows[1][header.index("目标值")] = 99999  # one change to preview and save
    previews, saved = {}, {}
    for fmt in FORMATS:
        batch = upload(officer, legacy.as_format(fmt, rows), f"targets.{fmt}", kind="targets")
        assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
        previews[fmt] = (batch.rows, batch.created, batch.updated, batch.unchanged, batch.changes)
        saved[fmt] = sorted(Target.objects.filter(plan__code="longling-2022").values_list(
            "code", "value", "period_start", "period_end"))
    assert previews["xlsx"] == previews["xls"] == previews["csv"]
    assert previews["csv"][2] == 1  # the changed value, in each format alike
    assert saved["xlsx"] == saved["xls"] == saved["csv"]


@pytest.mark.parametrize("fmt", ["xls", "csv"])
def test_an_xls_or_csv_upload_through_the_page_previews_and_confirms(client, clerk, longling, fmt):
    client.force_login(clerk)
    response = client.post("/imports/", {
        "kind": "training", "basis": "month",
        "file": _named(training_file(fmt), NAMES[fmt])})
    assert response.status_code == 302
    batch = ImportBatch.objects.get(uploaded_by=clerk)
    assert batch.status == ImportStatus.PREVIEWED and batch.created == 3, batch.errors
    client.post(f"/imports/{batch.pk}/action/", {"action": "confirm"})
    assert len(_saved_training(longling)) == 3


def _named(data: bytes, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data)


@pytest.mark.parametrize("fmt", ["xls", "csv"])
def test_the_same_xls_or_csv_again_changes_nothing(clerk, fmt):
    services.confirm(upload(clerk, training_file(fmt), NAMES[fmt]), user=clerk)
    again = upload(clerk, training_file(fmt), NAMES[fmt])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_a_csv_formula_cell_stays_text_and_is_an_error_with_its_place(clerk):
    rows = [list(ROWS[0])]
    rows[0][6] = "=SUM(G3:G9)"
    batch = upload(clerk, training_file("csv", rows), "report.csv")
    assert batch.error_count == 1 and batch.errors[0]["row"] == 2
    assert "=SUM(G3:G9)" in batch.errors[0]["message"] and not TrainingFigure.objects.exists()


def test_an_xls_row_error_names_its_row_and_column_and_saves_nothing(clerk):
    rows = [list(ROWS[0]), list(ROWS[1])]
    rows[1][6] = "很多"
    batch = upload(clerk, training_file("xls", rows), "report.xls")
    assert batch.error_count == 1 and batch.errors[0]["row"] == 3
    assert batch.errors[0]["column"].startswith("G")
    with pytest.raises(ValidationError):
        services.confirm(batch, user=clerk)
    assert not TrainingFigure.objects.exists()


# --- headings and names as people write them (the Done-when table) ---------------------------
@pytest.mark.parametrize("fmt", FORMATS)
def test_the_wenzhou_table_from_xlsx_xls_or_csv_previews_once_two_names_are_chosen(plan, officer,
                                                                                  fmt):
    batch = upload(officer, quota_table(fmt), NAMES[fmt], kind="quota", plan=plan.pk)
    # Headings all understood; only the two names are unknown, each offered for a choice.
    assert {e["message"].split("」")[0] for e in batch.errors} == {"未找到单位「瓯江口新区",
                                                                   "未找到单位「温州经开区"}
    offered = {n["text"]: n for n in batch.names}
    assert set(offered) == {"瓯江口新区", "温州经开区"}
    for name in offered.values():  # each candidate once
        assert len({pk for pk, _label in name["candidates"]}) == len(name["candidates"])
    kaifaqu = unit("全国/浙江省/温州市/温州经济技术开发区")
    oujiangkou = unit_named("瓯江口产业集聚区")
    assert kaifaqu.pk in [pk for pk, _ in offered["温州经开区"]["candidates"]]
    assert oujiangkou.pk in [pk for pk, _ in offered["瓯江口新区"]["candidates"]]

    batch = services.choose_names(batch, user=officer, choices={
        "unit:温州经开区": str(kaifaqu.pk), "unit:瓯江口新区": str(oujiangkou.pk)})
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
    assert (batch.rows, batch.created) == (14, 42) and not batch.names
    services.confirm(batch, user=officer)
    assert Target.objects.get(parent__code="training-2021", parent__plan=plan,
                              org_unit=kaifaqu).value == 3600

    second = upload(officer, quota_table(fmt), NAMES[fmt], kind="quota", plan=plan.pk)
    assert second.error_count == 0 and not second.names  # no choice the second time
    assert (second.created, second.unchanged) == (0, 42)


def test_a_name_chosen_in_a_csv_preview_is_an_audited_alias_kept_for_the_choosers_unit(plan,
                                                                                    officer):
    batch = upload(officer, quota_table("csv"), "q.csv", kind="quota", plan=plan.pk)
    kaifaqu = unit("全国/浙江省/温州市/温州经济技术开发区")
    services.choose_names(batch, user=officer, choices={"unit:温州经开区": str(kaifaqu.pk)})
    alias = NameAlias.objects.get(text="温州经开区")
    assert (alias.org_unit, alias.scope, alias.created_by) == (kaifaqu, unit("全国/浙江省/温州市"),
                                                               officer)
    entry = AuditEntry.objects.filter(object_id=str(alias.pk)).latest("pk")
    assert entry.actor == officer and "导入预览" in entry.note


def test_an_alias_from_a_csv_preview_serves_only_below_the_unit_it_was_kept_for(plan, officer):
    batch = upload(officer, quota_table("csv"), "q.csv", kind="quota", plan=plan.pk)
    kaifaqu = unit("全国/浙江省/温州市/温州经济技术开发区")
    services.choose_names(batch, user=officer, choices={"unit:温州经开区": str(kaifaqu.pk)})
    lucheng_clerk = UserFactory(username="lucheng_files")
    Membership.objects.create(user=lucheng_clerk, org_unit=unit("全国/浙江省/温州市/鹿城区"),
                              role="data_entry")
    elsewhere = UserFactory(username="longling_files_other")
    Membership.objects.create(user=elsewhere, org_unit=unit("全国/云南省/保山市/龙陵县"),
                              role="data_entry")
    assert NameAlias.objects.for_user(lucheng_clerk).filter(text="温州经开区").exists()
    assert not NameAlias.objects.for_user(elsewhere).exists()


def test_a_csv_name_choice_outside_the_offered_candidates_is_refused(plan, officer):
    batch = upload(officer, quota_table("csv"), "q.csv", kind="quota", plan=plan.pk)
    with pytest.raises(ValidationError, match="候选"):
        services.choose_names(batch, user=officer,
                              choices={"unit:温州经开区": str(unit("全国/浙江省/温州市/鹿城区").pk)})
    assert not NameAlias.objects.exists()


def test_only_the_uploader_chooses_names_for_a_csv_preview(plan, officer):
    batch = upload(officer, quota_table("csv"), "q.csv", kind="quota", plan=plan.pk)
    other = UserFactory(username="wenzhou_files_other")
    Membership.objects.create(user=other, org_unit=unit("全国/浙江省/温州市"), role="admin")
    with pytest.raises(PermissionDenied):
        services.choose_names(batch, user=other, choices={"unit:温州经开区": "1"})


def test_names_are_chosen_on_the_csv_preview_page(client, plan, officer):
    batch = upload(officer, quota_table("csv"), "q.csv", kind="quota", plan=plan.pk)
    client.force_login(officer)
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert 'id="import-names"' in page and "温州经开区" in page and "温州经济技术开发区" in page
    kaifaqu = unit("全国/浙江省/温州市/温州经济技术开发区")
    oujiangkou = unit_named("瓯江口产业集聚区")
    response = client.post(f"/imports/{batch.pk}/action/", {
        "action": "names", "name:unit:温州经开区": kaifaqu.pk, "name:unit:瓯江口新区": oujiangkou.pk})
    assert response.status_code == 302
    batch.refresh_from_db()
    assert batch.error_count == 0 and batch.created == 42


def test_suggestions_for_an_unknown_name_in_a_csv_are_listed_once_each(clerk):
    rows = [list(ROWS[0])]
    rows[0][0] = "龙陵新区"
    batch = upload(clerk, training_file("csv", rows), "r.csv")
    message = batch.errors[0]["message"]
    listed = message.split("最接近的有：")[1].split("（可在下方")[0].split("、")
    assert len(listed) == len(set(listed))


def test_a_csv_heading_note_that_is_not_a_unit_is_kept():
    from imports.reader import header_key, unit_note

    assert header_key("县（市、区）") == "县(市、区)" and unit_note("县（市、区）") == ""
    assert header_key("职业技能培训（人次）") == header_key("职业技能培训(人次)") == "职业技能培训"
    assert unit_note("培训数（万人次）") == "万人次"


@pytest.mark.parametrize("heading", ["县（市、区）", "县(市、区)", "地区", "单位", "区县"])
def test_each_region_heading_works_in_a_csv_quota_table(plan, officer, heading):
    rows = [[heading, "培训数"], ["鹿城区", 12000]]
    batch = upload(officer, legacy.csv_file(rows), "q.csv", kind="quota", plan=plan.pk)
    assert batch.error_count == 0, batch.errors
    assert batch.created == 1


def test_a_csv_unit_note_in_either_width_scales_the_numbers(plan, officer):
    rows = [["地区", "培训数（万人次）", "取证数(万人)"], ["鹿城区", "1.2", "0.8"]]
    batch = upload(officer, legacy.csv_file(rows), "q.csv", kind="quota", plan=plan.pk)
    assert batch.error_count == 0, batch.errors
    assert sorted(c["after"] for c in batch.changes) == ["12,000", "8,000"]


def test_a_synonym_added_through_the_api_is_matched_by_an_xls_import(client, plan, officer):
    curator = UserFactory(username="zhejiang_curator")
    Membership.objects.create(user=curator, org_unit=unit("全国/浙江省"), role="admin")
    training = Indicator.objects.get(code="training_person_times")
    rows = [["地区", "技能培训任务数"], ["鹿城区", 12000]]
    before = upload(officer, legacy.xls(rows), "q.xls", kind="quota", plan=plan.pk)
    assert before.error_count == 1 and "技能培训任务数" in before.errors[0]["message"]

    client.force_login(curator)
    response = client.patch(f"/api/v1/indicators/{training.pk}/",
                            {"synonyms": [*training.synonyms, "技能培训任务数"]},
                            content_type="application/json")
    assert response.status_code == 200, response.content
    assert "技能培训任务数" in response.json()["synonyms"]
    after = upload(officer, legacy.xls(rows), "q.xls", kind="quota", plan=plan.pk)
    assert after.error_count == 0 and after.created == 1


def test_a_synonym_that_names_another_indicator_is_refused_for_xls_and_csv_alike(client):
    curator = UserFactory(username="zhejiang_curator2")
    Membership.objects.create(user=curator, org_unit=unit("全国/浙江省"), role="admin")
    training = Indicator.objects.get(code="training_person_times")
    client.force_login(curator)
    response = client.patch(f"/api/v1/indicators/{training.pk}/", {"synonyms": ["取证数"]},
                            content_type="application/json")
    assert response.status_code == 400
    assert "取证数" in response.json()["synonyms"][0]
    clerk = UserFactory(username="lucheng_curator_not")
    Membership.objects.create(user=clerk, org_unit=unit("全国/浙江省/温州市/鹿城区"),
                              role="data_entry")
    client.force_login(clerk)
    assert client.patch(f"/api/v1/indicators/{training.pk}/", {"synonyms": ["x"]},
                        content_type="application/json").status_code == 403


def test_synonyms_for_xls_and_csv_headings_are_edited_one_per_line_in_the_admin(admin_client):
    training = Indicator.objects.get(code="training_person_times")
    page = admin_client.get(f"/admin/targets/indicator/{training.pk}/change/").content.decode()
    assert "培训数\n" in page or "培训数\r\n" in page
    from targets.admin import HeadingsField

    assert HeadingsField().clean("技能培训任务数\n培训量、 培训任务") == [
        "技能培训任务数", "培训量", "培训任务"]


def test_a_clerk_uploading_xls_or_csv_is_offered_no_quota_table_fields(client, clerk):
    client.force_login(clerk)
    page = client.get("/imports/").content.decode()
    assert 'value="quota"' not in page and 'value="targets"' not in page
    assert 'accept=".xlsx,.xls,.csv,.txt"' in page


def test_the_quota_fields_are_marked_for_the_quota_kind_only_beside_xls_and_csv(client, officer):
    client.force_login(officer)
    page = client.get("/imports/").content.decode()
    assert 'value="quota"' in page and 'data-kinds="quota"' in page
    assert page.count('data-kinds="quota"') == 3  # plan, indicator, year


# --- the hostile corpus ----------------------------------------------------------------------
HOSTILE_XLS = [
    (legacy.xls_with_looping_chain, "循环"),
    (legacy.xls_with_sector_past_the_end, "文件末尾之外"),
    (legacy.xls_with_huge_stream, "超过文件本身"),
    (legacy.xls_with_huge_fat_count, "超过文件本身"),
    (legacy.xls_encrypted, "密码"),
    (legacy.xls_as_encrypted_ooxml, "密码"),
    (legacy.xls_as_word_document, "不是 Excel 工作簿"),
    (legacy.xls_with_huge_string_table, "共享字符串表"),
    (legacy.xls_with_huge_dimensions, "超过单个文件上限"),
]


@pytest.mark.parametrize("change,words", HOSTILE_XLS, ids=[c.__name__ for c, _w in HOSTILE_XLS])
def test_a_hostile_xls_is_refused_with_its_own_message(clerk, change, words):
    assert words in refused(clerk, change(training_file("xls")), "report.xls")


@pytest.mark.parametrize("cut", [512, 1024, 3000, -200])
def test_a_truncated_xls_is_refused_or_read_never_a_server_error(clerk, cut):
    data = training_file("xls")
    batch = upload(clerk, data[:cut], "report.xls")
    assert batch.status in (ImportStatus.REFUSED, ImportStatus.PREVIEWED)
    assert not TrainingFigure.objects.exists()


def test_random_bytes_with_the_xls_signature_are_refused(clerk):
    noise = random.Random(17).randbytes(8192)
    message = refused(clerk, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + noise, "report.xls")
    assert "文件已损坏" in message


def test_binary_junk_named_csv_is_refused(clerk):
    assert "二进制" in refused(clerk, random.Random(7).randbytes(4096), "report.csv")


def test_a_100_mb_csv_line_is_refused_before_it_is_read(clerk):
    batch = upload(clerk, b"a" * (100 * 2**20), "huge.csv")
    assert batch.status == ImportStatus.REFUSED and "超过上限" in batch.message
    assert batch.content is None


def test_a_csv_cell_beyond_the_field_limit_is_refused_with_its_line(clerk, settings):
    settings.IMPORT_ASYNC_BYTES = 10 * 2**20  # checked in the request, as a worker would
    data = "单位,备注\r\n龙陵县,".encode() + b"x" * (2 * 2**20) + b"\r\n"
    assert "第 2 行" in refused(clerk, data, "report.csv")


def test_a_csv_of_mixed_encodings_is_refused_naming_a_line_of_each(clerk):
    data = (legacy.csv_file([corpus.TRAINING_HEADER], encoding="utf-8")
            + legacy.csv_file(ROWS, encoding="gb18030"))
    message = refused(clerk, data, "report.csv")
    assert "第 1 行是 UTF-8" in message and "第 2 行是 GBK" in message


def test_a_csv_in_no_known_encoding_is_refused(clerk):
    data = "单位\r\n".encode() + b"\xff\xfe\xfd\x80\r\n"
    assert "编码" in refused(clerk, data, "report.csv")


def test_an_html_table_named_xls_is_refused_as_a_web_page(clerk):
    data = "<html><body><table><tr><td>单位</td></tr></table></body></html>".encode()
    assert "网页" in refused(clerk, data, "export.xls")


def test_an_empty_csv_is_refused(clerk):
    assert "空" in refused(clerk, b"\r\n\r\n", "report.csv")


def test_a_csv_with_too_many_rows_is_refused(clerk, settings):
    settings.IMPORT_MAX_ROWS = 10
    data = legacy.csv_file([corpus.TRAINING_HEADER, *([ROWS[0]] * 20)])
    assert "超过单个文件上限" in refused(clerk, data, "report.csv")


def test_an_xls_with_too_many_sheets_is_refused(clerk, settings):
    settings.IMPORT_MAX_SHEETS = 2
    data = legacy.xls([corpus.TRAINING_HEADER], extra_sheets={"a": [[1]], "b": [[2]]})
    assert "工作表" in refused(clerk, data, "report.xls")


def test_reading_an_xls_refusal_is_an_import_refused_not_an_exception_of_the_reader():
    with pytest.raises(ImportRefused):
        read_file(legacy.xls_with_looping_chain(training_file("xls")), "a.xls")
