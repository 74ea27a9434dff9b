"""skills_portal.memo: a rarely changed table read once per few seconds in a process, forgotten
at once when this process saves or deletes one of its rows."""

from __future__ import annotations

import datetime as dt

import pytest

from reporting import schedule
from reporting.models import ReportingSchedule
from skills_portal import memo
from tests.conftest import unit

pytestmark = pytest.mark.django_db


def test_a_memo_reads_once_until_it_expires(monkeypatch):
    reads = []
    m = memo.Memo(lambda: reads.append(1) or len(reads), seconds=5.0, models=())
    assert (m.get(), m.get()) == (1, 1)
    now = memo.time.monotonic()
    monkeypatch.setattr(memo.time, "monotonic", lambda: now + 6)
    assert m.get() == 2


def test_rules_for_reads_the_schedules_once_while_remembered():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    longling = unit("全国/云南省/保山市/龙陵县")
    month = dt.date(2025, 9, 1)
    with CaptureQueriesContext(connection) as first:
        schedule.rules_for([(longling.pk, month)])
    with CaptureQueriesContext(connection) as second:
        schedule.rules_for([(longling.pk, month)])
    read = [q for q in first.captured_queries if "reporting_reportingschedule" in q["sql"]]
    assert read  # the first call reads them
    assert not [q for q in second.captured_queries if "reporting_reportingschedule" in q["sql"]]


def test_a_schedule_saved_here_is_seen_at_once():
    longling = unit("全国/云南省/保山市/龙陵县")
    month = dt.date(2025, 9, 1)
    before = schedule.rules_of(longling.pk, month)
    default = ReportingSchedule.unscoped.filter(plan__isnull=True).first()
    if default is None:
        default = ReportingSchedule.unscoped.create(deadline_day=before.deadline_day)
    planned = ReportingSchedule.unscoped.filter(plan__isnull=False)
    planned.delete()  # the default then applies everywhere
    default.deadline_day = 9 if before.deadline_day != 9 else 8
    default.save()
    assert schedule.rules_of(longling.pk, month).deadline_day == default.deadline_day


def test_an_active_rule_saved_here_is_checked_at_once():
    from targets.models import ValidationRule
    from targets.services import _active_rules

    count = len(_active_rules.get())
    rule = ValidationRule.unscoped.filter(is_active=True).first()
    rule.is_active = False
    rule.save()
    assert len(_active_rules.get()) == count - 1


def test_a_keyed_memo_keeps_one_answer_per_key():
    reads = []
    m = memo.Memo(lambda code: reads.append(code) or f"{code}{len(reads)}", seconds=5.0)
    assert (m.get("a"), m.get("b"), m.get("a")) == ("a1", "b2", "a1")
    m.forget()
    assert m.get("b") == "b3"


def test_an_option_saved_here_is_offered_at_once():
    """org.options is a memo of the option sets, forgotten when an option is saved (a model
    named by its label, connected once the model is loaded)."""
    from org import options
    from org.models import Option

    before = options.options("target_group")
    option = Option.unscoped.filter(option_set__code="target_group").first()
    option.name = option.name + "（改）"
    option.save()
    assert options.label("target_group", option.code) == option.name
    assert options.options("target_group") is not before


def test_a_keyed_memo_drops_expired_answers_once_it_holds_many(monkeypatch):
    """Keyed by user, a memo would otherwise keep an answer for every user who ever asked."""
    monkeypatch.setattr(memo, "MAX_ANSWERS", 3)
    m = memo.Memo(lambda key: key, seconds=5.0)
    for key in "abc":
        m.get(key)
    now = memo.time.monotonic()
    monkeypatch.setattr(memo.time, "monotonic", lambda: now + 6)
    assert m.get("d") == "d"
    assert set(m._answers) == {("d",)}
