"""Audit diffs as a reader knows them (issue #24): related records by name, not by id; choices
by their label; yes/no in words; a job by its name; users by their full names. One query per
related model for a whole page, never one per entry."""

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from audit.models import AuditEntry
from subsidies.models import Scheme
from targets.models import Plan, Target
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def entry(**kwargs):
    return AuditEntry.unscoped.create(created_at=timezone.now(), **kwargs)


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(is_superuser=True, is_staff=True, username="root"))
    return client


@pytest.fixture
def target():
    return Target.unscoped.select_related("plan", "indicator").first()


def test_a_diff_names_related_records_and_labels_choices(admin_client, target, lucheng):
    clerk = UserFactory(username="lc_clerk", first_name="鹿城区填报员")
    created = entry(actor=clerk, actor_name="lc_clerk", action="create",
                    model_label="targets.target", object_id=str(target.pk), org_unit=lucheng,
                    after={"plan": target.plan_id, "indicator": target.indicator_id,
                           "is_soft": True, "window": target.window})
    html = admin_client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert str(target.plan) in html and str(target.indicator) in html
    assert f"→ {target.plan_id}<" not in html and f"→ {target.plan_id}\n" not in html
    assert "True" not in html and "→ 是" in html
    assert target.get_window_display() in html
    assert "鹿城区填报员" in html and ">lc_clerk<" not in html
    detail = admin_client.get(f"/audit/{created.pk}/",
                              HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert str(target.plan) in detail and "鹿城区填报员" in detail


def test_a_state_shows_its_label(admin_client, lucheng):
    scheme = Scheme.unscoped.first()
    entry(actor=None, action="create", model_label="subsidies.claim", object_id="1",
          org_unit=lucheng, after={"status": "pending", "scheme": scheme.pk},
          note="generate_claims")
    html = admin_client.get("/audit/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "待审核" in html and "pending" not in html
    assert str(scheme) in html
    # A job is named, not shown by its code.
    assert "系统任务·生成补贴申请" in html and "generate_claims" not in html


def test_the_english_page_stays_english(admin_client, lucheng):
    entry(actor=None, action="create", model_label="subsidies.claim", object_id="1",
          org_unit=lucheng, after={"status": "pending"}, note="generate_claims")
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # what the language selector sets
    html = admin_client.get("/audit/").content.decode()
    assert "System job · generate subsidy claims" in html


def test_names_cost_one_query_per_related_model_not_per_entry(admin_client, lucheng):
    plans = list(Plan.unscoped.all()[:4])

    def page_queries(count):
        for i in range(count):
            entry(actor=None, action="update", model_label="targets.target",
                  object_id=str(i), org_unit=lucheng,
                  before={"plan": plans[i % len(plans)].pk},
                  after={"plan": plans[(i + 1) % len(plans)].pk})
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/audit/").status_code == 200
        return len(queries)

    few = page_queries(3)
    many = page_queries(30)
    assert many == few
