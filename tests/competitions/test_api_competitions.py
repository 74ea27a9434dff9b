"""Competitions and awards over the API: written through the services, ID numbers masked
exactly as the pages mask them, scope, errors and bounded list queries."""

import datetime as dt

import pytest

from competitions.models import Award, Competition
from progress.models import RollupMark
from skills_portal.identity import id_number_check_char, mask_id_number
from tests.api_helpers import API, client_for, everything, member, results

pytestmark = pytest.mark.django_db

CU = API + "competitions/"
AU = API + "awards/"


def id_number(first17="33030219900101123"):
    return first17 + id_number_check_char(first17)


@pytest.fixture
def contest(lucheng):
    return Competition.objects.create(name="鹿城区养老护理员技能竞赛", level="县级",
                                      organiser_unit=lucheng, start_date=dt.date(2021, 5, 10),
                                      end_date=dt.date(2021, 5, 12), participants=80)


def award_payload(unit, competition, **kw):
    return {"competition": competition.pk, "medal": "金牌", "recipient_kind": "individual",
            "recipient_name": "张三", "recipient_id_number": id_number(), "org_unit": unit.pk,
            "awarded_on": "2021-05-12"} | kw


def test_competition_create_update_delete(lucheng, longwan):
    client = client_for(member(lucheng))
    payload = {"name": "鹿城区电工技能比武", "level": "县级", "organiser_unit": lucheng.pk,
               "start_date": "2021-07-01", "end_date": "2021-07-02", "participants": 40}
    created = client.post(CU, payload, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["award_count"] == 0
    assert RollupMark.objects.filter(org_unit=lucheng, period=dt.date(2021, 7, 1)).exists()
    backwards = client.patch(f"{CU}{pk}/", {"end_date": "2021-06-01"}, format="json")
    assert backwards.status_code == 400
    assert "结束" in " ".join(backwards.json()["end_date"])
    sibling = client.post(CU, payload | {"organiser_unit": longwan.pk}, format="json")
    assert sibling.status_code == 400 and "organiser_unit" in sibling.json()
    assert client.delete(f"{CU}{pk}/").status_code == 204
    assert not Competition.objects.filter(pk=pk).exists()


def test_awards_mask_id_numbers_outside_the_recipients_unit(lucheng, longwan, wenzhou, contest):
    clerk = client_for(member(lucheng))
    created = clerk.post(AU, award_payload(lucheng, contest), format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert created.json()["recipient_id_number"] == id_number()
    # The city's reviewer sees it masked, in the list and in the detail.
    reviewer = client_for(member(wenzhou, role="reviewer"))
    masked = mask_id_number(id_number())
    assert masked != id_number()
    rows = everything(reviewer, AU)
    assert [r["recipient_id_number"] for r in rows if r["id"] == pk] == [masked]
    assert reviewer.get(f"{AU}{pk}/").json()["recipient_id_number"] == masked
    assert id_number() not in reviewer.get(AU).content.decode()
    # A sibling county sees nothing.
    other = client_for(member(longwan))
    assert pk not in {r["id"] for r in everything(other, AU)}
    assert other.get(f"{AU}{pk}/").status_code == 404
    # The competition counts the award for those who see it.
    assert client_for(member(wenzhou)).get(f"{CU}{contest.pk}/").json()["award_count"] == 1
    # An administrator above edits with the masked value sent back: the number is kept.
    admin = client_for(member(wenzhou, role="admin"))
    edited = admin.patch(f"{AU}{pk}/", {"recipient_id_number": masked, "employer": "某养老院"},
                         format="json")
    assert edited.status_code == 200, edited.content
    assert edited.json()["recipient_id_number"] == masked
    award = Award.objects.get(pk=pk)
    assert award.recipient_id_number == id_number() and award.employer == "某养老院"
    full_put = admin.put(f"{AU}{pk}/", award_payload(lucheng, contest, recipient_id_number=""),
                         format="json")
    assert full_put.status_code == 200, full_put.content
    assert Award.objects.get(pk=pk).recipient_id_number == id_number()


def test_a_bad_id_number_is_a_400_that_does_not_repeat_it(lucheng, contest):
    client = client_for(member(lucheng))
    wrong = id_number()[:-1] + ("0" if id_number()[-1] != "0" else "1")
    response = client.post(AU, award_payload(lucheng, contest, recipient_id_number=wrong),
                           format="json")
    assert response.status_code == 400
    assert "校验" in " ".join(response.json()["recipient_id_number"])
    assert wrong not in response.content.decode()
    missing = client.post(AU, award_payload(lucheng, contest, recipient_id_number=""),
                          format="json")
    assert missing.status_code == 400 and "recipient_id_number" in missing.json()
    early = client.post(AU, award_payload(lucheng, contest, awarded_on="2021-05-01"),
                        format="json")
    assert early.status_code == 400 and "awarded_on" in early.json()
    assert not Award.objects.exists()


def test_sibling_competitions_cannot_be_named_and_protected_deletes_are_400(lucheng, longwan,
                                                                           contest):
    theirs = Competition.objects.create(name="龙湾区焊工竞赛", level="县级", organiser_unit=longwan,
                                        start_date=dt.date(2021, 5, 1),
                                        end_date=dt.date(2021, 5, 2))
    client = client_for(member(lucheng))
    refused = client.post(AU, award_payload(lucheng, theirs), format="json")
    assert refused.status_code == 400 and "competition" in refused.json()
    assert client.post(AU, award_payload(lucheng, contest), format="json").status_code == 201
    protected = client.delete(f"{CU}{contest.pk}/")
    assert protected.status_code == 400
    assert "获奖" in " ".join(protected.json()["non_field_errors"])
    assert Competition.objects.filter(pk=contest.pk).exists()


def test_lists_filter_and_keep_their_query_count(lucheng, wenzhou, contest,
                                                 django_assert_max_num_queries):
    viewer = client_for(member(wenzhou, role="viewer"))
    Award.objects.create(competition=contest, medal="银牌", recipient_kind="team",
                         recipient_name="鹿城一队", org_unit=lucheng,
                         awarded_on=dt.date(2021, 5, 12))
    with django_assert_max_num_queries(7):
        assert len(results(viewer.get(AU))) == 1
    with django_assert_max_num_queries(7):
        assert len(results(viewer.get(CU))) == 1
    for i in range(30):
        Competition.objects.create(name=f"竞赛{i}", level="县级", organiser_unit=lucheng,
                                   start_date=dt.date(2021, 1 + i % 12, 1),
                                   end_date=dt.date(2021, 1 + i % 12, 2))
        Award.objects.create(competition=contest, medal="铜牌", recipient_kind="individual",
                             recipient_name=f"选手{i}",
                             recipient_id_number=id_number(f"3303021990010{i:02d}12"[:17]),
                             org_unit=lucheng, awarded_on=dt.date(2021, 5, 12))
    with django_assert_max_num_queries(7):
        assert len(results(viewer.get(AU, {"page_size": 1000}))) == 31
    with django_assert_max_num_queries(7):
        assert len(results(viewer.get(CU, {"page_size": 1000}))) == 31
    assert len(everything(viewer, AU, {"medal": "银牌"})) == 1
    assert len(everything(viewer, CU, {"year": 2021, "unit": lucheng.pk})) == 31
    assert len(everything(viewer, CU, {"subtree_of": lucheng.pk})) == 31
    assert len(everything(viewer, AU, {"subtree_of": lucheng.pk})) == 31
    assert everything(viewer, AU, {"subtree_of": wenzhou.pk, "medal": "金牌"}) == []
