"""Competitions and awards: model rules, scoping on every entry path (services, pages, admin),
ID-number privacy, the measures they feed and the roll-up marks they leave."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from competitions.models import Award, Competition
from competitions.services import delete_award, delete_competition, save_award, save_competition
from org.models import Department, Membership
from progress.models import RollupMark
from skills_portal.identity import id_number_check_char, mask_id_number
from targets.measures import measure_values
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MARCH = dt.date(2024, 3, 1)
APRIL = dt.date(2024, 4, 1)


def member(org_unit, role="data_entry", department=None, **user_kwargs):
    user = UserFactory(**user_kwargs)
    Membership.objects.create(user=user, org_unit=org_unit, role=role, department=department)
    return user


def make_id(first17="53052319900101123"):
    return first17 + id_number_check_char(first17)


ID_NUMBER = make_id("53052319900101123")


@pytest.fixture
def baoshan():
    return unit("全国/云南省/保山市")


@pytest.fixture
def shidian():
    return unit("全国/云南省/保山市/施甸县")


def competition(org_unit, *, save=True, **kwargs):
    values = {"name": "龙陵县养老护理员技能竞赛", "level": "县级", "organiser_unit": org_unit,
              "start_date": dt.date(2024, 3, 10), "end_date": dt.date(2024, 3, 12),
              "occupations": "养老护理员", "participants": 40}
    values.update(kwargs)
    obj = Competition(**values)
    if save:
        obj.full_clean()
        obj.save()
    return obj


def award(org_unit, *, save=True, **kwargs):
    values = {"medal": "金牌", "recipient_kind": "individual", "recipient_name": "李明",
              "recipient_id_number": ID_NUMBER, "org_unit": org_unit,
              "awarded_on": dt.date(2024, 3, 12), "employer": "龙陵县人民医院"}
    values.update(kwargs)
    obj = Award(**values)
    if save:
        obj.full_clean()
        obj.save()
    return obj


def honour(org_unit, **kwargs):
    values = {"competition": None, "medal": "无", "honour_title": "技术能手",
              "honour_level": "市级"}
    values.update(kwargs)
    return award(org_unit, **values)


def codes(exc: ValidationError, field: str) -> set[str]:
    return {e.code for e in exc.error_dict[field]}


# --------------------------------------------------------------------------------------------
# Model rules
# --------------------------------------------------------------------------------------------
def test_competition_cannot_end_before_it_starts(longling):
    obj = competition(longling, save=False, end_date=dt.date(2024, 3, 1))
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    assert "end_date" in info.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()  # the database refuses it too


def test_award_needs_a_competition_or_an_honour_title(longling):
    obj = award(longling, save=False, competition=None, medal="无")
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    assert "competition" in info.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()
    honour(longling)  # an honour title without a competition is fine


def test_medal_without_competition_and_honour_without_level_are_refused(longling):
    obj = award(longling, save=False, competition=None, medal="金牌", honour_title="技术能手")
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    assert set(info.value.error_dict) == {"medal", "honour_level"}


def test_individual_needs_a_valid_id_number_teams_do_not(longling):
    event = competition(longling)
    obj = award(longling, save=False, competition=event, recipient_id_number="")
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    assert "recipient_id_number" in info.value.error_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        obj.save()
    obj.recipient_id_number = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    assert codes(info.value, "recipient_id_number") == {"id_number_checksum"}
    for kind in ("team", "coach_team"):
        award(longling, competition=event, recipient_kind=kind, recipient_name="龙陵县代表队",
              recipient_id_number="")


def test_lower_case_x_is_stored_upper_case(longling):
    obj = honour(longling, recipient_id_number="11010519491231002x")
    obj.refresh_from_db()
    assert obj.recipient_id_number == "11010519491231002X"


def test_award_cannot_precede_its_competition(longling):
    event = competition(longling)
    obj = award(longling, save=False, competition=event, awarded_on=dt.date(2024, 3, 1))
    with pytest.raises(ValidationError) as info:
        obj.full_clean()
    assert "awarded_on" in info.value.error_dict


def test_competition_cannot_start_after_its_awards(longling):
    event = competition(longling)
    award(longling, competition=event, awarded_on=dt.date(2024, 3, 11))
    event.start_date = dt.date(2024, 3, 12)
    with pytest.raises(ValidationError) as info:
        event.full_clean()
    assert "start_date" in info.value.error_dict


def test_department_must_belong_to_the_unit(longling, shidian):
    hrss = Department.objects.get(org_unit=longling, sector="hrss")
    with pytest.raises(ValidationError) as info:
        competition(shidian, organiser_department=hrss)
    assert "organiser_department" in info.value.error_dict
    with pytest.raises(ValidationError) as info:
        honour(shidian, department=hrss)
    assert "department" in info.value.error_dict


def test_str_never_shows_the_id_number(longling):
    obj = award(longling, competition=competition(longling))
    assert ID_NUMBER not in str(obj) and ID_NUMBER[-4:] not in str(obj)
    assert "李明" in str(obj)


# --------------------------------------------------------------------------------------------
# Services: scope, created_by, roll-up marks
# --------------------------------------------------------------------------------------------
def test_county_clerk_records_own_competition_and_marks_the_month(longling):
    clerk = member(longling)
    obj = save_competition(user=clerk, competition=competition(longling, save=False))
    assert obj.pk and obj.created_by == clerk and not obj.is_demo
    assert RollupMark.objects.filter(org_unit=longling, period=MARCH).exists()


def test_county_clerk_cannot_create_in_sibling_county(longling, shidian):
    clerk = member(longling)
    before = Competition.objects.count(), Award.objects.count()
    with pytest.raises(PermissionDenied):
        save_competition(user=clerk, competition=competition(shidian, save=False))
    with pytest.raises(PermissionDenied):
        save_award(user=clerk, award=honour(shidian, save=False))
    assert (Competition.objects.count(), Award.objects.count()) == before
    assert not RollupMark.objects.filter(org_unit=shidian).exists()


def test_county_clerk_cannot_edit_or_delete_sibling_records(longling, shidian):
    clerk = member(longling)
    theirs = competition(shidian, name="施甸县电工竞赛")
    their_award = honour(shidian)
    assert not Competition.objects.for_user(clerk).filter(pk=theirs.pk).exists()
    assert not Award.objects.for_user(clerk).filter(pk=their_award.pk).exists()
    theirs.participants = 999
    with pytest.raises(PermissionDenied):
        save_competition(user=clerk, competition=theirs)
    their_award.recipient_name = "改名"
    with pytest.raises(PermissionDenied):
        save_award(user=clerk, award=their_award)
    with pytest.raises(PermissionDenied):
        delete_competition(user=clerk, competition=theirs)
    with pytest.raises(PermissionDenied):
        delete_award(user=clerk, award=their_award)
    theirs.refresh_from_db()
    their_award.refresh_from_db()
    assert theirs.participants == 40 and their_award.recipient_name == "李明"


def test_county_clerk_cannot_move_own_record_to_sibling(longling, shidian):
    clerk = member(longling)
    mine = save_competition(user=clerk, competition=competition(longling, save=False))
    mine.organiser_unit = shidian
    with pytest.raises(PermissionDenied):
        save_competition(user=clerk, competition=mine)
    mine.refresh_from_db()
    assert mine.organiser_unit == longling


def test_viewers_and_reviewers_do_not_write(longling):
    for role in ("viewer", "reviewer"):
        user = member(longling, role=role)
        with pytest.raises(PermissionDenied):
            save_competition(user=user, competition=competition(longling, save=False))
        with pytest.raises(PermissionDenied):
            save_award(user=user, award=honour(longling, save=False))
        existing = competition(longling)
        assert Competition.objects.for_user(user).filter(pk=existing.pk).exists()
        with pytest.raises(PermissionDenied):
            delete_competition(user=user, competition=existing)
        assert Competition.objects.filter(pk=existing.pk).exists()


def test_department_member_writes_only_for_own_department(longling):
    forestry = Department.objects.get(org_unit=longling, sector="forestry")
    user = member(longling, department=forestry)
    save_competition(user=user, competition=competition(longling, save=False,
                                                        organiser_department=forestry))
    with pytest.raises(PermissionDenied):
        save_competition(user=user, competition=competition(longling, save=False))


def test_award_links_to_own_or_city_competition_never_a_siblings(baoshan, longling, shidian):
    clerk = member(longling)
    city_event = competition(baoshan, name="保山市职业技能大赛", level="市级")
    sibling_event = competition(shidian, name="施甸县电工竞赛")
    save_award(user=clerk, award=award(longling, save=False, competition=city_event))
    with pytest.raises(PermissionDenied):
        save_award(user=clerk, award=award(longling, save=False, competition=sibling_event))


def test_department_member_links_only_to_unit_wide_or_own_sector_competitions(longling, baoshan):
    forestry = Department.objects.get(org_unit=longling, sector="forestry")
    health = Department.objects.get(org_unit=longling, sector="health")
    user = member(longling, department=forestry)
    own = competition(longling, name="林业竞赛", organiser_department=forestry)
    unit_wide = competition(longling, name="全县竞赛")
    other = competition(longling, name="卫生竞赛", organiser_department=health)
    city = competition(baoshan, name="全市竞赛", level="市级")
    linkable = set(Competition.objects.linkable_for(user))
    assert {own, unit_wide, city} <= linkable and other not in linkable
    assert set(Competition.objects.for_user(user)) & {own, unit_wide, other, city} == {own}


def test_moving_a_record_marks_both_months(longling, baoshan):
    city_clerk = member(baoshan)
    obj = save_award(user=city_clerk, award=honour(longling, save=False))
    RollupMark.objects.all().delete()
    obj.org_unit = baoshan
    obj.awarded_on = dt.date(2024, 5, 20)
    save_award(user=city_clerk, award=obj)
    marks = set(RollupMark.objects.values_list("org_unit_id", "period"))
    assert marks == {(longling.pk, MARCH), (baoshan.pk, dt.date(2024, 5, 1))}


def test_moving_within_a_month_marks_that_month_once(longling):
    clerk = member(longling)
    obj = save_award(user=clerk, award=honour(longling, save=False))
    obj.awarded_on = dt.date(2024, 3, 28)  # same month, another day
    save_award(user=clerk, award=obj)
    assert list(RollupMark.objects.filter(org_unit=longling)
                .values_list("period", flat=True)) == [MARCH]


def test_changing_a_competition_marks_its_awards_and_delete_marks(longling, baoshan):
    city_clerk = member(baoshan)
    event = save_competition(user=city_clerk, competition=competition(baoshan, level="市级",
                                                                      save=False))
    save_award(user=city_clerk, award=award(longling, save=False, competition=event,
                                            awarded_on=dt.date(2024, 4, 2)))
    RollupMark.objects.all().delete()
    event.level = "省级二类"
    save_competition(user=city_clerk, competition=event)
    assert set(RollupMark.objects.values_list("org_unit_id", "period")) == {
        (baoshan.pk, MARCH), (longling.pk, APRIL)
    }
    # A competition with awards is kept until they go.
    with pytest.raises(ValidationError):
        delete_competition(user=city_clerk, competition=event)
    assert Competition.objects.filter(pk=event.pk).exists()
    delete_award(user=city_clerk, award=event.awards.get())
    RollupMark.objects.all().delete()
    delete_competition(user=city_clerk, competition=event)
    assert not Competition.objects.filter(pk=event.pk).exists()
    assert RollupMark.objects.filter(org_unit=baoshan, period=MARCH).exists()


# --------------------------------------------------------------------------------------------
# ID-number privacy
# --------------------------------------------------------------------------------------------
def test_full_id_only_for_the_recipients_own_unit(longling, baoshan):
    obj = honour(longling)
    own = member(longling, role="viewer")
    reviewer = member(baoshan, role="reviewer")
    superuser = UserFactory(is_superuser=True)
    assert obj.id_number_for(own) == ID_NUMBER
    assert obj.id_number_for(superuser) == ID_NUMBER
    assert obj.id_number_for(reviewer) == mask_id_number(ID_NUMBER) == "530523********" + ID_NUMBER[-4:]


def test_award_list_shows_full_id_to_own_unit_and_masked_to_city_reviewer(client, longling,
                                                                            baoshan):
    honour(longling)
    client.force_login(member(longling))
    html = client.get("/competitions/awards/").content.decode()
    assert ID_NUMBER in html
    client.force_login(member(baoshan, role="reviewer"))
    html = client.get("/competitions/awards/").content.decode()
    assert "李明" in html
    assert mask_id_number(ID_NUMBER) in html
    assert ID_NUMBER not in html and ID_NUMBER[6:14] not in html


def test_city_clerk_edit_form_never_receives_the_full_id(client, longling, baoshan):
    obj = honour(longling)
    client.force_login(member(baoshan))
    page = client.get(f"/competitions/awards/{obj.pk}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ID_NUMBER not in html and mask_id_number(ID_NUMBER) in html
    data = award_post(longling, recipient_id_number="", recipient_name="李明明", medal="无",
                      competition="", honour_title="技术能手", honour_level="市级")
    response = client.post(f"/competitions/awards/{obj.pk}/edit/", data)
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.recipient_name == "李明明" and obj.recipient_id_number == ID_NUMBER


# --------------------------------------------------------------------------------------------
# Pages
# --------------------------------------------------------------------------------------------
def competition_post(org_unit, **kwargs):
    data = {"name": "龙陵县电工技能竞赛", "level": "县级", "organiser_unit": org_unit.pk,
            "organiser_department": "", "start_date": "2024-03-10", "end_date": "2024-03-11",
            "occupations": "电工", "participants": "25", "note": ""}
    data.update(kwargs)
    return data


def award_post(org_unit, **kwargs):
    data = {"competition": "", "medal": "无", "honour_title": "技术能手", "honour_level": "县级",
            "recipient_kind": "individual", "recipient_name": "王芳",
            "recipient_id_number": ID_NUMBER, "employer": "", "org_unit": org_unit.pk,
            "department": "", "awarded_on": "2024-03-20", "note": ""}
    data.update(kwargs)
    return data


def test_pages_need_login(client):
    for url in ("/competitions/", "/competitions/new/", "/competitions/awards/",
                "/competitions/awards/new/"):
        assert client.get(url).status_code == 302


def test_competition_pages_create_list_edit_delete(client, longling):
    clerk = member(longling)
    client.force_login(clerk)
    assert client.get("/competitions/new/").status_code == 200
    response = client.post("/competitions/new/", competition_post(longling))
    assert response.status_code == 302
    obj = Competition.objects.get(name="龙陵县电工技能竞赛")
    assert obj.created_by == clerk and obj.participants == 25
    html = client.get("/competitions/").content.decode()
    assert "龙陵县电工技能竞赛" in html and f"/competitions/{obj.pk}/edit/" in html
    response = client.post(f"/competitions/{obj.pk}/edit/",
                           competition_post(longling, participants="30"))
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.participants == 30
    assert client.get(f"/competitions/{obj.pk}/delete/").status_code == 200
    assert client.post(f"/competitions/{obj.pk}/delete/").status_code == 302
    assert not Competition.objects.filter(pk=obj.pk).exists()


def test_form_errors_are_shown_beside_the_fields_in_chinese(client, longling):
    client.force_login(member(longling))
    response = client.post("/competitions/new/", competition_post(
        longling, name="", end_date="2024-03-01"
    ))
    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"name", "end_date"}
    html = response.content.decode()
    # Django's own message, translated (DRF's catalogue, installed later, words it 该字段是必填项。)
    assert "字段是必填项。" in html
    assert html.count('class="errorlist"') >= 2
    assert not Competition.objects.filter(organiser_unit=longling).exists()

    wrong = ID_NUMBER[:17] + ("0" if ID_NUMBER[17] != "0" else "1")
    response = client.post("/competitions/awards/new/", award_post(longling,
                                                                    recipient_id_number=wrong))
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()
    assert {e.code for e in errors["recipient_id_number"]} == {"id_number_checksum"}
    for e in errors["recipient_id_number"]:
        assert wrong not in " ".join(e.messages)
    response = client.post("/competitions/awards/new/", award_post(longling,
                                                                    recipient_id_number=""))
    assert "recipient_id_number" in response.context["form"].errors
    assert not Award.objects.filter(org_unit=longling).exists()


def test_county_clerk_pages_refuse_sibling_county(client, longling, shidian):
    clerk = member(longling)
    client.force_login(clerk)
    theirs = competition(shidian, name="施甸县电工竞赛")
    their_award = honour(shidian, recipient_name="张伟")
    mine = competition(longling, name="龙陵县茶艺师竞赛")
    # Lists show only the own subtree.
    html = client.get("/competitions/").content.decode()
    assert "龙陵县茶艺师竞赛" in html and "施甸县电工竞赛" not in html
    html = client.get("/competitions/awards/").content.decode()
    assert "张伟" not in html
    # Sibling rows cannot be reached for editing or deleting.
    for url in (f"/competitions/{theirs.pk}/edit/", f"/competitions/{theirs.pk}/delete/",
                f"/competitions/awards/{their_award.pk}/edit/",
                f"/competitions/awards/{their_award.pk}/delete/"):
        assert client.get(url).status_code == 404
    assert client.post(f"/competitions/{theirs.pk}/edit/",
                       competition_post(shidian, participants="1")).status_code == 404
    assert client.post(f"/competitions/{theirs.pk}/delete/").status_code == 404
    assert client.post(f"/competitions/awards/{their_award.pk}/delete/").status_code == 404
    assert Competition.objects.filter(pk=theirs.pk, participants=40).exists()
    assert Award.objects.filter(pk=their_award.pk).exists()
    # Creating there: the unit is not a choice.
    response = client.post("/competitions/new/", competition_post(shidian))
    assert response.status_code == 200 and "organiser_unit" in response.context["form"].errors
    response = client.post("/competitions/awards/new/", award_post(shidian))
    assert response.status_code == 200 and "org_unit" in response.context["form"].errors
    # Nor can an own record be moved there, nor an award be hung on a sibling's competition.
    response = client.post(f"/competitions/{mine.pk}/edit/", competition_post(shidian))
    assert response.status_code == 200 and "organiser_unit" in response.context["form"].errors
    response = client.post("/competitions/awards/new/", award_post(
        longling, competition=theirs.pk, medal="金牌", honour_title="", honour_level=""
    ))
    assert response.status_code == 200 and "competition" in response.context["form"].errors
    assert not Competition.objects.filter(organiser_unit=shidian).exclude(pk=theirs.pk).exists()
    assert not Award.objects.filter(competition=theirs).exists()


def test_viewer_sees_but_cannot_write_through_pages(client, longling):
    obj = competition(longling)
    their_award = honour(longling)
    client.force_login(member(longling, role="viewer"))
    html = client.get("/competitions/").content.decode()
    assert obj.name in html and f"/competitions/{obj.pk}/edit/" not in html
    assert client.get("/competitions/new/").status_code == 403
    assert client.post("/competitions/new/", competition_post(longling)).status_code == 403
    assert client.get("/competitions/awards/new/").status_code == 403
    assert client.post(f"/competitions/{obj.pk}/edit/",
                       competition_post(longling, participants="1")).status_code == 403
    assert client.post(f"/competitions/{obj.pk}/delete/").status_code == 403
    assert client.post(f"/competitions/awards/{their_award.pk}/delete/").status_code == 403
    obj.refresh_from_db()
    assert obj.participants == 40
    assert Award.objects.filter(pk=their_award.pk).exists()


def test_award_pages_create_and_link_to_city_competition(client, longling, baoshan):
    city_event = competition(baoshan, name="保山市职业技能大赛", level="市级")
    clerk = member(longling)
    client.force_login(clerk)
    page = client.get(f"/competitions/awards/new/?competition={city_event.pk}")
    assert page.status_code == 200 and "保山市职业技能大赛" in page.content.decode()
    response = client.post("/competitions/awards/new/", award_post(
        longling, competition=city_event.pk, medal="银牌", honour_title="", honour_level="",
    ))
    assert response.status_code == 302
    obj = Award.objects.get(org_unit=longling)
    assert obj.competition == city_event and obj.created_by == clerk
    assert RollupMark.objects.filter(org_unit=longling, period=MARCH).exists()


def test_deleting_a_competition_with_awards_says_why(client, longling):
    event = competition(longling)
    award(longling, competition=event)
    client.force_login(member(longling))
    response = client.post(f"/competitions/{event.pk}/delete/")
    assert response.status_code == 400
    assert 'class="errorlist"' in response.content.decode()
    assert Competition.objects.filter(pk=event.pk).exists()


def test_list_filters(client, longling, shidian, baoshan):
    competition(longling, name="龙陵县茶艺师竞赛")
    competition(shidian, name="施甸县电工竞赛", start_date=dt.date(2023, 5, 1),
                end_date=dt.date(2023, 5, 2))
    competition(baoshan, name="保山市职业技能大赛", level="市级")
    client.force_login(member(baoshan, role="reviewer"))

    def names(query):
        response = client.get("/competitions/?" + query)
        assert response.status_code == 200
        return {c.name for c in response.context["page"].object_list}

    assert names("") == {"龙陵县茶艺师竞赛", "施甸县电工竞赛", "保山市职业技能大赛"}
    assert names("level=县级") == {"龙陵县茶艺师竞赛", "施甸县电工竞赛"}
    assert names("year=2023") == {"施甸县电工竞赛"}
    assert names(f"unit={longling.pk}") == {"龙陵县茶艺师竞赛"}
    assert names("q=茶艺") == {"龙陵县茶艺师竞赛"}
    # A nonsense year is a form error, not a crash.
    assert client.get("/competitions/?year=99999").status_code == 200
    honour(longling, recipient_name="赵强", honour_title="首席技师")
    honour(shidian, recipient_name="钱多")
    html = client.get("/competitions/awards/?honour_title=首席技师").content.decode()
    assert "赵强" in html and "钱多" not in html
    html = client.get(f"/competitions/awards/?unit={shidian.pk}").content.decode()
    assert "钱多" in html and "赵强" not in html


def test_admin_masks_ids_and_refuses_sibling_rows(client, longling, shidian, baoshan):
    obj = honour(longling)
    theirs = honour(shidian, recipient_name="张伟")
    superuser = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(superuser)
    html = client.get("/admin/competitions/award/").content.decode()
    assert mask_id_number(ID_NUMBER) in html and ID_NUMBER not in html

    city_clerk = member(baoshan, is_staff=True)
    client.force_login(city_clerk)
    page = client.get(f"/admin/competitions/award/{obj.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert ID_NUMBER not in html and mask_id_number(ID_NUMBER) in html
    response = client.post(f"/admin/competitions/award/{obj.pk}/change/", {
        "competition": "", "medal": "无", "honour_title": "技术能手", "honour_level": "市级",
        "recipient_kind": "individual", "recipient_name": "李明", "employer": "龙陵县茶厂",
        "org_unit": longling.pk, "department": "", "awarded_on": "2024-03-12", "note": "",
    })
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.employer == "龙陵县茶厂" and obj.recipient_id_number == ID_NUMBER

    clerk = member(longling, is_staff=True)
    client.force_login(clerk)
    assert ID_NUMBER in client.get(f"/admin/competitions/award/{obj.pk}/change/").content.decode()
    html = client.get("/admin/competitions/award/").content.decode()
    assert "张伟" not in html
    response = client.get(f"/admin/competitions/award/{theirs.pk}/change/")
    assert response.status_code in (302, 403, 404)
    client.post(f"/admin/competitions/award/{theirs.pk}/delete/", {"post": "yes"})
    assert Award.objects.filter(pk=theirs.pk).exists()
    response = client.post("/admin/competitions/competition/add/", {
        "name": "越权竞赛", "level": "县级", "organiser_unit": shidian.pk,
        "start_date": "2024-03-01", "end_date": "2024-03-02", "participants": "5",
    })
    assert response.status_code in (200, 403)
    assert not Competition.objects.filter(name="越权竞赛").exists()
    response = client.post("/admin/competitions/competition/add/", {
        "name": "本县竞赛", "level": "县级", "organiser_unit": longling.pk,
        "start_date": "2024-03-01", "end_date": "2024-03-02", "participants": "5",
    })
    assert response.status_code == 302
    assert Competition.objects.get(name="本县竞赛").created_by == clerk


# --------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------
def test_measures_count_competitions_participants_and_awards(longling, shidian, baoshan):
    a = competition(longling, participants=100)
    competition(longling, participants=50, start_date=dt.date(2024, 3, 25),
                end_date=dt.date(2024, 3, 26), is_demo=True)  # demo rows count too
    competition(longling, participants=20, start_date=dt.date(2024, 4, 2),
                end_date=dt.date(2024, 4, 3))
    competition(shidian, participants=7)
    city = competition(baoshan, level="市级", participants=300)
    competition(longling, participants=1000, start_date=dt.date(2024, 6, 1),
                end_date=dt.date(2024, 6, 1))  # outside the window

    window = {"start": MARCH, "end": dt.date(2024, 4, 30)}
    county = {"level": "县级"}
    assert measure_values("competitions.events", county, units=[longling.pk], **window) == {
        (longling.pk, MARCH): Decimal(2), (longling.pk, APRIL): Decimal(1)
    }
    assert measure_values("competitions.events", county, rolled_up=True, units=[baoshan.pk],
                          **window) == {(baoshan.pk, MARCH): Decimal(3),
                                        (baoshan.pk, APRIL): Decimal(1)}
    assert measure_values("competitions.events", None, rolled_up=True, units=[baoshan.pk],
                          **window)[(baoshan.pk, MARCH)] == Decimal(4)
    assert measure_values("competitions.participants", county, units=[longling.pk],
                          **window) == {(longling.pk, MARCH): Decimal(150),
                                        (longling.pk, APRIL): Decimal(20)}
    assert measure_values("competitions.participants", None, rolled_up=True, units=[baoshan.pk],
                          **window) == {(baoshan.pk, MARCH): Decimal(457),
                                        (baoshan.pk, APRIL): Decimal(20)}

    award(longling, competition=a)
    award(longling, competition=a, recipient_kind="team", recipient_name="龙陵县代表队",
          recipient_id_number="", medal="银牌")
    award(longling, competition=city, awarded_on=dt.date(2024, 4, 5))
    honour(longling, honour_title="技术能手", honour_level="市级")
    honour(longling, honour_title="首席技师", honour_level="县级")
    honour(shidian, honour_title="技术能手", honour_level="市级")

    assert measure_values("competitions.awards", county, units=[longling.pk], **window) == {
        (longling.pk, MARCH): Decimal(2)
    }
    assert measure_values("competitions.awards", {"level": "市级"}, rolled_up=True,
                          units=[baoshan.pk], **window) == {(baoshan.pk, APRIL): Decimal(1)}
    assert measure_values("competitions.awards", {"honour_title": "技术能手"}, units=[longling.pk],
                          **window) == {(longling.pk, MARCH): Decimal(1)}
    assert measure_values("competitions.awards", {"honour_title": "技术能手"}, rolled_up=True,
                          units=[baoshan.pk], **window) == {(baoshan.pk, MARCH): Decimal(2)}
    assert measure_values("competitions.awards", {"honour_title": ["技术能手", "首席技师"],
                                                  "honour_level": "县级"},
                          rolled_up=True, units=[baoshan.pk], **window) == {
        (baoshan.pk, MARCH): Decimal(1)
    }
    assert measure_values("competitions.awards", None, rolled_up=True, units=[baoshan.pk],
                          **window) == {(baoshan.pk, MARCH): Decimal(5),
                                        (baoshan.pk, APRIL): Decimal(1)}
