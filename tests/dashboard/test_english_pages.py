"""The English locale stays complete (issue #24, the other way round): every page each demo
role can open, requested in English, shows no Chinese in the words the portal itself writes —
navigation, headings of columns, labels, buttons, legends, help texts. Chinese there can only
be data (names of units, plans, indicators, departments, people, the policy vocabulary the
plans write in Chinese), which is collected from the database and the models' choices."""

import re
from collections import defaultdict
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection, models
from django.test import Client

from bench.crawlkit import crawl
from tests.org.test_scoped_crawl import ROLES, demo  # noqa: F401 (demo: the module's)

pytestmark = [
    pytest.mark.django_db,
    # What a page writes does not depend on the database: one run of the two in CI is enough
    # (it keeps .ci/run within its time).
    pytest.mark.skipif(connection.vendor != "postgresql",
                       reason="the pages' words are the same on SQLite; crawled on PostgreSQL"),
]

# The elements whose text the portal writes (templates, forms, tables' column heads).
CHROME = re.compile(
    r"<(label|button|legend|nav|th)\b([^>]*)>(.*?)</\1\s*>", re.S | re.I)
HELP = re.compile(r'<[^>]*class="[^"]*\bhelp(?:text)?\b[^"]*"[^>]*>(.*?)</', re.S | re.I)
TAG = re.compile(r"<[^>]*>")
CJK = re.compile(r"[\u3400-\u9fff]+")  # runs of Han characters: data joined by punctuation splits
HAN = re.compile(r"[\u3400-\u9fff]")


def data_words() -> set[str]:
    """Every Chinese text the data holds: any text field of any row of a model with fewer than
    50,000 rows (names, codes, notes), and every choice label (the policy vocabulary)."""
    words = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.choices:
                words |= {str(label) for _value, label in field.flatchoices}
        texts = [f.attname for f in model._meta.concrete_fields
                 if isinstance(f, (models.CharField, models.TextField)) and not f.choices]
        if not texts or model._base_manager.count() > 50_000:
            continue
        for row in model._base_manager.values_list(*texts):
            words |= {value for value in row if value and HAN.search(value)}
    return words


def chrome_text(html: str) -> list[str]:
    html = re.sub(r"<(script|style|textarea|select|option)\b.*?</\1\s*>", " ", html,
                  flags=re.S | re.I)
    parts = [m.group(3) for m in CHROME.finditer(html)
             if not (m.group(1).lower() == "th" and 'scope="row"' in m.group(2))]
    parts += HELP.findall(html)
    return [unescape(TAG.sub(" ", p)) for p in parts]


def chinese_outside_data(text: str, data: str) -> list[str]:
    return [run for run in CJK.findall(text) if HAN.search(run) and run not in data]


@pytest.mark.parametrize("username", ["admin", "longling_clerk", "wenzhou_emergency"])
def test_pages_in_english_show_no_chinese_the_portal_wrote(username):
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the language switch's choice
    client.force_login(get_user_model().objects.get(username=username))
    data = "\n".join(sorted(data_words()))
    found = defaultdict(set)

    def read(url, response):
        path = urlsplit(url).path
        if response.status_code != 200 or path.startswith("/api/") or \
                not response.headers.get("Content-Type", "").startswith("text/html"):
            return
        for text in chrome_text(response.content.decode()):
            for run in chinese_outside_data(text, data):
                found[run].add(url)

    crawl(client, on_page=read)
    if found:
        pytest.fail("Chinese the portal wrote on English pages:\n" + "\n".join(
            f"{run}: {sorted(urls)[:3]}" for run, urls in sorted(found.items())))
