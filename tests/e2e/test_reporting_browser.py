"""Issue #7 in a real browser: a 龙陵县 clerk submits May, the 保山市 reviewer returns it with a
comment, the clerk corrects a cell and resubmits, the reviewer sees the change and approves,
and the grid then refuses the month."""

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from org.models import Membership, OrgUnit
from reporting.models import MonthlyReport
from tests.e2e.waits import click_and_leave
from tests.factories import UserFactory
from training.forms import TRAINING_GRID
from training.models import TrainingFigure

pytestmark = [pytest.mark.browser]

MAY = dt.date(2024, 5, 1)
CELL = TRAINING_GRID.name("trained", "企业职工", "就业技能培训")


def login(browser, live_server, username):
    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys("correct-horse-battery", Keys.ENTER)
    browser.find_element(By.LINK_TEXT, "月度报送")


def click(browser, selector):
    click_and_leave(browser, selector)


def save_cell(browser, live_server, value):
    browser.get(f"{live_server.url}/entry/training/?month=2024-05")
    field = browser.find_element(By.ID, CELL)
    field.clear()
    field.send_keys(value)
    click(browser, "form.grid-form button.primary")


def test_submit_return_resubmit_approve_in_the_browser(browser, live_server, seeded):
    longling = OrgUnit.objects.get(code="530523")
    clerk = UserFactory(username="ll_clerk_e2e", first_name="龙陵填报员")
    reviewer = UserFactory(username="bs_reviewer_e2e", first_name="保山审核员")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    Membership.objects.create(user=reviewer, org_unit=longling.parent, role="reviewer")
    report_url = f"{live_server.url}/reporting/{longling.pk}/2024-05/"

    login(browser, live_server, "ll_clerk_e2e")
    save_cell(browser, live_server, "10")
    browser.get(report_url)
    click(browser, "button[value=submit]")
    assert "已报送" in browser.find_element(By.ID, "report-status-label").text

    login(browser, live_server, "bs_reviewer_e2e")
    browser.get(report_url)
    browser.find_element(By.ID, "id_comment").send_keys("企业职工人次偏低，请核实")
    click(browser, "button[value=return]")
    assert "已退回" in browser.find_element(By.ID, "report-status-label").text

    login(browser, live_server, "ll_clerk_e2e")
    assert "1" in browser.find_element(By.PARTIAL_LINK_TEXT, "通知").text  # unread notice
    save_cell(browser, live_server, "25")
    browser.get(report_url)
    assert "企业职工人次偏低，请核实" in browser.page_source
    click(browser, "button[value=submit]")

    login(browser, live_server, "bs_reviewer_e2e")
    browser.get(report_url)
    changes = browser.find_element(By.XPATH, "//h2[contains(., '与上次报送相比的变化')]"
                                             "/following-sibling::div[1]").text
    assert "10" in changes and "25" in changes and "+15" in changes
    # The reviewer sees the month's figures, target by target, before approving.
    row = browser.find_element(By.XPATH, "//table[@id='report-figures-table']//tr"
                                         "[td[2][normalize-space()='职业技能培训人次']]")
    assert row.find_element(By.CSS_SELECTOR, "td.month-value").text == "25"
    click(browser, "button[value=approve]")
    assert "已审核通过" in browser.find_element(By.ID, "report-status-label").text
    assert MonthlyReport.objects.get(org_unit=longling, period=MAY).status == "approved"

    login(browser, live_server, "ll_clerk_e2e")
    # The approved month is read-only: the grid's inputs are disabled, there is no save
    # button, and the banner says why.
    browser.get(f"{live_server.url}/entry/training/?month=2024-05")
    assert not browser.find_element(By.ID, CELL).is_enabled()
    assert not browser.find_elements(By.CSS_SELECTOR, "form.grid-form button.primary")
    assert "审核通过" in browser.find_element(By.CSS_SELECTOR, ".notice.locked").text
    assert TrainingFigure.objects.get(org_unit=longling, period=MAY).trained == 25
