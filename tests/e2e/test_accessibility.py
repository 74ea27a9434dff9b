"""Accessibility (#21): the main pages — login, home, dashboard, the monthly entry grid, the
import page, reporting and a bulletin — pass axe-core (vendored, tests/e2e/vendor/axe-core)
in Debian's Chromium with no serious or critical violation, each as the role that uses it."""

import datetime as dt
from pathlib import Path

import pytest

from dashboard.services import issue_monthly_bulletins
from demo.figures import generate_demo_figures
from demo.users import create_demo_users
from progress.rollup import rollup_month
from tests.e2e.test_dashboard_browser import page, shot  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.browser]
PASSWORD = "axe-check-2026"
AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
SEPTEMBER = dt.date(2025, 9, 1)


def violations(page) -> list[str]:  # noqa: F811
    page.add_script_tag(content=AXE)
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations")
    return [f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes'][:3]]}"
            for v in found if v["impact"] in ("serious", "critical")]


def login(page, live_server, username):  # noqa: F811
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit], main input[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def test_the_main_pages_pass_axe_core(page, live_server, seeded, settings):  # noqa: F811
    settings.PORTAL_TODAY = dt.date(2025, 10, 3)
    generate_demo_figures()
    rollup_month(SEPTEMBER, trigger="test")
    bulletin = next(b for b in issue_monthly_bulletins(month=SEPTEMBER)
                    if b.org_unit.name == "龙陵县")
    create_demo_users(PASSWORD)

    page.goto(f"{live_server.url}/accounts/login/")
    problems = {"login": violations(page)}
    for username, path in (("longling_clerk", "/"), ("longling_clerk", "/dashboard/"),
                           ("longling_clerk", "/entry/training/"),
                           ("longling_clerk", "/imports/"), ("baoshan_reviewer", "/reporting/"),
                           ("baoshan_reviewer", f"/dashboard/bulletins/{bulletin.pk}/")):
        login(page, live_server, username)
        response = page.goto(f"{live_server.url}{path}")
        assert response.ok, (username, path, response.status)
        if path == "/dashboard/":
            page.wait_for_selector("#dashboard[data-loaded]")
        page.wait_for_load_state("networkidle")
        problems[f"{username} {path}"] = violations(page)
    assert {where: found for where, found in problems.items() if found} == {}
