"""Issue #26: roll-up on demand and when definitions change. An administrator asks for months
to be rolled up again (`POST /api/v1/rollup-runs/`, the admin's 重新汇总请求), a request runs in
the background month by month and can be watched; a changed target, decomposition or
indicator queues one by itself."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.db.models import Max, Min
from django.utils import timezone

from progress import background, rollup, services
from progress.models import ProgressSnapshot, RollupRequest, RollupRun
from progress.rollup import rollup_month, run_request
from skills_portal import clock
from skills_portal.celery import app
from targets.models import Indicator, Plan, Target
from tests.api_helpers import API, annex_target, client_for, member, results
from tests.conftest import unit
from tests.factories import UserFactory
from tests.worker_helpers import wait_until
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

RUNS = API + "rollup-runs/"
REQUESTS = API + "rollup-requests/"
MARCH, APRIL, MAY, JUNE = (dt.date(2021, m, 1) for m in (3, 4, 5, 6))


def train(unit_, period, n):
    TrainingFigure.objects.create(org_unit=unit_, period=period, trained=n,
                                  training_type="就业技能培训", target_group="企业职工")


@pytest.fixture
def rolled(lucheng):
    """Figures of 鹿城区 and the snapshots of March and June 2021 (the months rolled up)."""
    train(lucheng, MARCH, 2000)
    train(lucheng, JUNE, 1000)
    rollup_month(MARCH, trigger="test")
    rollup_month(JUNE, trigger="test")


@pytest.fixture
def eager(settings):
    """Celery in-process, the request run inline after the commit (as in the embedded default
    without its background thread)."""
    settings.ROLLUP_SWEEP_IN_BACKGROUND = False
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def city_admin(wenzhou):
    return member(wenzhou, role="admin")


def snapshot(target, month):
    return ProgressSnapshot.objects.get(target=target, period=month)


def test_rollup_request_recomputes_the_months_after_a_target_is_corrected(
        rolled, eager, city_admin, django_capture_on_commit_callbacks):
    api = client_for(city_admin)
    target = annex_target("鹿城区")
    assert snapshot(target, JUNE).target_value == 12000
    patched = api.patch(f"{API}targets/{target.pk}/", {"value": "15000"}, format="json")
    assert patched.status_code == 200, patched.content
    assert snapshot(target, JUNE).target_value == 12000  # switched off in tests: not yet

    with django_capture_on_commit_callbacks(execute=True):
        answer = api.post(RUNS, {"plan": "wenzhou-2021", "from": "2021-05", "to": "2021-06"},
                          format="json")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert body["status"] == "queued" and body["months_done"] == 0  # answered before it ran
    assert (body["plan"], body["first_month"], body["last_month"], body["months_total"]) == \
        ("wenzhou-2021", "2021-05", "2021-06", 2)
    assert body["url"].endswith(f"/api/v1/rollup-requests/{body['id']}/")
    assert answer["Location"] == body["url"]
    assert type(answer["Location"]) is str  # WSGI servers take nothing else (wsgiref asserts)

    watched = api.get(body["url"]).json()
    assert (watched["status"], watched["months_done"], watched["months_total"],
            watched["current_month"]) == ("succeeded", 2, 2, None)
    assert watched["requested_by"] == city_admin.username and watched["reason"] == "manual"
    assert snapshot(target, JUNE).target_value == 15000
    assert snapshot(target, MAY).target_value == 15000  # never rolled up before: now it is
    runs = RollupRun.objects.filter(request_id=body["id"])
    assert sorted(watched["runs"]) == sorted(runs.values_list("pk", flat=True))
    assert {(r.period, r.trigger, r.status) for r in runs} == {
        (MAY, "request", "succeeded"), (JUNE, "request", "succeeded")}
    listed = results(api.get(RUNS, {"period": "2021-06"}))
    assert body["id"] in [r["request"] for r in listed]


def test_rollup_request_is_refused_to_a_clerk_an_admin_of_another_unit_and_below_the_issuer(
        rolled, wenzhou, lucheng, longling):
    body = {"plan": "wenzhou-2021", "from": "2021-03", "to": "2021-06"}
    clerk = client_for(member(wenzhou, role="data_entry"))
    assert clerk.post(RUNS, body, format="json").status_code == 403
    elsewhere = client_for(member(longling, role="admin"))
    assert elsewhere.post(RUNS, body, format="json").status_code == 403
    # A district's administrator may not re-roll the plan its city issued.
    below = client_for(member(lucheng, role="admin"))
    assert below.post(RUNS, body, format="json").status_code == 403
    # Every plan at once: superusers only.
    city = client_for(member(wenzhou, role="admin"))
    everything = {"from": "2021-03", "to": "2021-06"}
    assert city.post(RUNS, everything, format="json").status_code == 403
    assert not RollupRequest.objects.exists()
    superuser = client_for(UserFactory(is_superuser=True))
    answer = superuser.post(RUNS, everything, format="json")
    assert answer.status_code == 202 and answer.json()["plan"] is None
    # Anyone outside the portal's memberships sees no request; members see them as runs.
    assert results(client_for(UserFactory()).get(REQUESTS)) == []
    assert [r["id"] for r in results(client_for(member(longling, role="viewer")).get(REQUESTS))] \
        == [answer.json()["id"]]


def test_rollup_request_answers_400_with_chinese_messages(rolled, city_admin):
    api = client_for(city_admin)

    def refused(body):
        response = api.post(RUNS, body, format="json")
        assert response.status_code == 400, response.content
        return response.json()

    assert refused({"plan": "wenzhou-2021", "from": "2021-06", "to": "2021-05"}) == {
        "to": ["截止月份（2021-05）早于起始月份（2021-06）。"]}
    assert refused({"plan": "no-such-plan", "from": "2021-01", "to": "2021-02"}) == {
        "plan": ["没有编码为“no-such-plan”的规划方案。"]}
    latest = clock.previous_month()
    future = dt.date(latest.year + 1, latest.month, 1)
    assert refused({"plan": "wenzhou-2021", "from": f"{future:%Y-%m}", "to": f"{future:%Y-%m}"}
                   ) == {"from": [f"{future:%Y-%m}尚未结束：最近可以汇总的月份是{latest:%Y-%m}。"]}
    assert refused({"plan": "wenzhou-2021", "from": "2019-01", "to": "2019-12"}) == {
        "non_field_errors": ["2019-01至2019-12没有月份落在该规划方案的期限内（2021-01至2021-12）。"]}
    assert "from" in refused({"plan": "wenzhou-2021", "from": "2021-13", "to": "2021-12"})
    assert set(refused({"plan": "wenzhou-2021"})) == {"from", "to"}
    assert not RollupRequest.objects.exists()


def test_rollup_request_range_is_narrowed_to_the_plans_window_and_the_months_ended(
        rolled, city_admin):
    answer = client_for(city_admin).post(
        RUNS, {"plan": "wenzhou-2021", "from": "2020-06", "to": "2099-12"}, format="json")
    assert answer.status_code == 202, answer.content
    body = answer.json()
    assert (body["first_month"], body["last_month"], body["months_total"]) == \
        ("2021-01", "2021-12", 12)


def test_rollup_request_reports_its_progress_month_by_month(rolled, city_admin):
    api = client_for(city_admin)
    answer = api.post(RUNS, {"plan": "wenzhou-2021", "from": "2021-04", "to": "2021-06"},
                      format="json").json()
    seen = []

    def after_each_month():
        row = api.get(answer["url"]).json()
        seen.append((row["status"], row["months_done"], row["current_month"]))

    done = run_request(answer["id"], between=after_each_month)
    assert seen == [("running", 1, "2021-04"), ("running", 2, "2021-05"),
                    ("running", 3, "2021-06")]
    assert (done.status, done.months_done, done.current_month) == ("succeeded", 3, None)
    assert done.started_at <= done.finished_at
    assert run_request(answer["id"]) is None  # a second message finds it done


def test_rollup_request_that_fails_keeps_its_error_and_the_months_it_did(
        rolled, city_admin, monkeypatch):
    target = annex_target("鹿城区")
    api = client_for(city_admin)
    api.patch(f"{API}targets/{target.pk}/", {"value": "15000"}, format="json")
    answer = api.post(RUNS, {"plan": "wenzhou-2021", "from": "2021-03", "to": "2021-06"},
                      format="json").json()
    real = rollup.build_snapshot

    def broken_in_may(month):
        if month == MAY:
            raise RuntimeError("数据库连接中断")
        return real(month)

    monkeypatch.setattr(rollup, "build_snapshot", broken_in_may)
    run_request(answer["id"])
    row = api.get(answer["url"]).json()
    assert (row["status"], row["months_done"]) == ("failed", 2)
    assert row["error"] == "2021-05: RuntimeError: 数据库连接中断"
    assert snapshot(target, MARCH).target_value == 15000  # done before the failure
    assert snapshot(target, JUNE).target_value == 12000  # never reached: left as it was
    assert set(RollupRun.objects.filter(request_id=answer["id"]).values_list(
        "period", "status")) == {(MARCH, "succeeded"), (APRIL, "succeeded"), (MAY, "failed")}


def test_rollup_request_identical_or_covered_by_a_queued_one_is_not_queued_twice(
        rolled, city_admin):
    api = client_for(city_admin)

    def ask(first, last, client=api, plan="wenzhou-2021"):
        body = {"from": first, "to": last} | ({"plan": plan} if plan else {})
        response = client.post(RUNS, body, format="json")
        assert response.status_code == 202, response.content
        return response.json()["id"]

    first = ask("2021-03", "2021-08")
    assert ask("2021-03", "2021-08") == first  # identical
    assert ask("2021-04", "2021-06") == first  # covered
    wider = ask("2021-01", "2021-08")
    assert wider != first
    superuser = client_for(UserFactory(is_superuser=True))
    every = ask("2021-01", "2021-12", client=superuser, plan=None)
    assert ask("2021-02", "2021-03") in (first, wider)  # the plan's own come first
    assert ask("2021-09", "2021-12") == every  # covered by the request for every plan
    assert RollupRequest.objects.count() == 3
    RollupRequest.objects.exclude(pk=first).update(status="succeeded")
    run_request(first)  # none queued any more: the same months are queued again
    assert ask("2021-03", "2021-08") not in (first, wider, every)


def test_rollup_request_is_queued_when_a_decomposition_target_changes(
        rolled, eager, settings, city_admin, django_capture_on_commit_callbacks):
    settings.ROLLUP_ON_DEFINITION_CHANGE = True
    api = client_for(city_admin)
    target = annex_target("鹿城区")
    with django_capture_on_commit_callbacks(execute=True):
        api.patch(f"{API}targets/{target.pk}/", {"note": "只改备注"}, format="json")
    assert not RollupRequest.objects.exists()  # nothing the roll-up reads changed

    with django_capture_on_commit_callbacks(execute=True):
        assert api.patch(f"{API}targets/{target.pk}/", {"value": "15000"},
                         format="json").status_code == 200
    made = RollupRequest.objects.get()
    # The target's window (2021) within the months rolled up (March to June).
    assert (made.plan.code, made.reason, made.first_month, made.last_month) == \
        ("wenzhou-2021", "decomposition", MARCH, JUNE)
    assert made.requested_by is None and made.status == "succeeded" and made.months_done == 4
    assert snapshot(target, JUNE).target_value == 15000

    # The plan's own target (no parent) is a target change; several saves in one
    # transaction queue one request.
    city_target = target.parent
    with django_capture_on_commit_callbacks(execute=True):
        assert api.patch(f"{API}targets/{city_target.pk}/", {"value": "130000"},
                         format="json").status_code == 200
    assert RollupRequest.objects.filter(reason="target").count() == 1

    # Adding and deleting a decomposition child re-roll its months too.
    before = RollupRequest.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        child = api.post(f"{API}targets/", {
            "plan": "wenzhou-2021", "code": "training-2021-test",
            "indicator": "training_person_times",
            "org_unit": unit("全国/浙江省/温州市/鹿城区").pk, "window": city_target.window,
            "period_start": f"{city_target.period_start:%Y-%m}",
            "period_end": f"{city_target.period_end:%Y-%m}", "value": 10,
            "parent": city_target.pk, "axis": "region"}, format="json")
    assert child.status_code == 201, child.content
    assert RollupRequest.objects.count() == before + 1
    before += 1
    with django_capture_on_commit_callbacks(execute=True):
        assert api.delete(f"{API}targets/{child.json()['id']}/").status_code == 204
    assert RollupRequest.objects.count() == before + 1
    assert RollupRequest.objects.order_by("-pk").first().reason == "decomposition"


def test_rollup_request_is_not_queued_when_switched_off_or_nothing_is_rolled_up(
        city_admin, settings, django_capture_on_commit_callbacks, lucheng):
    target = annex_target("鹿城区")
    api = client_for(city_admin)
    with django_capture_on_commit_callbacks(execute=True):  # conftest switches it off
        api.patch(f"{API}targets/{target.pk}/", {"value": "15000"}, format="json")
    settings.ROLLUP_ON_DEFINITION_CHANGE = True
    with django_capture_on_commit_callbacks(execute=True):  # no snapshot yet: nothing stale
        api.patch(f"{API}targets/{target.pk}/", {"value": "16000"}, format="json")
    assert not RollupRequest.objects.exists()


def test_rollup_request_is_queued_for_every_plan_of_an_indicator_whose_definition_changes(
        rolled, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.ROLLUP_ON_DEFINITION_CHANGE = True
    started = []
    monkeypatch.setattr(services, "start_request", started.append)
    indicator = Indicator.objects.get(code="training_person_times")
    spans = Target.objects.filter(indicator=indicator).values("plan__code").annotate(
        first=Min("period_start"), last=Max("period_end"))
    plans = {s["plan__code"] for s in spans if s["first"] <= JUNE and s["last"] >= MARCH}
    assert "wenzhou-2021" in plans
    api = client_for(UserFactory(is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"{API}indicators/{indicator.pk}/", {"synonyms": ["培训人次数"]},
                             format="json")
    assert response.status_code == 200, response.content
    assert not RollupRequest.objects.exists()  # other headings: not a definition
    with django_capture_on_commit_callbacks(execute=True):
        response = api.patch(f"{API}indicators/{indicator.pk}/",
                             {"filters": {"target_group": "企业职工"}}, format="json")
    assert response.status_code == 200, response.content
    made = RollupRequest.objects.filter(reason="indicator")
    assert {r.plan.code for r in made} == plans
    assert all(MARCH <= r.first_month <= r.last_month <= JUNE for r in made)
    assert sorted(started) == sorted(r.pk for r in made)


def test_rollup_request_stalled_by_a_dead_process_is_queued_again_and_resumes(
        rolled, city_admin):
    api = client_for(city_admin)
    answer = api.post(RUNS, {"plan": "wenzhou-2021", "from": "2021-03", "to": "2021-06"},
                      format="json").json()
    long_ago = timezone.now() - dt.timedelta(hours=1)
    # As a worker killed in April leaves it: two months done, April running, no progress.
    RollupRequest.objects.filter(pk=answer["id"]).update(
        status="running", months_done=1, current_month=APRIL, progressed_at=long_ago,
        requested_at=long_ago)
    assert run_request(answer["id"]) is None  # running: a duplicate message does nothing
    assert rollup.requeue_stalled_requests() == [answer["id"]]
    assert rollup.unsent_requests() == [answer["id"]]
    done = run_request(answer["id"])
    assert (done.status, done.months_done) == ("succeeded", 4)
    # June was rolled up (by the fixture) after the request was made: counted, not redone.
    assert set(done.runs.values_list("period", flat=True)) == {APRIL, MAY}


def test_rollup_request_admin_add_page_and_progress_page(
        rolled, eager, wenzhou, client, django_capture_on_commit_callbacks):
    admin = member(wenzhou, role="admin", is_staff=True)
    client.force_login(admin)
    listing = client.get("/admin/progress/rolluprequest/")
    assert listing.status_code == 200
    assert "/admin/progress/rolluprequest/add/" in listing.content.decode()
    page = client.get("/admin/progress/rolluprequest/add/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="first_month"' in html and 'name="last_month"' in html and 'name="plan"' in html
    plan = Plan.objects.get(code="wenzhou-2021")

    wrong = client.post("/admin/progress/rolluprequest/add/", {
        "plan": plan.pk, "first_month": "2021-06", "last_month": "2021-05"})
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    elsewhere = Plan.objects.get(code="longling-2022")
    refused = client.post("/admin/progress/rolluprequest/add/", {
        "plan": elsewhere.pk, "first_month": "2022-01", "last_month": "2022-02"})
    assert refused.status_code == 200 and "errorlist" in refused.content.decode()
    assert not RollupRequest.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        added = client.post("/admin/progress/rolluprequest/add/", {
            "plan": plan.pk, "first_month": "2021-05", "last_month": "2021-06"})
    made = RollupRequest.objects.get()
    assert added.status_code == 302
    assert added["Location"] == f"/admin/progress/rolluprequest/{made.pk}/change/"
    assert (made.requested_by, made.first_month, made.last_month) == (admin, MAY, JUNE)
    detail = client.get(added["Location"]).content.decode()
    assert '<progress value="2" max="2">' in detail
    assert "2021-05 — 2021-06" in detail and "2021-05: " in detail and "2021-06: " in detail
    assert 'http-equiv="refresh"' not in detail  # finished: the page no longer reloads

    # The run list links to the request (superusers see runs).
    root = UserFactory(is_superuser=True, is_staff=True)
    client.force_login(root)
    runs = client.get("/admin/progress/rolluprun/").content.decode()
    assert f"/admin/progress/rolluprequest/{made.pk}/change/" in runs


def test_rollup_request_admin_offers_no_add_button_to_others(rolled, wenzhou, client):
    clerk = member(wenzhou, role="data_entry", is_staff=True)
    client.force_login(clerk)
    listing = client.get("/admin/progress/rolluprequest/")
    assert listing.status_code == 200
    assert "/admin/progress/rolluprequest/add/" not in listing.content.decode()
    assert client.get("/admin/progress/rolluprequest/add/").status_code == 403
    queued = RollupRequest.objects.create(first_month=MAY, last_month=JUNE, months_total=2)
    page = client.get(f"/admin/progress/rolluprequest/{queued.pk}/change/")
    assert page.status_code == 200
    assert 'http-equiv="refresh"' in page.content.decode()  # queued: the page reloads itself


def test_rollup_request_list_filters_and_refuses_unknown_parameters(rolled, city_admin):
    api = client_for(city_admin)
    made = api.post(RUNS, {"plan": "wenzhou-2021", "from": "2021-03", "to": "2021-04"},
                    format="json").json()
    assert [r["id"] for r in results(api.get(REQUESTS, {"plan": "wenzhou-2021",
                                                        "status": "queued"}))] == [made["id"]]
    assert results(api.get(REQUESTS, {"status": "succeeded"})) == []
    assert api.get(REQUESTS, {"month": "2021-03"}).status_code == 400


# --- in the background -----------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_rollup_request_in_the_embedded_default_runs_after_the_response(
        seeded, settings, monkeypatch):
    """No broker (Celery eager): the POST answers while the request is still queued; the
    process's roll-up thread runs it after the commit."""
    settings.ROLLUP_SWEEP_IN_BACKGROUND = True
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    release, started = threading.Event(), threading.Event()
    real = rollup.run_request

    def held(pk, **kwargs):
        started.set()
        assert release.wait(30)
        return real(pk, **kwargs)

    monkeypatch.setattr(rollup, "run_request", held)
    try:
        api = client_for(member(unit("全国/浙江省/温州市"), role="admin"))
        answer = api.post(RUNS, {"plan": "wenzhou-2021", "from": "2021-05", "to": "2021-06"},
                          format="json")
        assert answer.status_code == 202
        assert started.wait(30)  # the thread has it; the answer came first
        assert RollupRequest.objects.get().status == "queued"
        release.set()
        assert background.wait(60)
    finally:
        release.set()
        background.wait(60)
        app.conf.task_always_eager = previous
    made = RollupRequest.objects.get()
    assert (made.status, made.months_done) == ("succeeded", 2)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not django_settings.REDIS_URL,
                    reason="needs REDIS_URL (the test script sets it)")
