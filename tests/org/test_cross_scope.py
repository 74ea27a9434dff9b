"""Nobody touches another unit's or another sector's data, on any path.

Two intruders: a 鹿城区 clerk who tries 龙湾区's data, and a 市应急管理局 uploader (温州市) who
tries another department's (市人社局's) data. On every path — pages (target detail, entry
grids, competition/award/carrier forms), the REST API, Excel import and export, the admin, the
dashboard and bulletins, the reporting workflow and the audit trail — each attempt must be
refused (403/404 or a Chinese error), save nothing, and never show the data. Guessing an id
answers 404/403 like an id that does not exist.
"""

import datetime as dt

import pytest

from certification.forms import CERTIFICATE_GRID
from certification.models import CertificateFigure
from competitions.models import Award, Competition
from org.models import Department, Membership
from skills_portal.identity import id_number_check_char
from targets.models import DataValue, Indicator, Target
from tests.factories import UserFactory
from training.forms import TRAINING_GRID
from training.models import TrainingCarrier, TrainingFigure

pytestmark = pytest.mark.django_db

MAY = dt.date(2024, 5, 1)
SECRET = 7777  # a figure only the owner may see
FIRST17 = "33030319800101555"
ID_NUMBER = FIRST17 + id_number_check_char(FIRST17)
REFUSED = (400, 403, 404)


def member(org_unit, role="data_entry", department=None, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, org_unit=org_unit, role=role, department=department)
    return user


def figure_values(org_unit, department=None):
    group, ttype = next(TRAINING_GRID.cells())
    return {"org_unit": org_unit, "department": department, "period": MAY,
            "target_group": group, "training_type": ttype, "trained": SECRET}


@pytest.fixture
def world(wenzhou, lucheng, longwan):
    """龙湾区's records and 市人社局's records, and the two intruders."""
    emergency = Department.objects.get(org_unit=wenzhou, name="市应急管理局")
    hrss = Department.objects.filter(org_unit=wenzhou, sector="hrss").first()
    assert hrss is not None
    cert_type, level = next(CERTIFICATE_GRID.cells())
    competition = Competition.objects.create(
        name="龙湾区焊工技能竞赛", level="县级", organiser_unit=longwan,
        start_date=dt.date(2024, 5, 10), end_date=dt.date(2024, 5, 11), participants=SECRET)
    manual = Indicator.objects.filter(source="manual").first()
    w = {
        "lucheng": lucheng, "longwan": longwan, "wenzhou": wenzhou, "hrss": hrss,
        "emergency": emergency,
        "clerk": member(lucheng, username="lc_intruder"),
        "uploader": member(wenzhou, department=emergency, username="em_intruder"),
        "figure": TrainingFigure.objects.create(**figure_values(longwan)),
        "hrss_figure": TrainingFigure.objects.create(**figure_values(wenzhou, hrss)),
        "certificate": CertificateFigure.objects.create(
            org_unit=longwan, period=MAY, certificate_type=cert_type, level=level,
            count=SECRET),
        "competition": competition,
        "award": Award.objects.create(
            competition=competition, medal="金牌", recipient_kind="individual",
            recipient_name="龙湾获奖人", recipient_id_number=ID_NUMBER, org_unit=longwan,
            awarded_on=dt.date(2024, 5, 11)),
        "hrss_award": Award.objects.create(
            competition=None, medal="无", honour_title="技术能手", honour_level="市级",
            recipient_kind="individual", recipient_name="人社局获奖人",
            recipient_id_number=ID_NUMBER, org_unit=wenzhou, department=hrss,
            awarded_on=dt.date(2024, 5, 11)),
        "carrier": TrainingCarrier.objects.create(
            name="龙湾区实训基地", carrier_type="公共实训基地", level="国家级", org_unit=longwan,
            established_on=dt.date(2023, 1, 1)),
        "value": DataValue.objects.create(indicator=manual, org_unit=longwan, period=MAY,
                                          value=SECRET),
        "hrss_value": DataValue.objects.create(indicator=manual, org_unit=wenzhou,
                                               department=hrss, period=MAY, value=SECRET),
        "target": Target.objects.filter(org_unit=longwan).select_related("plan").first(),
    }
    assert w["target"] is not None
    return w


