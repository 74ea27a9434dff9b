"""Issue #5: a plan's targets set up from a spreadsheet, one target per row, with the headers
of the target export — so an exported list round-trips."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from imports import services
from imports.choices import ImportStatus
from org.models import Membership
from targets.models import Target
from tests.conftest import unit
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    user = UserFactory(username="longling_target_admin")
    Membership.objects.create(user=user, org_unit=unit("全国/云南省/保山市/龙陵县"), role="admin")
    return user


def exported(client, user) -> bytes:
    client.force_login(user)
    return client.get("/imports/export/targets.xlsx?plan=longling-2022").content


def edited(data: bytes, change) -> bytes:
    book = load_workbook(io.BytesIO(data))
    change(book.active)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_an_exported_target_list_round_trips_and_edits_apply(client, officer):
    data = exported(client, officer)
    total = Target.objects.filter(plan__code="longling-2022").count()
    same = services.upload(user=officer, kind="targets", basis="month", file_name="t.xlsx",
                           data=data)
    assert same.error_count == 0, same.errors
    assert (same.created, same.updated, same.unchanged) == (0, 0, total)

    def change(sheet):
        header = [c.value for c in sheet[1]]
        code, value = header.index("目标代码") + 1, header.index("目标值") + 1
        sheet.cell(row=2, column=value, value=99999)
        new = [c.value for c in sheet[2]]
        new[code - 1] = "imported-new-target"
        new[header.index("上级目标代码")] = None
        new[header.index("分解方式")] = ""
        sheet.append(new)

    batch = services.upload(user=officer, kind="targets", basis="month", file_name="t.xlsx",
                            data=edited(data, change))
    assert (batch.created, batch.updated, batch.error_count) == (1, 1, 0), batch.errors
    assert not Target.objects.filter(code="imported-new-target").exists()  # preview only
    batch = services.confirm(batch, user=officer)
    assert batch.status == ImportStatus.APPLIED
    created = Target.objects.get(plan__code="longling-2022", code="imported-new-target")
    assert created.value == 99999 and created.parent is None


def test_only_administrators_of_the_issuing_unit_may_set_targets(client, officer):
    data = exported(client, officer)
    clerk = UserFactory(username="longling_target_clerk")
    Membership.objects.create(user=clerk, org_unit=unit("全国/云南省/保山市/龙陵县"), role="data_entry")
    batch = services.upload(user=clerk, kind="targets", basis="month", file_name="t.xlsx",
                            data=data)
    assert batch.error_count == batch.rows > 0
    assert {e["message"] for e in batch.errors} == {"您无权设置该目标（需要发文单位或上级的管理员权限）"}


def test_bad_target_rows_say_where_and_why(client, officer):
    def change(sheet):
        header = [c.value for c in sheet[1]]
        sheet.cell(row=2, column=header.index("指标") + 1, value="不存在的指标")
        sheet.cell(row=3, column=header.index("比较") + 1, value="大约")
        sheet.cell(row=4, column=header.index("方案代码") + 1, value="no-such-plan")

    batch = services.upload(user=officer, kind="targets", basis="month", file_name="t.xlsx",
                            data=edited(exported(client, officer), change))
    assert [(e["row"], e["message"]) for e in batch.errors] == [
        (2, "没有代码或名称为「不存在的指标」的指标"),
        (3, "比较方式「大约」应为 ≥、≤、> 或 ="),
        (4, "没有代码为「no-such-plan」的方案"),
    ]