def test_rollup_request_travels_through_redis_to_a_real_worker(seeded):
    from celery.contrib.testing.worker import start_worker
    from kombu import pools

    pools.reset()  # as tests/progress/test_celery_worker.py: fresh broker pools
    app._pool = None
    app.amqp._producer_pool = None
    lucheng = unit("全国/浙江省/温州市/鹿城区")
    train(lucheng, JUNE, 1000)
    rollup_month(JUNE, trigger="test")
    target = annex_target("鹿城区")
    api = client_for(member(unit("全国/浙江省/温州市"), role="admin"))
    assert api.patch(f"{API}targets/{target.pk}/", {"value": "15000"},
                     format="json").status_code == 200
    connections.settings["default"]["CONN_MAX_AGE"] = 0
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
        answer = api.post(RUNS, {"plan": "wenzhou-2021", "from": "2021-05", "to": "2021-06"},
                          format="json")
        assert answer.status_code == 202, answer.content
        url = answer.json()["url"]

        def finished():
            watched = api.get(url)
            assert watched.status_code == 200, watched.content
            return watched.json()["status"] not in ("queued", "running")

        wait_until(finished, seconds=60)
    row = api.get(url).json()
    assert (row["status"], row["months_done"], row["months_total"]) == ("succeeded", 2, 2)
    assert snapshot(target, JUNE).target_value == Decimal(15000)