def unchanged(obj, **fields):
    fresh = type(obj).objects.get(pk=obj.pk)
    for name, value in fields.items():
        assert getattr(fresh, name) == value, name


def shows_nothing(response, *texts):
    body = response.content.decode()
    for text in (*texts, ID_NUMBER):
        assert str(text) not in body


# --- pages --------------------------------------------------------------------------------------
def test_target_detail_of_a_sibling_is_404(client, world):
    client.force_login(world["clerk"])
    target = world["target"]
    response = client.get(f"/plans/{target.plan.code}/targets/{target.code}/")
    assert response.status_code == 404


def test_entry_grids_refuse_a_sibling_unit(client, world):
    client.force_login(world["clerk"])
    longwan = world["longwan"]
    for path in ("/entry/training/", "/entry/certificates/"):
        url = f"{path}?unit={longwan.pk}&month=2024-05"
        response = client.get(url)
        assert response.status_code == 403 and "无权填报该机构的数据" in response.content.decode()
        shows_nothing(response, SECRET)
    group, ttype = next(TRAINING_GRID.cells())
    name = TRAINING_GRID.name("trained", group, ttype)
    response = client.post(f"/entry/training/?unit={longwan.pk}&month=2024-05", {name: "1"})
    assert response.status_code == 403
    unchanged(world["figure"], trained=SECRET)


def test_entry_grid_refuses_another_sector_to_a_department_uploader(client, world):
    client.force_login(world["uploader"])
    url = f"/entry/training/?unit={world['wenzhou'].pk}&department={world['hrss'].pk}&month=2024-05"
    response = client.get(url)
    assert response.status_code == 403
    shows_nothing(response, SECRET)
    group, ttype = next(TRAINING_GRID.cells())
    response = client.post(url, {TRAINING_GRID.name("trained", group, ttype): "1"})
    assert response.status_code == 403
    unchanged(world["hrss_figure"], trained=SECRET)


@pytest.mark.parametrize("path", [
    "/competitions/{competition}/edit/", "/competitions/{competition}/delete/",
    "/competitions/awards/{award}/edit/", "/competitions/awards/{award}/delete/",
    "/entry/carriers/{carrier}/edit/", "/entry/carriers/{carrier}/delete/",
])
def test_record_forms_of_a_sibling_are_404(client, world, path):
    client.force_login(world["clerk"])
    url = path.format(competition=world["competition"].pk, award=world["award"].pk,
                      carrier=world["carrier"].pk)
    response = client.get(url)
    assert response.status_code == 404
    shows_nothing(response, "龙湾获奖人", "龙湾区焊工技能竞赛")
    assert client.post(url, {"name": "改名", "recipient_name": "改名"}).status_code == 404
    assert Award.objects.filter(pk=world["award"].pk, recipient_name="龙湾获奖人").exists()
    assert Competition.objects.filter(pk=world["competition"].pk, name="龙湾区焊工技能竞赛").exists()
    assert TrainingCarrier.objects.filter(pk=world["carrier"].pk).exists()


def test_a_department_uploader_cannot_open_another_departments_award(client, world):
    client.force_login(world["uploader"])
    response = client.get(f"/competitions/awards/{world['hrss_award'].pk}/edit/")
    assert response.status_code == 404
    shows_nothing(response, "人社局获奖人")


def test_new_records_cannot_be_placed_in_a_sibling_unit(client, world):
    client.force_login(world["clerk"])
    before = Award.objects.count(), Competition.objects.count()
    response = client.post("/competitions/awards/new/", {
        "competition": "", "medal": "无", "honour_title": "技术能手", "honour_level": "县级",
        "recipient_kind": "team", "recipient_name": "外区团队", "recipient_id_number": "",
        "org_unit": world["longwan"].pk, "awarded_on": "2024-05-12"})
    assert response.status_code in (200, 400, 403)
    assert "org_unit" in response.context["form"].errors
    response = client.post("/competitions/new/", {
        "name": "外区竞赛", "level": "县级", "organiser_unit": world["longwan"].pk,
        "start_date": "2024-05-01", "end_date": "2024-05-02", "participants": 3})
    assert "organiser_unit" in response.context["form"].errors
    assert (Award.objects.count(), Competition.objects.count()) == before


