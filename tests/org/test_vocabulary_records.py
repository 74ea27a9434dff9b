"""#26, the rest of the lists: 证书类型, 技能等级, 竞赛级别, 奖项, 荣誉称号 and 荣誉级别 are option sets
too, seeded with the values the code fixed. Whether a kind of certificate carries a skill level
is the 证书类型 set's mark, so a kind an administrator adds can carry levels or not; subsidy
scheme amounts are keyed by the sets' values, so a new medal or honour gets its own amount."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from certification.forms import CERTIFICATE_GRID
from certification.models import CertificateFigure
from competitions.models import Award, Competition
from imports import services as services_import
from org.models import Option, OptionSet
from skills_portal.identity import id_number_check_char
from subsidies import services
from subsidies.models import Scheme
from tests import xlsx_corpus as corpus
from tests.api_helpers import API, client_for, member
from tests.conftest import unit
from tests.factories import UserFactory
from tests.targets.test_cascade_setup import admin_add, errors_of

pytestmark = pytest.mark.django_db

DIGITAL = "数字技能等级证书"


@pytest.fixture
def superuser():
    return UserFactory(is_superuser=True, is_staff=True)


@pytest.fixture
def api(superuser):
    return client_for(superuser)


def add_option(api, option_set, code, **extra):
    made = api.post(API + "options/", {"option_set": option_set, "code": code, "name": code}
                    | extra, format="json")
    assert made.status_code == 201, made.content
    return made.json()


def test_vocabulary_the_record_lists_are_seeded_with_the_values_the_code_fixed():
    sets = dict(OptionSet.objects.values_list("code", "name"))
    assert {"certificate_type": "证书类型", "skill_level": "技能等级",
            "competition_level": "竞赛级别", "medal": "奖项", "honour_title": "荣誉称号",
            "honour_level": "荣誉级别"}.items() <= sets.items()
    kinds = OptionSet.objects.get(code="certificate_type")
    assert kinds.flag_label == "带技能等级"
    assert set(kinds.options.filter(flag=True).values_list("code", flat=True)) == {
        "职业资格证书", "职业技能等级证书"}
    assert list(Option.objects.filter(option_set__code="medal").values_list("code", flat=True)
                )[:3] == ["金牌", "银牌", "铜牌"]


def test_vocabulary_a_certificate_kind_added_in_the_admin_carries_levels_when_marked(
        client, api, superuser):
    client.force_login(superuser)
    response = admin_add(client, "org/option",
                         option_set=OptionSet.objects.get(code="certificate_type").pk,
                         code=DIGITAL, name=DIGITAL, flag="on", position=20)
    assert response.status_code == 302, errors_of(response)[:3000]
    # A row of the grid with level cells, and no 无等级 cell.
    assert (DIGITAL, "三级/高级工") in set(CERTIFICATE_GRID.cells())
    assert (DIGITAL, "无等级") not in set(CERTIFICATE_GRID.cells())
    longling = unit("全国/云南省/保山市/龙陵县")
    page = client.get(f"/entry/certificates/?unit={longling.pk}&month=2024-05").content.decode()
    assert DIGITAL in page
    made = api.post(API + "certificate-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "certificate_type": DIGITAL,
        "level": "三级/高级工", "count": 4}, format="json")
    assert made.status_code == 201, made.content
    refused = api.post(API + "certificate-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "certificate_type": DIGITAL,
        "level": "无等级", "count": 4}, format="json")
    assert refused.status_code == 400 and "level" in refused.json()
    assert CertificateFigure.objects.get(certificate_type=DIGITAL).count == 4


def test_vocabulary_an_unmarked_certificate_kind_takes_no_level(api):
    add_option(api, "certificate_type", "数字技能专项证书")
    longling = unit("全国/云南省/保山市/龙陵县")
    refused = api.post(API + "certificate-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "certificate_type": "数字技能专项证书",
        "level": "三级/高级工", "count": 1}, format="json")
    assert refused.status_code == 400
    made = api.post(API + "certificate-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "certificate_type": "数字技能专项证书",
        "level": "无等级", "count": 1}, format="json")
    assert made.status_code == 201, made.content


def test_vocabulary_an_unknown_certificate_kind_is_refused_naming_the_list(api):
    longling = unit("全国/云南省/保山市/龙陵县")
    refused = api.post(API + "certificate-figures/", {
        "org_unit": longling.pk, "period": "2024-05", "certificate_type": "外星证书",
        "level": "无等级", "count": 1}, format="json")
    assert refused.status_code == 400
    assert "证书类型" in str(refused.json()["certificate_type"])


def test_vocabulary_a_competition_level_added_through_the_api_is_accepted_and_filtered(api):
    add_option(api, "competition_level", "全省新职业技能大赛", name_en="provincial new-trades")
    lucheng = unit("全国/浙江省/温州市/鹿城区")
    payload = {"name": "鹿城区直播电商技能比武", "level": "全省新职业技能大赛",
               "organiser_unit": lucheng.pk, "start_date": "2024-07-01",
               "end_date": "2024-07-02", "participants": 40}
    made = api.post(API + "competitions/", payload, format="json")
    assert made.status_code == 201, made.content
    refused = api.post(API + "competitions/", payload | {"level": "宇宙级"}, format="json")
    assert refused.status_code == 400 and "竞赛级别" in str(refused.json()["level"])
    indicator = api.post(API + "indicators/", {
        "code": "new_trade_contests", "name": "新职业竞赛场次", "unit": "场", "kind": "flow",
        "source": "measure", "measure": "competitions.events",
        "filters": {"level": "全省新职业技能大赛"}}, format="json")
    assert indicator.status_code == 201, indicator.content
    # In use by the competition and the indicator's filter: retired, never deleted.
    option = Option.objects.get(option_set__code="competition_level", code="全省新职业技能大赛")
    refused = api.delete(API + f"options/{option.pk}/")
    assert refused.status_code == 400
    assert "竞赛" in refused.content.decode() and "指标筛选" in refused.content.decode()


def test_vocabulary_a_new_medal_gets_its_own_scheme_amount_and_is_paid(api):
    add_option(api, "medal", "特别贡献奖")
    longling = unit("全国/云南省/保山市/龙陵县")
    scheme = Scheme.objects.get(code="longling-competition-medals")
    level = scheme.rates.values_list("competition_level", flat=True).first()
    admin = client_for(member(longling, role="admin"))
    rates = [{"competition_level": r.competition_level, "medal": r.medal, "amount": r.amount}
             for r in scheme.rates.all()]
    changed = admin.patch(API + f"subsidies/schemes/{scheme.pk}/", {"rates": [
        *rates, {"competition_level": level, "medal": "特别贡献奖", "amount": 1234}]},
        format="json")
    assert changed.status_code == 200, changed.content
    on = dt.date(2023, 9, 20)
    competition = Competition.objects.create(name="特别奖竞赛", level=level,
                                             organiser_unit=longling, start_date=on,
                                             end_date=on)
    first17 = "53052319900101001"
    award = Award(competition=competition, medal="特别贡献奖", recipient_name="选手",
                  recipient_id_number=first17 + id_number_check_char(first17),
                  org_unit=longling, awarded_on=on)
    award.full_clean()
    award.save()
    services.generate_claims(scheme=scheme)
    claim = scheme.claims.get(award=award)
    assert claim.amount == Decimal("1234.00")
    assert "特别贡献奖" in claim.explanation
    unknown = admin.patch(API + f"subsidies/schemes/{scheme.pk}/", {"rates": [
        *rates, {"competition_level": level, "medal": "不存在的奖", "amount": 1}]},
        format="json")
    assert unknown.status_code == 400 and "奖项" in str(unknown.json())


def test_vocabulary_the_admin_offers_the_lists_values_for_records(client, superuser):
    client.force_login(superuser)
    Option.objects.create(option_set=OptionSet.objects.get(code="honour_title"), code="数字工匠",
                          name="数字工匠")
    page = client.get("/admin/competitions/award/add/").content.decode()
    assert '<option value="数字工匠">数字工匠</option>' in page
    assert '<option value="金牌">金牌</option>' in page


def test_vocabulary_an_import_checks_a_retired_kind_against_each_rows_month(superuser):
    """A kind retired after 2024-06 is accepted in a file's June row and refused, naming the
    row, in its July row: the import checks each row's own month, not today's list."""
    Option.objects.filter(option_set__code="certificate_type", code="专项职业能力证书").update(
        active_to=dt.date(2024, 6, 1))
    header = ["单位", "月份", "证书类型", "等级", "取证人数"]
    rows = [["龙陵县", "2024-06", "专项职业能力证书", "无等级", 3],
            ["龙陵县", "2024-07", "专项职业能力证书", "无等级", 2]]
    batch = services_import.upload(user=superuser, kind="certificates", basis="month",
                                   file_name="certificates.xlsx",
                                   data=corpus.xlsx([header, *rows]))
    problems = [f"{e['row']}|{e['message']}" for e in batch.errors]
    assert len(problems) == 1 and problems[0].startswith("3|"), problems
    assert "未启用" in problems[0]
