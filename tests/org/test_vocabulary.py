"""Every list a plan names is data an administrator extends (#26): 培训对象, 培训类型, 行业, 载体类型
and 载体级别 are option sets, seeded with the values the code fixed, edited in the admin and the
API; filters, the entry grid, the Excel import and the API accept their current values; a value
in use is retired, never deleted.

The done-when path is here end to end: a 培训对象 added in the admin, used by a new indicator's
filter (API), a figure for it entered in the grid (the grid's own form post), on the dashboard
after the roll-up."""

from __future__ import annotations

import datetime as dt

import pytest

from org.models import Option, OptionSet
from progress.rollup import rollup_month
from tests.api_helpers import API, client_for, member
from tests.conftest import unit
from tests.factories import UserFactory
from tests.targets.test_cascade_setup import admin_add, errors_of
from training.forms import TRAINING_GRID
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

NEW = "新就业形态劳动者"


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def api(superuser):
    return client_for(superuser)


def add_target_group(client, superuser, **extra):
    client.force_login(superuser)
    response = admin_add(client, "org/option",
                         option_set=OptionSet.objects.get(code="target_group").pk, code=NEW,
                         name=NEW, name_en="new forms of employment",
                         synonyms="新业态劳动者、平台劳动者", position=20, **extra)
    assert response.status_code == 302, errors_of(response)[:3000]
    return Option.objects.get(option_set__code="target_group", code=NEW)


def test_vocabulary_lists_are_seeded_with_the_values_the_code_fixed():
    codes = dict(OptionSet.objects.values_list("code", "name"))
    assert {"training_type": "培训类型", "target_group": "培训对象", "industry": "行业",
            "carrier_type": "载体类型", "carrier_level": "载体级别"}.items() <= codes.items()
    groups = list(Option.objects.filter(option_set__code="target_group").values_list(
        "code", "name"))
    assert groups[:2] == [("企业职工", "企业职工"), ("农村转移劳动者", "农村转移劳动者（农民工）")]
    assert [r for r, _l in TRAINING_GRID.rows.choices][-1] == "其他"


def test_vocabulary_an_administrator_adds_a_target_group_and_sees_it_through_to_the_dashboard(
        client, api, superuser):
    option = add_target_group(client, superuser)
    assert option.synonyms == ["新业态劳动者", "平台劳动者"]
    # A new indicator whose filter names it.
    made = api.post(API + "indicators/", {
        "code": "training_new_forms", "name": "新就业形态劳动者培训人次", "unit": "人次",
        "kind": "flow", "source": "measure", "measure": "training.person_times",
        "filters": {"target_group": NEW}}, format="json")
    assert made.status_code == 201, made.content
    longling = unit("全国/云南省/保山市/龙陵县")
    target = api.post(API + "targets/", {
        "plan": "longling-2022", "code": "training-new-forms-2024",
        "indicator": "training_new_forms", "org_unit": longling.pk, "window": "annual",
        "period_start": "2024-01", "period_end": "2024-12", "value": 600}, format="json")
    assert target.status_code == 201, target.content
    # The grid has a row for it, without a migration or a restart.
    page = client.get(f"/entry/training/?unit={longling.pk}&month=2024-05").content.decode()
    assert NEW in page
    name = TRAINING_GRID.name("trained", NEW, "就业技能培训")
    response = client.post(f"/entry/training/?unit={longling.pk}&month=2024-05", {name: "120"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert TrainingFigure.objects.get(org_unit=longling, period=dt.date(2024, 5, 1),
                                      target_group=NEW).trained == 120
    rollup_month(dt.date(2024, 5, 1), trigger="test")
    data = api.get(API + "dashboard/", {"plan": "longling-2022", "unit": longling.pk,
                                        "month": "2024-05"}).json()
    row = next(r for r in data["headline"] if r["target_id"] == target.json()["id"])
    assert (row["indicator"]["name"], row["actual"], row["target"]) == (
        "新就业形态劳动者培训人次", 120, 600)


def test_vocabulary_an_unknown_value_is_refused_naming_the_list(api):
    refused = api.post(API + "indicators/", {
        "code": "training_martians", "name": "外星人培训人次", "unit": "人次", "kind": "flow",
        "source": "measure", "measure": "training.person_times",
        "filters": {"target_group": "外星人"}}, format="json")
    assert refused.status_code == 400
    assert "培训对象" in refused.content.decode() and "企业职工" in refused.content.decode()
    longling = unit("全国/云南省/保山市/龙陵县")
    figure = api.post(API + "training-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "target_group": "外星人",
        "training_type": "就业技能培训", "trained": 3}, format="json")
    assert figure.status_code == 400
    assert "不是“培训对象”的合法选项" in str(figure.json()["target_group"])


def test_vocabulary_the_api_adds_a_value_and_the_api_accepts_it_at_once(api):
    made = api.post(API + "options/", {"option_set": "target_group", "code": NEW, "name": NEW,
                                       "synonyms": ["平台劳动者"]}, format="json")
    assert made.status_code == 201, made.content
    longling = unit("全国/云南省/保山市/龙陵县")
    figure = api.post(API + "training-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "target_group": NEW,
        "training_type": "就业技能培训", "trained": 3}, format="json")
    assert figure.status_code == 201, figure.content
    listed = api.get(API + "options/", {"option_set": "target_group"}).json()["results"]
    assert listed[-1]["code"] == NEW


