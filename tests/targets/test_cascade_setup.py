"""#16 Done when: an administrator, with the admin forms and one target import per plan and no
code, sets up a province plan, a city plan that implements it with a later start and higher
numbers, and a county plan below; the province's dashboard then shows each city's own
commitment and progress with its source, and the province target's cascade coverage.

Everything here goes through HTTP: the admin's add pages (their forms read back from the page,
as a browser would submit them) and the import pages' upload → confirm."""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from imports.models import ImportBatch
from progress.rollup import rollup_month
from targets.choices import IndicatorKind, IndicatorSource
from targets.models import Indicator, Plan, Target
from tests import xlsx_corpus as corpus
from tests.factories import OrgUnitFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = ["方案代码", "目标代码", "指标", "单位", "起始月份", "截止月份", "目标值", "落实上级目标"]


class FormFields(HTMLParser):
    """The fields a browser would submit from the page's main form, with their values."""

    def __init__(self):
        super().__init__()
        self.fields: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields[name] = a.get("value", "on")
            else:
                self.fields.setdefault(name, a.get("value", ""))
        elif tag == "select" and name:
            self._select = name
            self.fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.fields.setdefault(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def admin_add(client, model: str, **values) -> object:
    """Fill in and submit the admin's add page of `model` ("targets/plan")."""
    url = f"/admin/{model}/add/"
    page = client.get(url)
    assert page.status_code == 200
    parser = FormFields()
    parser.feed(page.content.decode())
    data = {k: v for k, v in parser.fields.items() if not k.startswith("_")}
    data.update({k: str(v) for k, v in values.items()})
    return client.post(url, data)


def errors_of(response) -> str:
    return response.content.decode() if response.status_code == 200 else ""


def upload_targets(client, rows) -> ImportBatch:
    data = corpus.xlsx([HEADER, *rows], title="目标")
    from django.core.files.uploadedfile import SimpleUploadedFile
    response = client.post(reverse("imports:list"), {
        "kind": "targets", "basis": "month",
        "file": SimpleUploadedFile("目标.xlsx", data)})
    assert response.status_code in (200, 302), response.content[:500]
    return ImportBatch.unscoped.order_by("-pk").first()


@pytest.fixture
def world():
    nation = OrgUnitFactory(name="设置国", level=0, kind="国家")
    province = OrgUnitFactory.child_of(nation, name="设置省")
    cities = [OrgUnitFactory.child_of(province, name=n) for n in ("东城市", "西城市")]
    county = OrgUnitFactory.child_of(cities[0], name="东城一县")
    indicator = Indicator.unscoped.create(
        code="setup_training", name="设置培训人次", unit="人次", kind=IndicatorKind.FLOW,
        source=IndicatorSource.MANUAL)
    return {"province": province, "cities": cities, "county": county, "indicator": indicator}


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def set_up_chain(admin_client, world):
    """The province plan and its target through the admin; the city and county plans through
    the admin, their targets by one import each."""
    response = admin_add(
        admin_client, "targets/plan", code="setup-province", title="设置省技能行动方案",
        short_name="设置省方案", doc_number="设政发〔2021〕1号", issuer="设置省人民政府",
        issuer_unit=world["province"].pk, period_start="2021-01", period_end="2025-12-31")
    assert response.status_code == 302, errors_of(response)[:3000]
    province_plan = Plan.unscoped.get(code="setup-province")
    response = admin_add(
        admin_client, "targets/target", plan=province_plan.pk, code="training",
        indicator=world["indicator"].pk, org_unit=world["province"].pk, window="cumulative",
        period_start="2021-01", period_end="2025-12", value="100000", comparator="gte")
    assert response.status_code == 302, errors_of(response)[:3000]
    east, west = world["cities"]
    for code, unit, parent, start, doc in (
            ("setup-east", east, province_plan, "2022-01", "东政发〔2022〕3号"),
            ("setup-west", west, province_plan, "2023-03-15", "西政发〔2023〕2号")):
        response = admin_add(
            admin_client, "targets/plan", code=code, title=f"{unit.name}技能行动方案",
            short_name=f"{unit.name}方案", doc_number=doc, issuer=f"{unit.name}人民政府",
            issuer_unit=unit.pk, parent=parent.pk, period_start=start, period_end="2025-12")
        assert response.status_code == 302, errors_of(response)[:3000]
    east_plan = Plan.unscoped.get(code="setup-east")
    response = admin_add(
        admin_client, "targets/plan", code="setup-east-1", title="东城一县技能行动方案",
        short_name="东城一县方案", doc_number="东一政发〔2022〕8号", issuer="东城一县人民政府",
        issuer_unit=world["county"].pk, parent=east_plan.pk, period_start="2022-01",
        period_end="2025-12")
    assert response.status_code == 302, errors_of(response)[:3000]

    for rows in (
            [["setup-east", "training", "设置培训人次", "东城市", "2022-01", "2025-12", 72000,
              "setup-province/training"]],
            [["setup-west", "training", "设置培训人次", "西城市", "2023-03", "2025-12-31", 40000,
              "setup-province／training"]],  # a full-width slash, as a Chinese IME types it
            [["setup-east-1", "training", "设置培训人次", "东城一县", "2022-01", "2025-12",
              30000, "setup-east/training"]]):
        batch = upload_targets(admin_client, rows)
        assert batch.error_count == 0, batch.errors
        response = admin_client.post(reverse("imports:action", args=[batch.pk]),
                                     {"action": "confirm"})
        assert response.status_code in (200, 302)
        batch.refresh_from_db()
        assert batch.status == "applied", batch.message


def test_cascade_an_administrator_sets_up_the_chain_without_code(admin_client, world):
    set_up_chain(admin_client, world)
    province_target = Target.unscoped.get(plan__code="setup-province", code="training")
    east = Target.unscoped.get(plan__code="setup-east", code="training")
    west = Target.unscoped.get(plan__code="setup-west", code="training")
    county = Target.unscoped.get(plan__code="setup-east-1", code="training")
    assert east.implements == province_target and west.implements == province_target
    assert county.implements == east
    assert Plan.unscoped.get(code="setup-province").period_end == dt.date(2025, 12, 1)
    assert west.period_start == dt.date(2023, 3, 1) and west.period_end == dt.date(2025, 12, 1)


def test_cascade_the_province_dashboard_shows_each_citys_commitment_and_source(admin_client,
                                                                              world):
    set_up_chain(admin_client, world)
    rollup_month(dt.date(2024, 6, 1), trigger="test")
    data = admin_client.get("/api/v1/dashboard/", {
        "plan": "setup-province", "unit": world["province"].pk, "month": "2024-06"}).json()
    [series] = data["series"]
    rows = {r["unit"]["name"]: r for r in series["rows"]}
    east = Target.unscoped.get(plan__code="setup-east", code="training")
    assert rows["东城市"]["governing_target"] == east.pk  # no share in the province's plan
    assert (rows["东城市"]["source"], rows["东城市"]["source_label"]) == (
        "own", "东城市方案 东政发〔2022〕3号")
    assert rows["东城市"]["own_target"] == 72_000
    assert rows["西城市"]["source_label"] == "西城市方案 西政发〔2023〕2号"
    assert rows["西城市"]["own_target"] == 40_000
    assert rows["东城市"]["status"] and "completion_rate" in rows["东城市"]  # its progress


def test_cascade_the_province_targets_coverage_after_setup(admin_client, world):
    set_up_chain(admin_client, world)
    province_target = Target.unscoped.get(plan__code="setup-province", code="training")
    data = admin_client.get(f"/api/v1/targets/{province_target.pk}/cascade/").json()
    rows = {r["org_unit_name"]: r for r in data["rows"]}
    assert rows["东城市"]["value"] == "90000.00"  # 72,000 over 48 months → 60 months
    assert rows["西城市"]["value"] == "70588.24"  # 40,000 over 34 months → 60 months
    assert data["committed"] == "160588.24" and data["status"] == "超额"
    page = admin_client.get("/plans/setup-province/targets/training/")
    assert "下级落实情况" in page.content.decode()


def test_cascade_a_wrong_link_is_refused_in_the_import_with_its_column(admin_client, world):
    set_up_chain(admin_client, world)
    # 西城市's plan does not implement 东城市's: the model's own message, under the column.
    batch = upload_targets(admin_client, [["setup-west", "training-2", "设置培训人次", "西城市",
                                           "2023-03", "2025-12", 100, "setup-east/training"]])
    assert batch.error_count == 1
    error = batch.errors[0]
    assert error["column"].startswith("H") and "不是" in error["message"], error
    bad = upload_targets(admin_client, [["setup-west", "training-3", "设置培训人次", "西城市",
                                         "2023-03", "2025-12", 100, "training"]])
    assert "方案代码/目标代码" in bad.errors[0]["message"]
    missing = upload_targets(admin_client, [["setup-west", "training-4", "设置培训人次",
                                             "西城市", "2023-03", "2025-12", 100,
                                             "setup-province/nothing"]])
    assert "没有代码为「nothing」的目标" in missing.errors[0]["message"]


def test_cascade_a_wrong_link_is_refused_in_the_admin(admin_client, world):
    set_up_chain(admin_client, world)
    east = Target.unscoped.get(plan__code="setup-east", code="training")
    response = admin_add(
        admin_client, "targets/target", plan=Plan.unscoped.get(code="setup-west").pk,
        code="wrong", indicator=world["indicator"].pk, org_unit=world["cities"][1].pk,
        window="cumulative", period_start="2023-03", period_end="2025-12", value="10",
        comparator="gte", implements=east.pk)
    assert response.status_code == 200  # the form again, with the error
    assert "不是" in response.content.decode()
    assert not Target.unscoped.filter(code="wrong").exists()


def test_cascade_the_export_names_the_implemented_target(admin_client, world):
    set_up_chain(admin_client, world)
    from targets.resources import TargetResource
    dataset = TargetResource().export(Target.unscoped.filter(plan__code="setup-east"))
    assert dataset.dict[0]["落实上级目标"] == "setup-province/training"


def test_cascade_targets_are_written_through_the_api_with_their_link(admin_client, world):
    set_up_chain(admin_client, world)
    from tests.api_helpers import API, client_for
    api = client_for(UserFactory(is_superuser=True, is_staff=True))
    province_target = Target.unscoped.get(plan__code="setup-province", code="training")
    payload = {"plan": "setup-west", "code": "training-api", "indicator": "setup_training",
               "org_unit": world["cities"][1].pk, "window": "cumulative",
               "period_start": "2024-01-15", "period_end": "2025-12-31", "value": "5000",
               "implements": province_target.pk}
    response = api.post(f"{API}targets/", payload, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["implements"] == province_target.pk
    assert (data["period_start"], data["period_end"]) == ("2024-01", "2025-12")
    # A link to a target of a plan that is not above: the model's message, under its field.
    east = Target.unscoped.get(plan__code="setup-east", code="training")
    bad = api.post(f"{API}targets/", payload | {"code": "training-bad", "implements": east.pk},
                   format="json")
    assert bad.status_code == 400 and "不是" in bad.json()["implements"][0]
    # A month that is none: refused, not a 500.
    worse = api.post(f"{API}targets/", payload | {"code": "x", "period_end": "2025-13"},
                     format="json")
    assert worse.status_code == 400 and "period_end" in worse.json()
    # Changed and deleted like in the admin; a target implemented below cannot be deleted.
    created = Target.unscoped.get(plan__code="setup-west", code="training-api")
    patched = api.patch(f"{API}targets/{created.pk}/", {"value": "6000"}, format="json")
    assert patched.status_code == 200 and patched.json()["value"] == 6000
    assert api.delete(f"{API}targets/{province_target.pk}/").status_code == 400
    assert api.delete(f"{API}targets/{created.pk}/").status_code == 204


def test_cascade_api_writes_are_scoped(admin_client, world):
    set_up_chain(admin_client, world)
    from tests.api_helpers import API, client_for, member
    city_admin = client_for(member(world["cities"][0], role="admin"))
    payload = {"plan": "setup-west", "code": "sneaky", "indicator": "setup_training",
               "org_unit": world["cities"][1].pk, "window": "cumulative",
               "period_start": "2024-01", "period_end": "2025-12", "value": "1"}
    response = city_admin.post(f"{API}targets/", payload, format="json")
    assert response.status_code in (400, 403)
    assert not Target.unscoped.filter(code="sneaky").exists()
    viewer = client_for(member(world["cities"][1], role="viewer"))
    response = viewer.post(f"{API}targets/", payload | {"org_unit": world["cities"][1].pk},
                           format="json")
    assert response.status_code == 403