def test_lists_do_not_show_a_siblings_records(client, world):
    client.force_login(world["clerk"])
    for url in ("/competitions/", "/competitions/awards/", "/entry/carriers/", "/targets/"):
        response = client.get(url)
        assert response.status_code == 200
        shows_nothing(response, "龙湾获奖人", "龙湾区焊工技能竞赛", "龙湾区实训基地")


# --- the REST API ---------------------------------------------------------------------------------
API_DETAILS = [
    ("awards", "award"), ("competitions", "competition"), ("training-figures", "figure"),
    ("certificate-figures", "certificate"), ("training-carriers", "carrier"),
    ("data-values", "value"), ("targets", "target"),
]


@pytest.mark.parametrize(("endpoint", "key"), API_DETAILS)
def test_api_details_of_a_sibling_are_404_and_lists_leave_them_out(client, world, endpoint, key):
    client.force_login(world["clerk"])
    obj = world[key]
    response = client.get(f"/api/v1/{endpoint}/{obj.pk}/")
    assert response.status_code == 404
    shows_nothing(response, SECRET, "龙湾获奖人")
    listed = client.get(f"/api/v1/{endpoint}/", {"page_size": 1000}).json()
    assert obj.pk not in {row["id"] for row in listed["results"]}
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)(f"/api/v1/{endpoint}/{obj.pk}/", {"note": "x"},
                                           content_type="application/json")
        assert response.status_code in (404, 405)
    assert type(obj).objects.filter(pk=obj.pk).exists()


@pytest.mark.parametrize(("endpoint", "key"), [("awards", "hrss_award"),
                                               ("training-figures", "hrss_figure"),
                                               ("data-values", "hrss_value")])
def test_api_details_of_another_sector_are_404(client, world, endpoint, key):
    client.force_login(world["uploader"])
    response = client.get(f"/api/v1/{endpoint}/{world[key].pk}/")
    assert response.status_code == 404
    shows_nothing(response, SECRET, "人社局获奖人")


def test_api_writes_into_a_sibling_unit_are_refused(client, world):
    client.force_login(world["clerk"])
    longwan = world["longwan"]
    group, ttype = next(TRAINING_GRID.cells())
    before = TrainingFigure.objects.count(), Award.objects.count(), DataValue.objects.count()
    response = client.post("/api/v1/training-figures/", {
        "org_unit": longwan.pk, "period": "2024-06", "target_group": group,
        "training_type": ttype, "trained": 5}, content_type="application/json")
    assert response.status_code in REFUSED
    response = client.post("/api/v1/awards/", {
        "medal": "无", "honour_title": "技术能手", "honour_level": "县级",
        "recipient_kind": "team", "recipient_name": "外区团队", "org_unit": longwan.pk,
        "awarded_on": "2024-05-12"}, content_type="application/json")
    assert response.status_code in REFUSED
    response = client.post("/api/v1/data-values/", {
        "indicator": world["value"].indicator_id, "org_unit": longwan.pk, "period": "2024-06",
        "value": "1"}, content_type="application/json")
    assert response.status_code in REFUSED
    assert (TrainingFigure.objects.count(), Award.objects.count(),
            DataValue.objects.count()) == before
    # The same requests for the clerk's own unit succeed: the refusals above are the scope's.
    own = world["lucheng"].pk
    assert client.post("/api/v1/training-figures/", {
        "org_unit": own, "period": "2024-06", "target_group": group, "training_type": ttype,
        "trained": 5}, content_type="application/json").status_code == 201
    assert client.post("/api/v1/awards/", {
        "medal": "无", "honour_title": "技术能手", "honour_level": "县级",
        "recipient_kind": "team", "recipient_name": "本区团队", "org_unit": own,
        "awarded_on": "2024-05-12"}, content_type="application/json").status_code == 201


