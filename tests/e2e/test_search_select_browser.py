"""A long list searched as the user types (#21), in a real browser: the unit filter of the
target list renders a few units; typing part of a name in the search box beside it fetches the
matching units, one is chosen and the list is filtered by it."""

import pytest

from demo.users import create_demo_users
from org.models import OrgUnit
from tests.e2e.test_accessibility import PASSWORD, login, violations
from tests.e2e.test_dashboard_browser import page, shot  # noqa: F401 - the browser fixture

pytestmark = [pytest.mark.browser]


def test_a_unit_is_found_by_typing_and_filters_the_targets(page, live_server, seeded):  # noqa: F811
    create_demo_users(PASSWORD)
    longling = OrgUnit.objects.get(name="龙陵县")
    login(page, live_server, "admin")
    page.goto(f"{live_server.url}/targets/")
    unit = page.locator("select[name=unit]")
    assert unit.locator(f"option[value='{longling.pk}']").count() == 0  # not rendered up front
    box = page.locator("select[name=unit]").locator("xpath=preceding-sibling::input[1]")
    assert box.get_attribute("aria-label") == "输入文字搜索列表"
    box.fill("龙陵")
    page.wait_for_selector(f"select[name=unit] option[value='{longling.pk}']", state="attached")
    unit.select_option(str(longling.pk))
    page.locator("form.filters button[type=submit]").first.click()
    page.wait_for_url(f"**/targets/?*unit={longling.pk}*")
    rows = page.locator("table tbody tr")
    assert rows.count() > 0
    assert all("龙陵县" in rows.nth(i).inner_text() for i in range(rows.count()))
    # The chosen unit stays chosen on the filtered page, and the page passes axe-core.
    assert page.locator("select[name=unit]").input_value() == str(longling.pk)
    assert violations(page) == []
