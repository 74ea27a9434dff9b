"""Issue #17 in a browser: a county clerk's import page offers no quota-table fields; a city
administrator picks 指标分解表 (the plan's fields appear), uploads the Wenzhou table as a
GB18030 CSV, chooses the two unknown names in the preview and sees it pass."""

import pytest

from org.models import Membership
from targets.models import Plan, Target
from tests.conftest import unit
from tests.e2e.test_dashboard_browser import page, shot  # noqa: F401 - the browser fixture
from tests.factories import UserFactory
from tests.imports.test_xls_csv import quota_table

pytestmark = [pytest.mark.browser]
PASSWORD = "correct-horse-battery"  # tests.factories.UserFactory's


def login(tab, live_server, username):
    tab.goto(f"{live_server.url}/accounts/login/")
    tab.fill("input[name=username]", username)
    tab.fill("input[name=password]", PASSWORD)
    tab.click("main button[type=submit], main input[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")


def test_a_csv_quota_table_is_uploaded_and_its_names_chosen_in_the_browser(page, live_server,  # noqa: F811
                                                                          seeded, tmp_path):
    plan = Plan.objects.get(code="wenzhou-2021")
    Target.objects.filter(plan=plan, parent__isnull=False).delete()
    clerk = UserFactory(username="lucheng_files_browser")
    Membership.objects.create(user=clerk, org_unit=unit("全国/浙江省/温州市/鹿城区"),
                              role="data_entry")
    officer = UserFactory(username="wenzhou_files_browser")
    Membership.objects.create(user=officer, org_unit=unit("全国/浙江省/温州市"), role="admin")

    login(page, live_server, clerk.username)
    page.goto(f"{live_server.url}/imports/")
    assert page.locator("select[name=kind] option[value=quota]").count() == 0
    assert not page.locator("select[name=plan]").is_visible()
    page.context.clear_cookies()

    login(page, live_server, officer.username)
    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=kind]", "training")
    assert not page.locator("select[name=plan]").is_visible()
    page.select_option("select[name=kind]", "quota")
    assert page.locator("select[name=plan]").is_visible()
    assert not page.locator("input[name=basis]").first.is_visible()
    page.select_option("select[name=plan]", str(plan.pk))
    path = tmp_path / "温州分解表.csv"
    path.write_bytes(quota_table("csv"))
    page.set_input_files("input[name=file]", str(path))
    page.click("form.upload-form button[type=submit]")
    page.wait_for_selector("#import-names")
    shot(page, "import-names-to-choose")
    selects = page.locator("#import-names select")
    assert selects.count() == 2
    for index in range(2):
        select = selects.nth(index)
        select.select_option(index=1)  # the nearest candidate
    page.click("#import-names button[type=submit]")
    page.wait_for_selector("#import-counts")
    counts = page.locator("#import-counts").inner_text()
    assert "新增 42 条" in counts and "错误 0 个" in counts, counts
    assert page.locator("#import-names").count() == 0
    shot(page, "import-names-chosen")