def test_api_writes_for_another_sector_are_refused(client, world):
    client.force_login(world["uploader"])
    group, ttype = next(TRAINING_GRID.cells())
    before = TrainingFigure.objects.count()
    response = client.post("/api/v1/training-figures/", {
        "org_unit": world["wenzhou"].pk, "department": world["hrss"].pk, "period": "2024-05",
        "target_group": group, "training_type": ttype, "trained": 1},
        content_type="application/json")
    assert response.status_code in REFUSED
    assert TrainingFigure.objects.count() == before
    unchanged(world["hrss_figure"], trained=SECRET)
    assert client.post("/api/v1/training-figures/", {
        "org_unit": world["wenzhou"].pk, "department": world["emergency"].pk,
        "period": "2024-05", "target_group": group, "training_type": ttype, "trained": 1},
        content_type="application/json").status_code == 201  # their own department's


# --- Excel import and export ----------------------------------------------------------------------
def test_an_import_with_a_siblings_rows_saves_nothing(world):
    from django.core.exceptions import ValidationError

    from imports import services
    from tests import xlsx_corpus as corpus

    group, ttype = next(TRAINING_GRID.cells())
    data = corpus.training(["鹿城区", "2024-05", group, ttype, "", "否", 3, 0, 0, 0],
                           ["龙湾区", "2024-05", group, ttype, "", "否", 1, 0, 0, 0])
    batch = services.upload(user=world["clerk"], kind="training", basis="month",
                            file_name="跨区.xlsx", data=data)
    assert batch.error_count == 1
    assert "您无权填报该单位的数据" in batch.errors[0]["message"]
    with pytest.raises(ValidationError):
        services.confirm(batch, user=world["clerk"])
    unchanged(world["figure"], trained=SECRET)
    assert not TrainingFigure.objects.filter(org_unit=world["lucheng"]).exists()


def test_an_import_for_another_sector_saves_nothing(world):
    from imports import services
    from tests import xlsx_corpus as corpus

    group, ttype = next(TRAINING_GRID.cells())
    header = ["单位", "部门", "月份", "培训对象", "培训类型", "培训人次"]
    data = corpus.xlsx([header, ["温州市", world["hrss"].name, "2024-05", group, ttype, 1]])
    batch = services.upload(user=world["uploader"], kind="training", basis="month",
                            file_name="他部门.xlsx", data=data)
    assert batch.error_count == 1 and "您无权填报该部门的数据" in batch.errors[0]["message"]
    unchanged(world["hrss_figure"], trained=SECRET)


def test_another_users_import_is_404(client, world):
    from imports import services
    from tests import xlsx_corpus as corpus

    owner = member(world["longwan"])
    group, ttype = next(TRAINING_GRID.cells())
    batch = services.upload(user=owner, kind="training", basis="month", file_name="龙湾.xlsx",
                            data=corpus.training(["龙湾区", "2024-06", group, ttype, "", "否",
                                                  4, 0, 0, 0]))
    client.force_login(world["clerk"])
    assert client.get(f"/imports/{batch.pk}/").status_code == 404
    response = client.post(f"/imports/{batch.pk}/action/", {"action": "confirm"})
    assert response.status_code in (403, 404)
    assert not TrainingFigure.objects.filter(org_unit=world["longwan"], period=dt.date(2024, 6, 1)
                                             ).exists()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("kind", ["training", "certificates"])
def test_exports_leave_out_a_siblings_figures(client, world, kind, fmt):
    client.force_login(world["clerk"])
    response = client.get(f"/imports/export/{kind}.{fmt}", {"unit": world["longwan"].pk})
    if response.status_code == 200:
        content = b"".join(response.streaming_content) if response.streaming else response.content
        if fmt == "xlsx":
            import io

            from openpyxl import load_workbook

            book = load_workbook(io.BytesIO(content), read_only=True)
            values = [v for ws in book.worksheets for row in ws.iter_rows(values_only=True)
                      for v in row]
            assert SECRET not in values and "龙湾区" not in values
        else:
            text = content.decode("utf-8-sig")
            assert str(SECRET) not in text and "龙湾区" not in text
    else:
        assert response.status_code in REFUSED


# --- the admin ----------------------------------------------------------------------------------------
ADMIN_PAGES = [
    ("competitions/award", "award"), ("competitions/competition", "competition"),
    ("training/trainingfigure", "figure"), ("certification/certificatefigure", "certificate"),
    ("training/trainingcarrier", "carrier"), ("targets/datavalue", "value"),
    ("targets/target", "target"),
]


