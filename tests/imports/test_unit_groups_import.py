"""Org-unit group memberships from a spreadsheet (#22): uploaded on the import page, previewed
with each row's error under its row and column, confirmed all or nothing, audited; a second
upload of the same file changes nothing."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from audit.models import AuditEntry
from imports.choices import ImportStatus
from imports.models import ImportBatch
from org.models import OrgUnitGroupMember
from tests.api_helpers import API, client_for, member
from tests.conftest import unit

pytestmark = pytest.mark.django_db

SEEDED = "zj-mountain-26"  # the seed's own group (fixtures/org_unit_groups.yaml)


@pytest.fixture
def admin_of_baoshan():
    return member(unit("全国/云南省/保山市"), role="admin")


@pytest.fixture
def poverty(admin_of_baoshan):
    api = client_for(member(unit("全国/云南省"), role="admin"))
    kind = api.post(API + "org-unit-group-types/", {"code": "policy", "name": "政策类别"},
                    format="json").json()
    return api.post(API + "org-unit-groups/", {"code": "poverty", "name": "脱贫县",
                                               "group_set": kind["id"]}, format="json").json()


def workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["单位分组成员表"])
    sheet.append(["单位", "分组", "加入月份", "退出前最后月份"])
    for row in rows:
        sheet.append(row)
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def upload(client, data: bytes):
    response = client.post("/imports/", {"kind": "unit_groups", "basis": "month",
                                         "file": _named(data)})
    assert response.status_code == 302, response.content.decode()[:3000]
    return ImportBatch.objects.latest("pk")


def _named(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile
    return SimpleUploadedFile("分组.xlsx", data)


def test_group_memberships_import_previews_then_saves_all_and_audits(client, admin_of_baoshan,
                                                                     poverty):
    client.force_login(admin_of_baoshan)
    batch = upload(client, workbook([["龙陵县", "脱贫县", "2021-01", "2023-06"],
                                     ["施甸县", "poverty", "2023年7月", ""]]))
    assert batch.status == ImportStatus.PREVIEWED and batch.error_count == 0, batch.errors
    assert (batch.created, batch.updated, batch.unchanged) == (2, 0, 0)
    # a preview saves nothing
    assert not OrgUnitGroupMember.objects.exclude(group__code=SEEDED).exists()
    page = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "2021-01 起，至 2023-06" in page and "脱贫县" in page
    client.post(f"/imports/{batch.pk}/action/", {"action": "confirm"})
    rows = {(m.org_unit.name, str(m.valid_from), str(m.valid_to))
            for m in OrgUnitGroupMember.objects.exclude(group__code=SEEDED).select_related("org_unit")}
    assert rows == {("龙陵县", "2021-01-01", "2023-06-01"), ("施甸县", "2023-07-01", "None")}
    assert AuditEntry.objects.filter(actor=admin_of_baoshan,
                                     model_label="org.orgunitgroupmember").count() == 2
    again = upload(client, workbook([["龙陵县", "脱贫县", "2021-01", "2023-06"],
                                     ["施甸县", "poverty", "2023年7月", ""]]))
    assert (again.created, again.updated, again.unchanged, again.error_count) == (0, 0, 2, 0)


def test_group_import_names_each_bad_row_and_saves_nothing(client, admin_of_baoshan, poverty):
    client.force_login(admin_of_baoshan)
    batch = upload(client, workbook([["龙陵县", "脱贫县", "2021-01", ""],
                                     ["龙陵县", "不存在的分组", "2021-01", ""],
                                     ["龙陵县", "脱贫县", "明年", ""]]))
    messages = {(e["row"], e["message"]) for e in batch.errors}
    assert any(row == 4 and "不存在的分组" in message for row, message in messages), messages
    assert any(row == 5 for row, _m in messages), messages
    assert batch.status != ImportStatus.APPLIED
    assert not OrgUnitGroupMember.objects.exclude(group__code=SEEDED).exists()


def test_group_import_refuses_units_outside_the_uploaders_subtree(client, admin_of_baoshan,
                                                                  poverty):
    client.force_login(admin_of_baoshan)
    batch = upload(client, workbook([["龙陵县", "脱贫县", "2021-01", ""],
                                     ["鹿城区", "脱贫县", "2021-01", ""]]))
    assert batch.error_count == 1 and "无权设置该单位的分组" in batch.errors[0]["message"]
    assert batch.errors[0]["row"] == 4
    assert not OrgUnitGroupMember.objects.exclude(group__code=SEEDED).exists()


def test_group_import_is_not_offered_to_a_clerk(client, poverty):
    clerk = member(unit("全国/云南省/保山市/龙陵县"))
    client.force_login(clerk)
    html = client.get("/imports/").content.decode()
    assert 'value="unit_groups"' not in html
