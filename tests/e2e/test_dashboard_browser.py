"""Issue #6, done when: with the demo data, a provincial user sees the province, drills down
to a county and reads the same numbers the API gives; the bulletin of a month downloads as
.xlsx. Playwright drives Debian's chromium (/usr/bin/chromium, never a downloaded browser);
screenshots are kept in test-artifacts/."""

import datetime as dt
import math
import os
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from django.conf import settings
from openpyxl import load_workbook

from demo.figures import generate_demo_figures
from org.models import Membership, OrgUnit
from progress.rollup import rollup_month
from targets.choices import WHOLE_UNITS
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
PASSWORD = "correct-horse-battery"


def amount(value):
    """The page's number format (toLocaleString zh-CN, at most two decimals)."""
    return "—" if value is None else f"{value:,.2f}".rstrip("0").rstrip(".")


def percent(value):
    """As the page's script writes it: JavaScript's toFixed(1) rounds an exact tie (85.25)
    up, Python's format to even; the exact binary value is rounded half up here."""
    if value is None:
        return "—"
    return f"{Decimal(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@pytest.fixture
def page(monkeypatch):
    if not os.path.exists(CHROMIUM):
        pytest.fail("Chromium is required (scripts/browser.sh installs it)")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
    # itself between page actions are still synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1366, "height": 768},
                                      accept_downloads=True, locale="zh-CN")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.set_default_timeout(15000)
        yield page
        # The ORM calls made while Playwright's loop runs in this thread get connections of
        # their own (Django keeps them per async context): close them here, or the test
        # database cannot be dropped at the end of the run.
        from django.db import connections

        connections.close_all()
        context.close()
        browser.close()
        assert errors == [], errors


def shot(page, name):
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def api(page, live_server, path, **params):
    response = page.request.get(f"{live_server.url}{path}", params=params)
    assert response.ok, response.text()
    return response.json()


def open_dashboard(page, url):
    page.goto(url)
    page.wait_for_selector("#dashboard[data-loaded]")


def as_of(row) -> str:
    """What follows a stock's figure carried forward from an earlier month."""
    if not row["actual_as_of"]:
        return ""
    year, month = row["actual_as_of"].split("-")
    return f" 截至{year}年{int(month)}月"


def check_cards(page, data):
    cards = page.locator("article.dash-card")
    assert cards.count() == len(data["headline"])
    for row in data["headline"]:
        card = page.locator(f'article.dash-card[data-target="{row["target_code"]}"]')
        rate = card.locator('[data-field="completion_rate"]')
        assert rate.inner_text() == percent(row["completion_rate"])
        actual = card.locator('[data-field="actual"]')
        assert actual.get_attribute("data-value") == str(row["actual"])
        assert actual.inner_text() == \
            f"{amount(row['actual'])} {row['indicator']['unit']}{as_of(row)}"
        assert card.locator('[data-field="target"]').inner_text() == \
            f"{amount(row['target'])} {row['indicator']['unit']}"
        assert card.locator('[data-field="time_progress"]').inner_text() == \
            percent(row["time_progress"])
        # Status by colour and by icon and text.
        assert row["status_label"] in card.locator(".status").inner_text()
        assert row["status_icon"] in card.locator(".status").inner_text()


