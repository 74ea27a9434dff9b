"""Issue #3, done when: a 龙陵县 clerk enters a month of training (including 康养云师傅 and
生态卫士), certificates and a competition with awards in a real browser, and the measures
return exactly those figures for 龙陵县 and for 保山市 above it."""

import datetime as dt

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from certification.forms import CERTIFICATE_GRID
from competitions.models import Award, Competition
from org.models import Membership, OrgUnit
from skills_portal.identity import id_number_check_char
from targets.measures import measure_values
from tests.e2e.waits import click_and_leave
from tests.factories import UserFactory
from training.forms import TRAINING_GRID
from training.models import Programme

pytestmark = [pytest.mark.browser]

MAY = dt.date(2024, 5, 1)


def login(browser, live_server, username):
    browser.get(f"{live_server.url}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys("correct-horse-battery", Keys.ENTER)
    browser.find_element(By.LINK_TEXT, "月度填报")


def set_value(browser, element_id, value):
    browser.execute_script("document.getElementById(arguments[0]).value = arguments[1]",
                           element_id, value)


def submit(browser, selector):
    click_and_leave(browser, selector)


def success_text(browser):
    return browser.find_element(By.CSS_SELECTOR, ".notice.ok").text


def test_longling_clerk_enters_a_month_in_the_browser(browser, live_server, seeded):
    longling = OrgUnit.objects.get(code="530523")
    baoshan = OrgUnit.objects.get(code="530500")
    clerk = UserFactory(username="longling_e2e")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    kang = Programme.objects.get(plan__code="longling-2022", name="康养云师傅")
    eco = Programme.objects.get(plan__code="longling-2022", name="生态卫士")
    login(browser, live_server, "longling_e2e")

    # Training, 康养云师傅 (subsidised): typed cell by cell, Enter moving through the grid.
    browser.get(f"{live_server.url}/entry/training/?month=2024-05&programme={kang.pk}"
                "&subsidised=1")
    first = browser.find_element(By.ID, TRAINING_GRID.name("trained", "脱贫人口", "就业技能培训"))
    first.send_keys("40", Keys.ENTER)
    following = browser.switch_to.active_element
    assert following.get_attribute("id") == TRAINING_GRID.name("trained", "脱贫人口",
                                                               "岗位技能提升培训")
    following.send_keys("15")
    browser.find_element(By.ID, TRAINING_GRID.name("completed", "脱贫人口", "就业技能培训")
                         ).send_keys("35")
    browser.find_element(By.ID, TRAINING_GRID.name("certified", "脱贫人口", "就业技能培训")
                         ).send_keys("30")
    # The totals follow the typing before anything is saved.
    row_total = browser.find_elements(By.CSS_SELECTOR, "table.entry-grid")[0] \
        .find_elements(By.CSS_SELECTOR, "[data-row-total]")[2]
    assert row_total.text == "55"
    submit(browser, "form.grid-form button.primary")
    assert "已保存" in success_text(browser)

    # A mistake is refused with the error beside the cell; nothing of that page is saved.
    browser.get(f"{live_server.url}/entry/training/?month=2024-05&programme={eco.pk}")
    browser.find_element(By.ID, TRAINING_GRID.name("trained", "其他", "岗位技能提升培训")
                         ).send_keys("60")
    browser.find_element(By.ID, TRAINING_GRID.name("completed", "其他", "岗位技能提升培训")
                         ).send_keys("70")
    submit(browser, "form.grid-form button.primary")
    assert "未保存" in browser.find_element(By.CSS_SELECTOR, ".notice.bad").text
    bad = browser.find_element(By.ID, TRAINING_GRID.name("completed", "其他", "岗位技能提升培训"))
    assert bad.get_attribute("aria-invalid") == "true" and bad.get_attribute("value") == "70"
    bad.clear()
    bad.send_keys("50")
    submit(browser, "form.grid-form button.primary")
    assert "已保存" in success_text(browser)

    # Certificates: 8 养老护理员 skill-level certificates at 四级, 3 at 三级.
    browser.get(f"{live_server.url}/entry/certificates/?month=2024-05&occupation=养老护理员")
    browser.find_element(By.ID, CERTIFICATE_GRID.name("count", "职业技能等级证书", "四级/中级工")
                         ).send_keys("8")
    browser.find_element(By.ID, CERTIFICATE_GRID.name("count", "职业技能等级证书", "三级/高级工")
                         ).send_keys("3")
    submit(browser, "form.grid-form button.primary")
    assert "已保存" in success_text(browser)

    # A county competition with two awards.
    browser.get(f"{live_server.url}/competitions/new/")
    browser.find_element(By.NAME, "name").send_keys("龙陵县养老护理员职业技能竞赛")
    Select(browser.find_element(By.NAME, "level")).select_by_value("县级")
    Select(browser.find_element(By.NAME, "organiser_unit")).select_by_visible_text("龙陵县")
    set_value(browser, "id_start_date", "2024-05-08")
    set_value(browser, "id_end_date", "2024-05-09")
    browser.find_element(By.NAME, "participants").clear()
    browser.find_element(By.NAME, "participants").send_keys("120")
    browser.find_element(By.NAME, "occupations").send_keys("养老护理员")
    submit(browser, "main form button[type=submit]")
    assert "已保存" in success_text(browser)
    competition = Competition.objects.get(name="龙陵县养老护理员职业技能竞赛")

    for name, medal, first17 in (("张三", "金牌", "53052319850612002"),
                                 ("李四", "银牌", "53052319900101003")):
        id_number = first17 + id_number_check_char(first17)
        browser.get(f"{live_server.url}/competitions/awards/new/?competition={competition.pk}")
        Select(browser.find_element(By.NAME, "medal")).select_by_value(medal)
        Select(browser.find_element(By.NAME, "recipient_kind")).select_by_value("individual")
        browser.find_element(By.NAME, "recipient_name").send_keys(name)
        browser.find_element(By.NAME, "recipient_id_number").send_keys(id_number)
        Select(browser.find_element(By.NAME, "org_unit")).select_by_visible_text("龙陵县")
        set_value(browser, "id_awarded_on", "2024-05-09")
        submit(browser, "main form button[type=submit]")
        assert "已保存" in success_text(browser)
    assert Award.objects.filter(competition=competition).count() == 2

    def value(code, filters=None, unit=longling, rolled_up=False):
        values = measure_values(code, filters, start=MAY, end=MAY, units=[unit.pk],
                                rolled_up=rolled_up)
        return values.get((unit.pk, MAY), 0)

    for unit, rolled_up in ((longling, False), (baoshan, True)):
        assert value("training.person_times", {"programme": "康养云师傅"}, unit, rolled_up) == 55
        assert value("training.person_times", {"programme": "生态卫士"}, unit, rolled_up) == 60
        assert value("training.person_times", {"subsidised": True, "target_group": "脱贫人口"},
                     unit, rolled_up) == 55
        assert value("training.completed", None, unit, rolled_up) == 85
        assert value("training.certified_after", None, unit, rolled_up) == 30
        assert value("certification.certificates", {"occupation": "养老护理员"},
                     unit, rolled_up) == 11
        assert value("certification.certificates",
                     {"level": ["三级/高级工", "二级/技师", "一级/高级技师"]}, unit, rolled_up) == 3
        assert value("competitions.events", {"level": "县级"}, unit, rolled_up) == 1
        assert value("competitions.participants", None, unit, rolled_up) == 120
        assert value("competitions.awards", {"level": "县级"}, unit, rolled_up) == 2
    assert value("training.person_times", None, baoshan) == 0  # the city entered nothing itself
