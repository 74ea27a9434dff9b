"""#26, done when (the browser part): an administrator adds a 培训对象 in the admin, and a clerk
finds it as a row of the training grid and enters a figure for it, in a real browser."""

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from org.models import Membership, OrgUnit
from tests.e2e.test_longling_month import login, submit, success_text
from tests.factories import UserFactory
from training.forms import TRAINING_GRID
from training.models import TrainingFigure

pytestmark = [pytest.mark.browser]

NEW = "新就业形态劳动者"


def test_vocabulary_a_target_group_added_in_the_admin_is_a_grid_row(browser, live_server,
                                                                    seeded):
    longling = OrgUnit.objects.get(code="530523")
    UserFactory(username="vocab_admin", is_superuser=True, is_staff=True)
    clerk = UserFactory(username="vocab_clerk")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")

    login(browser, live_server, "vocab_admin")
    browser.get(f"{live_server.url}/admin/org/option/add/")
    Select(browser.find_element(By.NAME, "option_set")).select_by_visible_text("培训对象")
    browser.find_element(By.NAME, "code").send_keys(NEW)
    browser.find_element(By.NAME, "name").send_keys(NEW)
    browser.find_element(By.NAME, "synonyms").send_keys("平台劳动者")
    submit(browser, "input[name=_save]")
    assert NEW in browser.find_element(By.CSS_SELECTOR, "#result_list").text

    browser.delete_all_cookies()
    login(browser, live_server, "vocab_clerk")
    browser.get(f"{live_server.url}/entry/training/?month=2024-05")
    cell = browser.find_element(By.ID, TRAINING_GRID.name("trained", NEW, "就业技能培训"))
    row = cell.find_element(By.XPATH, "./ancestor::tr")
    assert NEW in row.text
    cell.send_keys("25")
    submit(browser, "form.grid-form button.primary")
    assert "已保存" in success_text(browser)
    figure = TrainingFigure.objects.get(org_unit=longling, period=dt.date(2024, 5, 1),
                                        target_group=NEW, training_type="就业技能培训")
    assert figure.trained == 25
