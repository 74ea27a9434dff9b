"""The monthly bulletin (一月一通报): issued after the roll-up's Celery task, kept as issued,
re-issued on demand by reviewers and administrators only, scoped, downloadable as .xlsx and
printable."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from openpyxl import load_workbook

from dashboard.exporting import bulletin_workbook
from dashboard.models import Bulletin, Trigger
from dashboard.services import bulletin_units, issue_bulletin, issue_monthly_bulletins
from dashboard.tasks import issue_monthly_bulletins_task
from demo.figures import generate_demo_figures
from org.models import Membership, OrgUnit
from progress.models import ProgressSnapshot, RollupRun
from progress.rollup import rollup_month
from progress.tasks import rollup_month_task
from targets.models import Plan, Target
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = dt.date(2021, 9, 1)


@pytest.fixture(scope="module", autouse=True)
def demo_snapshots(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        generate_demo_figures(as_of=dt.date(2021, 12, 1))
        rollup_month(SEPTEMBER, trigger="test")
        yield
        transaction.set_rollback(True)


def unit(name):
    return OrgUnit.objects.get(name=name)


def member(unit_name, role):
    user = UserFactory()
    Membership.objects.create(user=user, org_unit=unit(unit_name), role=role)
    return user


@pytest.fixture
def wenzhou_plan():
    return Plan.objects.get(code="wenzhou-2021")


def city_bulletin(month=SEPTEMBER):
    return Bulletin.objects.get(plan__code="wenzhou-2021", org_unit__name="温州市", period=month,
                                version=1)


def test_the_roll_up_task_issues_the_months_bulletins_after_commit(
        django_capture_on_commit_callbacks, monkeypatch):
    sent = []

    def delay(month):  # the broker, run in-process
        sent.append(month)
        return issue_monthly_bulletins_task.apply(args=[month])

    monkeypatch.setattr(issue_monthly_bulletins_task, "delay", delay)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        rollup_month_task("2021-10", trigger="test")
    assert sent == [] and len(callbacks) == 1  # nothing is sent before the commit
    callbacks[0]()
    assert sent == ["2021-10"]
    issued = Bulletin.objects.filter(period=dt.date(2021, 10, 1), plan__code="wenzhou-2021")
    # The issuing city ranks its 14 regions.
    assert {b.org_unit.name for b in issued} == {"温州市"}
    assert all(b.trigger == Trigger.ROLLUP and b.issued_by is None for b in issued)
    assert issued.get(org_unit__name="温州市").run == RollupRun.objects.filter(
        period=dt.date(2021, 10, 1)).latest("started_at")


def test_bulletin_content_ranks_children_names_laggards_and_departments(wenzhou_plan):
    issue_monthly_bulletins(month=SEPTEMBER)
    c = city_bulletin().content
    assert c["unit"]["name"] == "温州市" and c["month"] == "2021-09"
    assert len(c["series"]) == 3 and all(len(s["rows"]) == 14 for s in c["series"])
    for s in c["series"]:
        rates = [r["completion_rate"] for r in s["rows"]]
        assert rates == sorted(rates, reverse=True)
        for r in s["rows"]:
            snap = ProgressSnapshot.objects.get(target_id=r["target_id"], period=SEPTEMBER)
            assert r["rank"] == snap.rank and float(snap.completion_rate) == r["completion_rate"]
    assert c["laggards"] and all(r["gap_to_time"] < 0 for r in c["laggards"])
    assert len(c["departments"]) == 13
    headline_targets = Target.objects.filter(plan=wenzhou_plan, org_unit__name="温州市",
                                             department__isnull=True)
    assert len(c["headline"]) == headline_targets.count()


def test_a_bulletin_stays_as_issued_when_the_month_is_rolled_up_again(wenzhou_plan):
    issue_monthly_bulletins(month=SEPTEMBER)
    before = city_bulletin().content
    target = Target.objects.get(plan=wenzhou_plan, code="training-2021")
    target.value *= 2
    target.save(update_fields=["value"])
    rollup_month(SEPTEMBER, trigger="test")
    assert issue_monthly_bulletins(month=SEPTEMBER) == []  # nothing re-issued automatically
    assert city_bulletin().content == before
    # A reviewer re-issues: a second version with the new numbers; the first is unchanged.
    reviewer = member("温州市", "reviewer")
    second = issue_bulletin(user=reviewer, plan=wenzhou_plan, org_unit=unit("温州市"),
                            month=SEPTEMBER)
    assert second.version == 2 and second.issued_by == reviewer
    old = next(r for r in before["headline"] if r["target_code"] == "training-2021")
    new = next(r for r in second.content["headline"] if r["target_code"] == "training-2021")
    assert new["target"] == 2 * old["target"]
    assert city_bulletin().content == before


def test_only_reviewers_and_administrators_of_the_unit_or_above_may_issue(wenzhou_plan, client):
    from django.core.exceptions import PermissionDenied

    for user in (member("温州市", "data_entry"), member("温州市", "viewer"),
                 member("鹿城区", "admin")):
        with pytest.raises(PermissionDenied):
            issue_bulletin(user=user, plan=wenzhou_plan, org_unit=unit("温州市"), month=SEPTEMBER)
    assert not Bulletin.objects.exists()
    assert issue_bulletin(user=member("浙江省", "admin"), plan=wenzhou_plan,
                          org_unit=unit("温州市"), month=SEPTEMBER).version == 1
    # Through the page, the refusal is a message in Chinese, not a 500.
    client.force_login(member("温州市", "data_entry"))
    response = client.post("/dashboard/bulletins/issue/", {
        "plan": "wenzhou-2021", "unit": unit("温州市").pk, "month": "2021-09"}, follow=True)
    assert response.status_code == 200
    assert "审核员" in response.content.decode()
    assert Bulletin.objects.count() == 1


def test_a_month_without_snapshots_is_refused_with_a_clear_message(wenzhou_plan):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="请先完成该月汇总"):
        issue_bulletin(user=member("温州市", "admin"), plan=wenzhou_plan,
                       org_unit=unit("温州市"), month=dt.date(2021, 3, 1))
    assert not Bulletin.objects.exists()


def test_nobody_reads_a_bulletin_of_a_unit_outside_their_scope(client):
    issue_monthly_bulletins(month=SEPTEMBER)
    bulletin = city_bulletin()
    county = member("鹿城区", "admin")  # would see its siblings' ranks
    department = UserFactory()
    Membership.objects.create(user=department, org_unit=unit("温州市"), role="admin",
                              department=unit("温州市").departments.get(name="市应急管理局"))
    for user in (county, department):
        client.force_login(user)
        assert client.get(f"/dashboard/bulletins/{bulletin.pk}/").status_code == 404
        assert client.get(f"/dashboard/bulletins/{bulletin.pk}/xlsx/").status_code == 404
        assert f"/dashboard/bulletins/{bulletin.pk}/" not in client.get(
            "/dashboard/bulletins/").content.decode()
    assert set(Bulletin.objects.for_user(county)) == set()
    client.force_login(member("浙江省", "viewer"))
    assert client.get(f"/dashboard/bulletins/{bulletin.pk}/").status_code == 200


def test_the_xlsx_holds_the_numbers_of_the_bulletin(client):
    issue_monthly_bulletins(month=SEPTEMBER)
    bulletin = city_bulletin()
    client.force_login(member("温州市", "viewer"))
    response = client.get(f"/dashboard/bulletins/{bulletin.pk}/xlsx/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    text = " ".join(str(v) for r in rows for v in r if v is not None)
    assert "温州" in rows[0][0] and "2021年9月" in rows[0][0]
    for r in bulletin.content["series"][0]["rows"]:
        line = next(x for x in rows if x[0] == r["unit"]["name"] and x[1] == r["indicator"]["name"]
                    and x[6] == r["completion_rate"])
        assert line[4] == r["target"] and line[5] == r["actual"]  # numbers stay numbers
        assert r["status_label"] in line[9]
    for d in bulletin.content["departments"]:
        assert d["department"]["name"] in text


def test_formula_like_text_is_escaped_in_the_xlsx():
    issue_monthly_bulletins(month=SEPTEMBER)
    bulletin = city_bulletin()
    bulletin.content["series"][0]["rows"][0]["unit"]["name"] = '=HYPERLINK("http://x","y")'
    bulletin.content["departments"][0]["department"]["name"] = "@SUM(A1)"
    ws = load_workbook(io.BytesIO(bulletin_workbook(bulletin))).active
    values = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert "'=HYPERLINK(\"http://x\",\"y\")" in values and "'@SUM(A1)" in values
    assert not any(v.startswith(("=", "@")) for v in values)


def test_the_printable_page(client):
    issue_monthly_bulletins(month=SEPTEMBER)
    bulletin = city_bulletin()
    client.force_login(member("温州市", "reviewer"))
    html = client.get(f"/dashboard/bulletins/{bulletin.pk}/").content.decode()
    assert "css/dashboard.css" in html and "window.print()" in html
    for r in bulletin.content["laggards"][:3]:
        assert r["unit"]["name"] in html
    assert "严重滞后" in html or "滞后" in html
    listing = client.get("/dashboard/bulletins/?plan=wenzhou-2021&month=2021-09").content.decode()
    assert f"/dashboard/bulletins/{bulletin.pk}/xlsx/" in listing
    other = client.get("/dashboard/bulletins/?month=2021-08").content.decode()
    assert f"/dashboard/bulletins/{bulletin.pk}/" not in other


def test_the_bulletin_api_and_admin_are_scoped():
    from rest_framework.test import APIClient

    issue_monthly_bulletins(month=SEPTEMBER)
    bulletin = city_bulletin()
    api = APIClient()
    api.force_authenticate(member("温州市", "viewer"))
    rows = api.get("/api/v1/bulletins/", {"plan": "wenzhou-2021", "month": "2021-09"}).json()
    (row,) = [r for r in rows["results"] if r["org_unit"]["name"] == "温州市"]
    assert row["content"] == bulletin.content and row["xlsx"].endswith(
        f"/dashboard/bulletins/{bulletin.pk}/xlsx/")
    api.force_authenticate(member("鹿城区", "admin"))
    assert api.get("/api/v1/bulletins/").json()["count"] == 0
    assert api.get(f"/api/v1/bulletins/{bulletin.pk}/").status_code == 404


def test_the_admin_lists_bulletins_read_only(client):
    issue_monthly_bulletins(month=SEPTEMBER)
    bulletin = city_bulletin()
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    assert "温州市" in client.get("/admin/dashboard/bulletin/").content.decode()
    page = client.get(f"/admin/dashboard/bulletin/{bulletin.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_bulletin_units_are_the_issuer_and_the_units_below_it_with_children_to_rank(wenzhou_plan):
    assert [u.name for u in bulletin_units(wenzhou_plan, SEPTEMBER)] == ["温州市"]
    guizhou = Plan.objects.get(code="guizhou-skills")
    assert [u.name for u in bulletin_units(guizhou, dt.date(2024, 9, 1))] == ["贵州省"]


def test_shortfalls_of_countable_units_print_whole_on_the_page_and_in_the_xlsx(client):
    """#20: "差序时进度 1,668.8 人", "0.67 个", "6.33 场" were printed; counts stay whole."""
    august = dt.date(2021, 8, 1)  # time progress 8/12: targets × progress are fractional
    rollup_month(august, trigger="test")
    issue_monthly_bulletins(month=august)
    bulletin = city_bulletin(august)
    rows = [r for s in bulletin.content["series"] for r in s["rows"]]
    short = [r for r in rows if r["gap_to_time"] is not None and r["gap_to_time"] < 0
             and r["gap_to_time"] != int(r["gap_to_time"])]
    assert short, "the demo month has fractional shortfalls to round"
    client.force_login(member("温州市", "viewer"))
    html = client.get(f"/dashboard/bulletins/{bulletin.pk}/").content.decode()
    ws = load_workbook(io.BytesIO(client.get(
        f"/dashboard/bulletins/{bulletin.pk}/xlsx/").content)).active
    sheet = list(ws.iter_rows(values_only=True))
    # The ranking tables, before the early warnings (which lay out other columns).
    sheet = sheet[:next(i for i, x in enumerate(sheet) if x[0] == "五、预警")]
    printed = {(x[0], x[1], x[6]): x[8] for x in sheet}
    for r in short:
        whole = -int(r["gap_to_time"]) + 1  # rounded up
        assert f"{whole:,} {r['indicator']['unit']}" in html
        assert printed[(r["unit"]["name"], r["indicator"]["name"], r["completion_rate"])] == whole


