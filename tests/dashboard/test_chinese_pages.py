"""No English, raw codes or raw ids on a page in 简体中文 (issue #24).

Every page each demo role can open (the walk of tests/org/test_scoped_crawl.py, on the same
demo), requested in zh-hans: the text a reader sees holds no Latin word outside a short list
of names that stay Latin in Chinese text (Excel, CSV, API, …). Script and style contents,
tags and their attributes (URLs, code-like ids), and numbers are not read."""

import re
from collections import Counter, defaultdict
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from bench.crawlkit import SKIPPED, _links, _pattern, crawl
from org.models import Option, OptionSet, OrgUnitGroup, OrgUnitGroupSet
from subsidies.models import Scheme
from targets.measures import registry
from targets.models import Indicator, Plan, Target, ValidationRule
from tests.org.test_scoped_crawl import ROLES, demo  # noqa: F401 (demo: the module's demo)

pytestmark = pytest.mark.django_db

# Latin words a Chinese page may show: product and format names, abbreviations read as such.
ALLOWED = {
    "excel", "wps", "csv", "xlsx", "xls", "txt", "api", "syb", "siyb", "id", "pdf", "json", "url", "http",
    "https", "ip", "mb", "kb", "gb",
    # The language switch names English in English.
    "english",
    # Names Django's own Chinese text keeps: key names ("按住 Control 键或 Mac 上的 Command
    # 键"), a protocol (LDAP).
    "control", "command", "mac", "ldap",
}
# Not read: scripts, styles, text areas' contents, comments, and <bdi> (a password hash's parts
# on the admin's user page).
INVISIBLE = re.compile(r"<(script|style|textarea|bdi)\b.*?</\1\s*>|<!--.*?-->", re.S | re.I)
# Chinese national standards are cited by their Latin prefix ("GB/T 2260"), and the plans
# quote the national "1+X" certificate system (学历证书+若干职业技能等级证书) by that name.
STANDARD = re.compile(r"\bGB/T\b|(?<![0-9A-Za-z])1\+X(?![A-Za-z])")
TAG = re.compile(r"<[^>]*>")
# A word not glued to a number or to masked characters (an ID number's final X, a request id's
# hex, a password hash's visible salt).
LATIN_WORD = re.compile(
    r"(?<![0-9A-Za-z*_])(?:[A-Za-z][A-Za-z0-9_'’.-]*[A-Za-z0-9]|[A-Za-z])(?![0-9A-Za-z*])")


def admin_data() -> set[str]:
    """What the admin shows because it is the data an administrator edits there: record codes
    (indicators, plans, targets, schemes, rules, org-unit groups, option sets), the measures
    and dimensions an indicator's filters are written in, login names. Only admin pages may
    show these."""
    words = {"true", "false", "null"}  # an indicator's filters are JSON
    words.add("unknown")  # what django-axes records for a request without a User-Agent
    for model in (Indicator, Plan, Target, Scheme, ValidationRule, OrgUnitGroupSet,
                  OrgUnitGroup, OptionSet, Option):
        words |= set(model.unscoped.values_list("code", flat=True))
    words |= set(Indicator.unscoped.values_list("measure", flat=True))
    words |= set(Plan.unscoped.values_list("source_document", flat=True))
    for measure in registry.all():
        words |= {measure.code, *(d.name for d in measure.dimensions)}
    words |= set(get_user_model().objects.values_list("username", flat=True))
    return {w for w in words if w}


def visible_text(html: str) -> str:
    return STANDARD.sub(" ", unescape(TAG.sub(" ", INVISIBLE.sub(" ", html))))


def latin_words(text: str) -> set[str]:
    words = set()
    for word in LATIN_WORD.findall(text):
        word = word.strip("._-'’")
        if not word or any(c.isdigit() for c in word):  # code-like: a request id, a file hash
            continue
        parts = [p for p in re.split(r"[._-]", word) if p]
        if not all(p.lower() in ALLOWED for p in parts):
            words.add(word)
    return words


def test_visible_text_reads_past_tags_scripts_and_allowed_words():
    html = ('<a href="/x/?a=b" title="code_like">技能人才总量</a><script>var x = 1;</script>'
            '<style>.a{color:red}</style><p>Excel 模板 · CSV · API 2025-09 &nbsp;skill_total</p>'
            '<p>请求 3fa9c2d1 · 5303**********123X · 10 MB · 开展1+X评价考核</p>')
    assert latin_words(visible_text(html)) == {"skill_total"}


@pytest.mark.crawl
@pytest.mark.parametrize("username", ROLES)
def test_pages_in_chinese_show_no_english_or_raw_codes_and_offer_no_link_that_answers_403(
        username):
    """One walk per role (each walk opens a few hundred pages) reads every page for Latin words
    and collects every link a portal page offers; then each offered link (a few per URL
    pattern) must open for the user who was offered it: navigation and pages show only what
    the role may open."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(get_user_model().objects.get(username=username))
    found, offered = defaultdict(set), defaultdict(set)
    data = admin_data()

    def read(url, response):
        path = urlsplit(url).path
        if response.status_code != 200 or path.startswith("/api/"):
            return
        if response.headers.get("Content-Type", "").startswith("text/html"):
            for word in latin_words(visible_text(response.content.decode())):
                if not (path.startswith("/admin/") and word in data):
                    found[word].add(url)
        if not path.startswith("/admin/"):
            for link in _links(response, path):
                if link.startswith("/") and not link.startswith(("//", *SKIPPED)):
                    offered[link].add(url)

    crawl(client, on_page=read)
    if found:
        pytest.fail("Latin words on Chinese pages:\n" + "\n".join(
            f"{word}: {sorted(urls)[:3]}" for word, urls in sorted(found.items())))
    forbidden, per_pattern = {}, Counter()
    for link in sorted(offered):
        pattern = _pattern(urlsplit(link).path)
        if pattern is None or per_pattern[pattern] >= 3:
            continue
        per_pattern[pattern] += 1
        if client.get(link).status_code == 403:
            forbidden[link] = sorted(offered[link])[:3]
    assert forbidden == {}