@pytest.mark.parametrize(("path", "key"), ADMIN_PAGES)
def test_admin_pages_of_a_siblings_records_are_404(client, world, path, key):
    staff = member(world["lucheng"], role="admin", is_staff=True)
    client.force_login(staff)
    obj = world[key]
    for action in ("change", "delete", "history"):
        response = client.get(f"/admin/{path}/{obj.pk}/{action}/")
        assert response.status_code == 404, action
        shows_nothing(response, SECRET, "龙湾获奖人")
    assert client.post(f"/admin/{path}/{obj.pk}/change/", {"note": "x"}).status_code == 404
    assert client.post(f"/admin/{path}/{obj.pk}/delete/", {"post": "yes"}).status_code == 404
    assert type(obj).objects.filter(pk=obj.pk).exists()
    listing = client.get(f"/admin/{path}/")
    assert listing.status_code == 200
    assert f"/admin/{path}/{obj.pk}/change/" not in listing.content.decode()
    if key == "award":  # the admin's own unit's record opens: the 404 above is the scope's
        own = Award.objects.create(
            competition=None, medal="无", honour_title="技术能手", honour_level="县级",
            recipient_kind="team", recipient_name="本区团队", org_unit=world["lucheng"],
            awarded_on=dt.date(2024, 5, 11))
        assert client.get(f"/admin/{path}/{own.pk}/change/").status_code == 200


@pytest.mark.parametrize(("path", "key"), [("training/trainingfigure", "hrss_figure"),
                                           ("competitions/award", "hrss_award"),
                                           ("targets/datavalue", "hrss_value")])
def test_admin_pages_of_another_sector_are_404(client, world, path, key):
    staff = member(world["wenzhou"], department=world["emergency"], is_staff=True)
    client.force_login(staff)
    response = client.get(f"/admin/{path}/{world[key].pk}/change/")
    assert response.status_code == 404
    shows_nothing(response, SECRET, "人社局获奖人")


# --- dashboard and bulletins --------------------------------------------------------------------------
def test_the_dashboard_api_refuses_a_sibling_unit(client, world):
    client.force_login(world["clerk"])
    target = world["target"]
    response = client.get("/api/v1/dashboard/", {"plan": target.plan.code,
                                                 "unit": world["longwan"].pk, "month": "2024-05"})
    assert response.status_code in (403, 404)


def test_a_siblings_bulletin_is_404_and_cannot_be_issued(client, world):
    from dashboard.models import Bulletin

    target = world["target"]
    bulletin = Bulletin.objects.create(plan=target.plan, org_unit=world["longwan"], period=MAY,
                                       trigger=Bulletin._meta.get_field("trigger").choices[0][0],
                                       content={"title": "龙湾区通报", "secret": SECRET})
    client.force_login(world["clerk"])
    for url in (f"/dashboard/bulletins/{bulletin.pk}/", f"/dashboard/bulletins/{bulletin.pk}/xlsx/"):
        response = client.get(url)
        assert response.status_code == 404
        shows_nothing(response, SECRET)
    assert "龙湾区通报" not in client.get("/dashboard/bulletins/").content.decode()
    before = Bulletin.objects.count()
    client.post("/dashboard/bulletins/issue/", {"plan": target.plan.code,
                                               "unit": world["longwan"].pk, "month": "2024-05"})
    assert Bulletin.objects.count() == before


# --- the reporting workflow -----------------------------------------------------------------------------
def test_a_siblings_monthly_report_cannot_be_opened_or_submitted(client, world):
    from reporting.models import MonthlyReport

    client.force_login(world["clerk"])
    longwan = world["longwan"]
    response = client.get(f"/reporting/{longwan.pk}/2024-05/")
    assert response.status_code in (403, 404)
    response = client.post(f"/reporting/{longwan.pk}/2024-05/", {"action": "submit"})
    assert response.status_code in (403, 404)
    response = client.post("/api/v1/monthly-reports/submit/", {
        "org_unit": longwan.pk, "period": "2024-05"}, content_type="application/json")
    assert response.status_code in REFUSED
    assert not MonthlyReport.objects.filter(org_unit=longwan, status="submitted").exists()


