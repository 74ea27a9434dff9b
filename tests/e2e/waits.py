"""Waiting for the browser to leave a page after a click, shared by the Selenium tests."""

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait


def click_and_leave(browser, selector, timeout: int = 15):
    """Click the element (a submit button or link) and wait until the browser has left the
    page, so that the next `get` never races a POST still in flight. Mid-navigation, Chrome
    sometimes reports the old page's node as "does not belong to the document" (a plain
    WebDriverException) instead of a stale reference: both mean the page is gone."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.find_element(By.CSS_SELECTOR, selector).click()

    def left(_driver):
        try:
            page.is_enabled()
        except (StaleElementReferenceException, WebDriverException):
            return True
        return False

    WebDriverWait(browser, timeout).until(left)
