"""Small things users notice (issue #24): a favicon, dates and buttons that do not wrap, plan
pages that name their source document by its title."""

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.utils import translation

from targets.models import Plan
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    return client


def test_favicon_ico_redirects_to_an_existing_static_file(client):
    response = client.get("/favicon.ico")
    assert response.status_code in (301, 302)
    location = response.headers["Location"]
    assert location.startswith("/static/")
    assert finders.find(location.removeprefix("/static/"))


def test_every_page_links_its_icon(admin_client):
    html = admin_client.get("/").content.decode()
    assert 'rel="icon"' in html and "favicon" in html
    assert finders.find("favicon.svg") and finders.find("favicon.ico")


def test_plan_pages_name_the_source_document_by_its_title(admin_client):
    plans = list(Plan.unscoped.exclude(source_document=""))
    assert plans, "the seed plans record their source documents"
    for plan in plans:
        html = admin_client.get(f"/plans/{plan.code}/",
                                HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
        assert plan.source_document not in html
        assert ".txt" not in html
        assert f"《{plan.title}》" in html


def test_buttons_and_dates_do_not_wrap_per_character(admin_client):
    with open(finders.find("css/portal.css"), encoding="utf-8") as f:
        css = f.read()
    assert "button, a.button" in css and "td.date" in css
    html = admin_client.get("/plans/").content.decode()
    assert '<td class="date">' in html


def test_empty_choices_read_all_in_filters_and_please_choose_in_forms(admin_client):
    html = admin_client.get("/targets/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "---------" not in html and "未知" not in html
    assert ">全部</option>" in html
    form = admin_client.get("/entry/carriers/new/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert form.status_code == 200
    html = form.content.decode()
    assert "---------" not in html and ">请选择</option>" in html


@pytest.fixture
def _default_language_after():
    # A request in English leaves English active in this thread: later tests that read
    # messages outside a request (full_clean in tests/targets) would see English.
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_english_locale_keeps_english_choices(admin_client, _default_language_after):
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the language selector sets
    html = admin_client.get("/targets/").content.decode()
    assert ">All</option>" in html
    html = admin_client.get("/entry/carriers/new/").content.decode()
    assert ">Please choose</option>" in html
