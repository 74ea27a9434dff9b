"""A 其中 line is a part of the whole, not a shortfall (#26): a slice breakdown is complete
while its parts do not exceed the whole ("其中已列示 86 %"), an error that says by how much when
they do, and a shortfall only where an administrator marks it exhaustive (the plan says 分别为
/ 合计). Region and department decompositions keep today's check."""

from __future__ import annotations

import pytest

from org.models import Membership
from targets.models import Target
from targets.selectors import decomposition_coverage
from tests.api_helpers import API, client_for
from tests.conftest import unit
from tests.factories import UserFactory
from tests.targets.test_cascade_setup import FormFields, errors_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return client_for(UserFactory(is_superuser=True, is_staff=True))


def longling_training():
    return Target.unscoped.get(plan__code="longling-2022", code="training")


def coverage_of(target):
    return {c.axis: c for c in decomposition_coverage([target])[target.pk]}


def slice_target(api, parent, code, value, indicator="training_kangyang"):
    response = api.post(API + "targets/", {
        "plan": parent.plan.code, "code": code, "indicator": indicator,
        "org_unit": parent.org_unit_id, "window": parent.window,
        "period_start": f"{parent.period_start:%Y-%m}", "period_end": f"{parent.period_end:%Y-%m}",
        "value": value, "parent": parent.pk, "axis": "slice"}, format="json")
    assert response.status_code == 201, response.content.decode()[:2000]
    return response.json()


def test_part_of_longlings_five_programmes_are_listed_not_short():
    # 10,000 人次, of which 生态卫士 4,500, 康养云师傅 1,500, 马兰花 1,000, 乡村振兴 800, 云品工匠 800.
    coverage = coverage_of(longling_training())["slice"]
    assert (coverage.children, coverage.children_sum, coverage.coverage_pct) == (5, 8600, 86)
    assert (coverage.status, coverage.status_label) == ("part_listed", "其中已列示")
    assert not coverage.exhaustive


def test_part_of_decompositions_page_lists_longling_as_listed_and_counts_no_mismatch(client):
    client.force_login(UserFactory(is_superuser=True))
    page = client.get("/decompositions/").content.decode()
    row = next(r for r in page.split("<tr>") if "龙陵" in r and "职业技能培训" in r)
    assert "其中已列示" in row and "86%" in row and "分解不足" not in row
    assert "不符" not in page.split("<table")[0]  # no "N 项合计不符" badge for the seeds


def test_part_of_home_page_counts_no_mismatch_for_the_seed_plans(client):
    client.force_login(UserFactory(is_superuser=True))
    response = client.get("/")
    assert response.context["decompositions"] >= 10
    assert response.context["decomposition_problems"] == 0


def test_part_of_home_page_says_so_when_nothing_in_the_users_area_is_decomposed(client):
    """A viewer of a unit with no decomposed target is not told that "0 axes all add up"."""
    viewer = UserFactory()
    Membership.objects.create(user=viewer, org_unit=unit("全国/河南省"), role="viewer")
    client.force_login(viewer)
    response = client.get("/")
    assert response.context["decompositions"] == 0
    page = response.content.decode()
    assert "您的范围内尚无分解的目标。" in page
    assert "全部合计相符" not in page


def test_part_of_a_single_slice_under_a_total_is_listed(api):
    made = api.post(API + "targets/", {
        "plan": "wenzhou-2021", "code": "training-whole", "indicator": "training_person_times",
        "org_unit": unit("全国/浙江省/温州市").pk, "window": "annual",
        "period_start": "2022-01", "period_end": "2022-12", "value": 120000}, format="json")
    assert made.status_code == 201, made.content
    whole = Target.unscoped.get(pk=made.json()["id"])
    slice_target(api, whole, "training-kangyang-2022", 33600)
    coverage = coverage_of(whole)["slice"]
    # 33,600 of 120,000: 28 % listed, not "28 % 分解不足".
    assert (coverage.coverage_pct, coverage.status) == (28, "part_listed")


def test_part_of_slices_exceeding_the_whole_are_an_error_saying_by_how_much(api):
    whole = longling_training()
    slice_target(api, whole, "training-extra", 1900)
    coverage = coverage_of(whole)["slice"]
    # 8,600 + 1,900 = 10,500 of 10,000: 500 over.
    assert (coverage.status, coverage.status_label, coverage.difference) == (
        "over", "其中超出总数", 500)


def test_part_of_marked_exhaustive_a_gap_is_a_shortfall(api):
    whole = longling_training()
    response = api.patch(API + f"targets/{whole.pk}/", {"slices_exhaustive": True}, format="json")
    assert response.status_code == 200, response.content
    [slices] = [c for c in response.json()["coverage"] if c["axis"] == "slice"]
    assert (slices["exhaustive"], slices["status"], slices["difference"]) == (True, "under", -1400)


def test_part_of_exhaustive_slices_adding_up_are_balanced(api):
    whole = longling_training()
    api.patch(API + f"targets/{whole.pk}/", {"slices_exhaustive": True}, format="json")
    slice_target(api, whole, "training-rest", 1400)
    whole.refresh_from_db()
    assert coverage_of(whole)["slice"].status == "balanced"


def test_part_of_region_decompositions_keep_todays_check(api):
    whole = Target.unscoped.get(plan__code="wenzhou-2021", code="training-2021")
    share = Target.unscoped.filter(parent=whole, axis="region").order_by("pk").first()
    response = api.patch(API + f"targets/{share.pk}/", {"value": float(share.value) - 100},
                         format="json")
    assert response.status_code == 200, response.content
    region = coverage_of(whole)["region"]
    assert (region.exhaustive, region.status, region.difference) == (True, "under", -100)


def test_part_of_api_reports_the_slice_coverage(api):
    whole = longling_training()
    data = api.get(API + f"targets/{whole.pk}/").json()
    [slices] = [c for c in data["coverage"] if c["axis"] == "slice"]
    assert (slices["status"], slices["status_label"], slices["coverage_pct"], slices["exhaustive"]
            ) == ("part_listed", "其中已列示", 86, False)
    assert data["slices_exhaustive"] is False


def test_part_of_the_admin_form_marks_a_breakdown_exhaustive(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    whole = longling_training()
    url = f"/admin/targets/target/{whole.pk}/change/"
    parser = FormFields()
    parser.feed(client.get(url).content.decode())
    data = {k: v for k, v in parser.fields.items() if not k.startswith("_")}
    data["slices_exhaustive"] = "on"
    # The months read back from the page ("2021-01") are taken as they are shown.
    assert (data["period_start"], data["period_end"]) == ("2021-01", "2025-12")
    response = client.post(url, data)
    assert response.status_code == 302, errors_of(response)[:3000]
    whole.refresh_from_db()
    assert whole.slices_exhaustive
    assert coverage_of(whole)["slice"].status == "under"