def test_another_departments_report_cannot_be_submitted(client, world):
    from reporting.models import MonthlyReport

    client.force_login(world["uploader"])
    response = client.post("/api/v1/monthly-reports/submit/", {
        "org_unit": world["wenzhou"].pk, "department": world["hrss"].pk, "period": "2024-05"},
        content_type="application/json")
    assert response.status_code in REFUSED
    assert not MonthlyReport.objects.filter(department=world["hrss"]).exclude(
        status="draft").exists()


def test_a_siblings_report_detail_is_404_on_the_api(client, world):
    from reporting import services

    report = services.report_for(org_unit=world["longwan"], period=MAY)
    client.force_login(world["clerk"])
    assert client.get(f"/api/v1/monthly-reports/{report.pk}/").status_code == 404
    for action in ("approve", "return", "unapprove", "comment"):
        response = client.post(f"/api/v1/monthly-reports/{report.pk}/{action}/",
                               {"comment": "x", "reason": "x"}, content_type="application/json")
        assert response.status_code in (403, 404), action


# --- the audit trail ------------------------------------------------------------------------------------
def test_a_siblings_audit_trail_is_404(client, world):
    from audit.models import AuditEntry
    from competitions.services import save_award

    owner = member(world["longwan"])
    award = world["award"]
    award.employer = "龙湾某厂"
    save_award(user=owner, award=award)
    entry = AuditEntry.objects.get(model_label="competitions.award", object_id=str(award.pk))
    client.force_login(world["clerk"])
    for url in (f"/audit/{entry.pk}/", f"/audit/record/competitions.award/{award.pk}/",
                f"/audit/unit/{world['longwan'].pk}/", f"/api/v1/audit/{entry.pk}/"):
        response = client.get(url)
        assert response.status_code == 404, url
        shows_nothing(response, "龙湾某厂")
    assert "龙湾某厂" not in client.get("/audit/").content.decode()
    assert "龙湾某厂" not in client.get("/api/v1/audit/").content.decode()
    client.force_login(world["uploader"])
    assert client.get(f"/audit/{entry.pk}/").status_code == 404


# --- subsidies ----------------------------------------------------------------------------------------
def test_a_sibling_countys_subsidy_claim_cannot_be_seen_or_decided(client):
    from subsidies import services
    from subsidies.models import Claim, Scheme
    from tests.conftest import unit

    longling = unit("全国/云南省/保山市/龙陵县")
    shidian = unit("全国/云南省/保山市/施甸县")
    on = dt.date(2023, 9, 20)
    contest = Competition.objects.create(name="世界技能大赛", level="世界技能大赛",
                                         organiser_unit=longling, start_date=on, end_date=on)
    medal = Award(competition=contest, medal="金牌", recipient_kind="individual",
                  recipient_name="龙陵选手", recipient_id_number=ID_NUMBER, org_unit=longling,
                  awarded_on=on)
    medal.full_clean()
    medal.save()
    claim = services.create_claim(user=UserFactory(is_superuser=True),
                                  scheme=Scheme.objects.get(code="longling-competition-medals"),
                                  award=medal)
    intruder = member(shidian, role="admin", is_staff=True)
    client.force_login(intruder)
    assert "龙陵选手" not in client.get("/subsidies/claims/").content.decode()
    for action in ("approve", "reject", "pay"):
        response = client.post(f"/subsidies/claims/{claim.pk}/{action}/", {"reason": "x"})
        assert response.status_code == 404, action
        response = client.post(f"/api/v1/subsidies/claims/{claim.pk}/{action}/",
                               {"reason": "x", "reference": "x"}, content_type="application/json")
        assert response.status_code == 404, action
    response = client.get(f"/api/v1/subsidies/claims/{claim.pk}/")
    assert response.status_code == 404
    shows_nothing(response, "龙陵选手")
    assert client.get(f"/admin/subsidies/claim/{claim.pk}/change/").status_code == 404
    assert Claim.objects.get(pk=claim.pk).status == claim.status