def test_the_rollup_command_issues_the_months_first_bulletins_once():
    """`manage.py rollup --bulletins` (what scripts/serve runs for the demo months): each
    rolled-up month's first bulletins, as the monthly task leaves them; run again, none."""
    out = io.StringIO()
    call_command("rollup", "--from", "2021-07", "--to", "2021-08", "--bulletins", stdout=out)
    issued = Bulletin.objects.filter(plan__code="wenzhou-2021", trigger=Trigger.ROLLUP,
                                     period__in=[dt.date(2021, 7, 1), dt.date(2021, 8, 1)])
    assert {b.period.month for b in issued} == {7, 8}
    assert issued.filter(org_unit__name="温州市", version=1).count() == 2
    every = Bulletin.objects.filter(period__in=[dt.date(2021, 7, 1), dt.date(2021, 8, 1)])
    assert f"issued {every.count()} bulletin(s)" in out.getvalue()
    again = io.StringIO()
    call_command("rollup", "--month", "2021-08", "--bulletins", stdout=again)
    assert "issued 0 bulletin(s)" in again.getvalue()


def test_the_bulletin_reads_in_wan_with_the_exact_figure_in_each_title(client):
    """人 / 万人 (#20): amounts of people and money in 万 with two decimals, as bulletins print
    them; the exact figure stays in the title, and the workbook keeps exact numbers."""
    import re

    august = dt.date(2021, 8, 1)
    rollup_month(august, trigger="test")
    issue_monthly_bulletins(month=august)
    bulletin = city_bulletin(august)
    client.force_login(member("温州市", "viewer"))
    exact = client.get(f"/dashboard/bulletins/{bulletin.pk}/").content.decode()
    wan = client.get(f"/dashboard/bulletins/{bulletin.pk}/?scale=wan").content.decode()
    target = next(r for r in bulletin.content["headline"] if r["indicator"]["unit"] == "人次"
                  and r["target"] and r["target"] >= 10000)
    shown = f"{target['target'] / 10000:.2f}万人次"
    assert shown not in exact and shown in wan
    title = re.search(rf'<span title="([^"]+)">{re.escape(shown)}</span>', wan)
    assert title and title.group(1) == f"{target['target']:,.0f} 人次"
    assert 'aria-current="true">万人</strong>' in wan
