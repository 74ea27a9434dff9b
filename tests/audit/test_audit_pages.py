"""The audit trail pages, admin and API: scoped to the user's units, filtered, per record and
per unit, and read-only everywhere."""

import datetime as dt

import pytest

from audit.models import AuditEntry
from audit.services import record
from competitions.models import Award
from competitions.services import save_award
from org.models import Department, Membership
from skills_portal.identity import id_number_check_char
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIRST17 = "33030219900101123"
ID_NUMBER = FIRST17 + id_number_check_char(FIRST17)


def member(org_unit, role="data_entry", department=None, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, org_unit=org_unit, role=role, department=department)
    return user


def honour(org_unit, name="张三", **kwargs):
    return Award(competition=None, medal="无", honour_title="技术能手", honour_level="县级",
                 recipient_kind="individual", recipient_name=name,
                 recipient_id_number=ID_NUMBER, org_unit=org_unit,
                 awarded_on=dt.date(2024, 3, 12), **kwargs)


@pytest.fixture
def trail(lucheng, longwan):
    lucheng_clerk = member(lucheng, username="lc_clerk")
    longwan_clerk = member(longwan, username="lw_clerk")
    ours = save_award(user=lucheng_clerk, award=honour(lucheng, name="鹿城获奖人"))
    theirs = save_award(user=longwan_clerk, award=honour(longwan, name="龙湾获奖人"))
    return {"lucheng_clerk": lucheng_clerk, "longwan_clerk": longwan_clerk, "ours": ours,
            "theirs": theirs}


def test_the_list_shows_only_entries_of_units_in_scope(client, trail, wenzhou):
    client.force_login(trail["lucheng_clerk"])
    html = client.get("/audit/").content.decode()
    assert "鹿城获奖人" in html and "龙湾获奖人" not in html
    assert ID_NUMBER not in html
    city_admin = member(wenzhou, role="admin")
    client.force_login(city_admin)
    html = client.get("/audit/").content.decode()
    assert "鹿城获奖人" in html and "龙湾获奖人" in html


def test_filters_by_model_action_user_unit_month_and_batch(client, trail, wenzhou, lucheng):
    client.force_login(member(wenzhou, role="reviewer"))
    html = client.get("/audit/", {"user": "lw_clerk"}).content.decode()
    assert "龙湾获奖人" in html and "鹿城获奖人" not in html
    html = client.get("/audit/", {"unit": lucheng.pk, "model": "competitions.award",
                                  "action": "create", "month_from": "2024-03-01",
                                  "month_to": "2024-03-01"}).content.decode()
    assert "鹿城获奖人" in html and "龙湾获奖人" not in html
    html = client.get("/audit/", {"month_from": "2024-04-01"}).content.decode()
    assert "鹿城获奖人" not in html
    assert client.get("/audit/", {"batch": "x"}).status_code == 400  # a clear refusal, no 500
    html = client.get("/audit/", {"batch": 999999}).content.decode()
    assert "没有符合条件的操作记录" in html


def test_record_history_and_unit_view_are_scoped(client, trail, lucheng, longwan):
    ours, theirs = trail["ours"], trail["theirs"]
    ours.employer = "鹿城区某公司"
    save_award(user=trail["lucheng_clerk"], award=ours)
    client.force_login(trail["lucheng_clerk"])
    response = client.get(f"/audit/record/competitions.award/{ours.pk}/")
    html = response.content.decode()
    assert response.status_code == 200 and "变更记录" in html and "鹿城区某公司" in html
    assert client.get(f"/audit/record/competitions.award/{theirs.pk}/").status_code == 404
    assert client.get(f"/audit/unit/{lucheng.pk}/").status_code == 200
    assert client.get(f"/audit/unit/{longwan.pk}/").status_code == 404
    other = AuditEntry.objects.get(model_label="competitions.award", object_id=str(theirs.pk))
    assert client.get(f"/audit/{other.pk}/").status_code == 404
    mine = AuditEntry.objects.filter(model_label="competitions.award",
                                     object_id=str(ours.pk)).first()
    assert client.get(f"/audit/{mine.pk}/").status_code == 200


def test_record_pages_link_to_their_history(client, trail):
    client.force_login(trail["lucheng_clerk"])
    html = client.get(f"/competitions/awards/{trail['ours'].pk}/edit/").content.decode()
    assert f"/audit/record/competitions.award/{trail['ours'].pk}/" in html


def test_the_org_unit_tree_links_to_each_units_history(client, trail, lucheng):
    client.force_login(trail["lucheng_clerk"])
    html = client.get("/units/").content.decode()
    assert f"/audit/unit/{lucheng.pk}/" in html
    assert "鹿城获奖人" in client.get(f"/audit/unit/{lucheng.pk}/").content.decode()


def test_a_department_uploader_sees_their_sector_only(client, wenzhou, lucheng):
    emergency = Department.objects.get(org_unit=wenzhou, name="市应急管理局")
    uploader = member(wenzhou, department=emergency)
    record(actor=None, action="submit", org_unit=wenzhou, department=emergency, note="应急报送")
    record(actor=None, action="submit", org_unit=wenzhou, note="人社报送")
    client.force_login(uploader)
    html = client.get("/audit/").content.decode()
    assert "应急报送" in html and "人社报送" not in html


def test_the_admin_is_read_only_even_for_a_superuser(client, trail):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    entry = AuditEntry.objects.filter(object_id=str(trail["ours"].pk)).first()
    assert client.get("/admin/audit/auditentry/").status_code == 200
    assert client.get("/admin/audit/auditentry/add/").status_code == 403
    page = client.get(f"/admin/audit/auditentry/{entry.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    response = client.post(f"/admin/audit/auditentry/{entry.pk}/change/", {"note": "x"})
    assert response.status_code == 403
    assert client.post(f"/admin/audit/auditentry/{entry.pk}/delete/",
                       {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.get(pk=entry.pk).note == entry.note


def test_a_scoped_admin_change_page_links_to_the_history(client, trail, lucheng):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    html = client.get(f"/admin/competitions/award/{trail['ours'].pk}/change/").content.decode()
    assert f"/audit/record/competitions.award/{trail['ours'].pk}/" in html


def test_the_api_is_scoped_filtered_and_read_only(client, trail):
    client.force_login(trail["lucheng_clerk"])
    data = client.get("/api/v1/audit/").json()
    names = {row["object_repr"] for row in data["results"]}
    assert any("鹿城获奖人" in n for n in names) and not any("龙湾获奖人" in n for n in names)
    row = data["results"][0]
    assert row["period"] == "2024-03" and ID_NUMBER not in str(data)
    theirs = AuditEntry.objects.get(model_label="competitions.award",
                                    object_id=str(trail["theirs"].pk))
    assert client.get(f"/api/v1/audit/{theirs.pk}/").status_code == 404
    assert client.get(f"/api/v1/audit/{row['id']}/").status_code == 200
    assert client.get("/api/v1/audit/", {"action": "delete"}).json()["count"] == 0
    assert client.post("/api/v1/audit/", {"note": "x"},
                       content_type="application/json").status_code == 405
    assert client.delete(f"/api/v1/audit/{row['id']}/").status_code == 405
    assert client.patch(f"/api/v1/audit/{row['id']}/", {"note": "x"},
                        content_type="application/json").status_code == 405