def test_vocabulary_a_value_in_use_cannot_be_deleted_only_retired(client, api, superuser):
    option = add_target_group(client, superuser)
    longling = unit("全国/云南省/保山市/龙陵县")
    assert api.post(API + "training-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "target_group": NEW,
        "training_type": "就业技能培训", "trained": 3}, format="json").status_code == 201
    refused = api.delete(API + f"options/{option.pk}/")
    assert refused.status_code == 400
    assert "正在使用" in refused.content.decode() and "停用" in refused.content.decode()
    page = client.get(f"/admin/org/option/{option.pk}/delete/").content.decode()
    assert "正在使用" in page
    assert Option.objects.filter(pk=option.pk).exists()
    retired = api.patch(API + f"options/{option.pk}/", {"active_to": "2024-06"}, format="json")
    assert retired.status_code == 200, retired.content


def test_vocabulary_an_unused_value_is_deleted(api):
    made = api.post(API + "options/", {"option_set": "industry", "code": "低空经济",
                                       "name": "低空经济"}, format="json")
    assert api.delete(API + f"options/{made.json()['id']}/").status_code == 204


def test_vocabulary_a_retired_value_is_not_offered_for_later_months(client, api, superuser):
    add_target_group(client, superuser, active_to="2024-06")
    longling = unit("全国/云南省/保山市/龙陵县")
    ok = api.post(API + "training-figures/", {
        "org_unit": longling.pk, "period": "2024-06", "target_group": NEW,
        "training_type": "就业技能培训", "trained": 3}, format="json")
    assert ok.status_code == 201, ok.content
    late = api.post(API + "training-figures/", {
        "org_unit": longling.pk, "period": "2024-07", "target_group": NEW,
        "training_type": "就业技能培训", "trained": 3}, format="json")
    assert late.status_code == 400 and "未启用" in str(late.json()["target_group"])


def test_vocabulary_values_are_curated_by_provincial_administrators_only():
    county = client_for(member(unit("全国/云南省/保山市/龙陵县"), role="admin"))
    refused = county.post(API + "options/", {"option_set": "target_group", "code": "县里的",
                                             "name": "县里的"}, format="json")
    assert refused.status_code in (400, 403)
    assert not Option.objects.filter(code="县里的").exists()
    province = client_for(member(unit("全国/云南省"), role="admin"))
    assert province.post(API + "options/", {"option_set": "target_group", "code": "省里的",
                                            "name": "省里的"}, format="json").status_code == 201


def test_vocabulary_a_renamed_value_keeps_its_records_and_its_code_is_fixed_once_used(api):
    option = Option.objects.get(option_set__code="target_group", code="企业职工")
    renamed = api.patch(API + f"options/{option.pk}/", {"name": "企业在职职工"}, format="json")
    assert renamed.status_code == 200, renamed.content
    assert ("企业职工", "企业在职职工") in list(TRAINING_GRID.rows.choices)
    longling = unit("全国/云南省/保山市/龙陵县")
    api.post(API + "training-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "target_group": "企业职工",
        "training_type": "就业技能培训", "trained": 3}, format="json")
    moved = api.patch(API + f"options/{option.pk}/", {"code": "在职职工"}, format="json")
    assert moved.status_code == 400 and "代码不能修改" in moved.content.decode()