def test_provincial_user_drills_down_to_a_county_and_downloads_the_bulletin(
        page, live_server, seeded):
    generate_demo_figures(as_of=dt.date(2021, 12, 1))
    for month in (dt.date(2021, 8, 1), dt.date(2021, 9, 1)):
        rollup_month(month, trigger="test")
    official = UserFactory(username="zhejiang_e2e", first_name="省厅审核员")
    Membership.objects.create(user=official, org_unit=OrgUnit.objects.get(name="浙江省"),
                              role="reviewer")

    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "zhejiang_e2e")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit], main input[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    # The dashboard is the home page's first link.
    page.locator("main a").first.click()

    # The province: its own unit, the current plan (Wenzhou's, the only one in its scope), the
    # latest month with snapshots. It holds no target itself; 温州市 below it does.
    page.wait_for_selector("#dashboard[data-loaded]")
    assert page.locator("#dash-unit").inner_text().startswith("浙江省")
    assert page.locator("#dash-month").input_value() == "2021-09"
    assert page.locator("#dash-breadcrumbs").inner_text() == "全国 › 浙江省"
    assert "没有目标" in page.locator("#dash-cards").inner_text()
    assert page.locator("#table-children tbody tr").count() == 1
    shot(page, "dashboard-1-province")
    page.locator("#table-children").get_by_role("link", name="温州市").click()

    # The city: cards, the ranked regions beside the chart, laggards, departments.
    page.wait_for_selector("#dashboard[data-loaded]")
    wenzhou = OrgUnit.objects.get(name="温州市")
    data = api(page, live_server, "/api/v1/dashboard/", plan="wenzhou-2021", unit=wenzhou.pk,
               month="2021-09")
    assert page.locator("#dash-unit").inner_text().startswith("温州市")
    check_cards(page, data)
    series = data["series"][0]
    rows = page.locator("#table-children tbody tr")
    assert rows.count() == len(series["rows"]) == 14
    for i, row in enumerate(series["rows"]):
        line = rows.nth(i)
        assert line.locator("th").inner_text() == row["unit"]["name"]
        assert line.locator('[data-field="actual"]').inner_text() == \
            f"{amount(row['actual'])}{as_of(row)}"
        assert line.locator('[data-field="completion_rate"]').inner_text() == \
            percent(row["completion_rate"])
        assert line.locator('[data-field="rank"]').inner_text() == \
            f"{row['rank']}/{row['rank_of']}"
    assert page.locator("#chart-children svg").count() == 1  # ECharts, served locally
    assert page.locator("#table-laggards tbody tr").count() == len(data["laggards"])
    assert page.locator("#table-departments tbody tr").count() == 13
    # The same numbers through the progress API (the rows other systems read).
    progress = api(page, live_server, "/api/v1/progress/", plan="wenzhou-2021",
                   org_unit=wenzhou.pk, period="2021-09", page_size=100)
    by_target = {r["target"]: r for r in progress["results"]}
    for row in data["headline"]:
        assert by_target[row["target_id"]]["actual"] == row["actual"]
        assert by_target[row["target_id"]]["completion_rate"] == row["completion_rate"]
        assert by_target[row["target_id"]]["status"] == row["status"]
    shot(page, "dashboard-2-city")

    # August (time progress 8/12): shortfalls of people and events are fractional; the page
    # prints them whole, rounded up, as the bulletin does (#20), and keeps the exact figure.
    page.goto(f"{live_server.url}/dashboard/?plan=wenzhou-2021&unit={wenzhou.pk}&month=2021-08")
    page.wait_for_selector("#dashboard[data-loaded]")
    cells = page.locator('#table-laggards [data-field="short_of_time"]')
    assert cells.count() > 0
    fractional = 0
    for i in range(cells.count()):
        exact = float(cells.nth(i).get_attribute("data-value"))
        number, unit = cells.nth(i).inner_text().rsplit(" ", 1)
        if unit in WHOLE_UNITS:
            assert number == f"{math.ceil(exact - 1e-6):,}", (number, exact)
            fractional += exact != int(exact)
    assert fractional, "August has fractional shortfalls to round"

    # Foresight (#20): the 预警 section lists the warned rows, the most severe first, and the
    # cards show the projection; August is not the window's last month.
    warned = page.locator("#table-warnings [data-field=warning]")
    levels = [warned.nth(i).get_attribute("data-value") for i in range(warned.count())]
    assert levels and levels == sorted(levels, key=["red", "orange", "yellow"].index)
    assert page.locator("#dash-cards [data-field=projected_completion]").count() > 0
    # 人 / 万人: the switch reads amounts in 万 with two decimals, the exact figure on hover.
    page.get_by_role("link", name="万人").click()
    page.wait_for_selector("#dashboard[data-loaded]")
    assert "scale=wan" in page.url
    card = page.locator('#dash-cards [data-field="target"]').first
    exact = float(card.get_attribute("data-value"))
    assert card.inner_text().startswith(f"{exact / 10000:.2f}万")
    assert card.get_attribute("title").replace(",", "").startswith(f"{exact:.0f}")
    page.get_by_role("link", name="人", exact=True).click()
    page.wait_for_selector("#dashboard[data-loaded]")
    assert "scale=wan" not in page.url

    page.goto(f"{live_server.url}/dashboard/?plan=wenzhou-2021&unit={wenzhou.pk}&month=2021-09")
    page.wait_for_selector("#dashboard[data-loaded]")

    # Drill down to a county from the table beside the chart.
    page.locator("#table-children").get_by_role("link", name="鹿城区").click()
    page.wait_for_selector("#dashboard[data-loaded]")
    lucheng = OrgUnit.objects.get(name="鹿城区")
    county = api(page, live_server, "/api/v1/dashboard/", plan="wenzhou-2021", unit=lucheng.pk,
                 month="2021-09")
    assert page.locator("#dash-unit").inner_text().startswith("鹿城区")
    assert page.locator("#dash-breadcrumbs").inner_text() == "全国 › 浙江省 › 温州市 › 鹿城区"
    check_cards(page, county)
    assert len(county["headline"]) == 3
    city_row = next(r for r in series["rows"] if r["unit"]["name"] == "鹿城区")
    same = next(r for r in county["headline"] if r["target_id"] == city_row["target_id"])
    assert same["actual"] == city_row["actual"]
    shot(page, "dashboard-3-county")

    # A tablet: the page still works, charts and tables stacked.
    page.set_viewport_size({"width": 820, "height": 1180})
    page.reload()
    page.wait_for_selector("#dashboard[data-loaded]")
    assert page.evaluate("document.documentElement.scrollWidth") <= 820
    shot(page, "dashboard-4-county-tablet")
    page.set_viewport_size({"width": 1366, "height": 768})

    # Back up through the breadcrumbs, then issue and download the city's bulletin.
    page.locator("#dash-breadcrumbs").get_by_role("link", name="温州市").click()
    page.wait_for_selector("#dashboard[data-loaded]")
    assert page.locator("#dash-unit").inner_text().startswith("温州市")
    page.get_by_role("button", name="生成本月通报").click()
    page.wait_for_selector("#bulletin-xlsx")
    assert "通报已生成" in page.locator(".notice.ok").inner_text()
    shot(page, "bulletin-page")
    with page.expect_download() as download:
        page.click("#bulletin-xlsx")
    path = ARTIFACTS / "bulletin.xlsx"
    download.value.save_as(str(path))
    sheet = load_workbook(path).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "2021年9月" in values[0][0]
    for row in series["rows"]:
        line = next(v for v in values if v[0] == row["unit"]["name"] and v[1] ==
                    series["indicator"]["name"])
        assert line[5] == row["actual"] and line[6] == row["completion_rate"]
