"""Issue #25: a save whose transaction lost to another writer is run again after a short pause
instead of answering 500; when the database stays busy, a 503 in Chinese says nothing was
saved — and nothing was."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import OperationalError
from rest_framework.test import APIClient

from tests.api_helpers import API, member
from training import services as training_services
from training.api import views as training_views
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db


def figure(unit):
    return {"org_unit": unit.pk, "period": "2024-05", "target_group": "企业职工",
            "training_type": "岗位技能提升培训", "trained": 40, "persons": 0,
            "completed": 30, "certified": 0}


@pytest.fixture
def no_pauses(monkeypatch):
    slept = []
    monkeypatch.setattr("skills_portal.middleware.time.sleep", slept.append)
    return slept


def busy_for(monkeypatch, failures: int):
    """The figure service loses to another writer `failures` times, then saves."""
    calls = {"n": 0}
    real = training_services.save_training_month

    def flaky(**kwargs):
        calls["n"] += 1
        if calls["n"] <= failures:
            raise OperationalError("database is locked")
        return real(**kwargs)

    monkeypatch.setattr(training_views, "save_training_month", flaky)
    return calls


def client_of(user):
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(user)
    return client


def test_a_save_that_meets_a_locked_database_is_tried_again_and_kept(longling, monkeypatch,
                                                                    no_pauses):
    calls = busy_for(monkeypatch, failures=2)
    response = client_of(member(longling)).post(API + "training-figures/", figure(longling),
                                                format="json")
    assert response.status_code == 201, response.content
    assert calls["n"] == 3 and len(no_pauses) == 2 and no_pauses[1] > no_pauses[0] * 0.9
    assert TrainingFigure.objects.get(org_unit=longling).trained == 40


def test_a_database_busy_through_every_retry_answers_503_in_chinese_and_saves_nothing(
        longling, monkeypatch, no_pauses):
    busy_for(monkeypatch, failures=99)
    response = client_of(member(longling)).post(API + "training-figures/", figure(longling),
                                                format="json")
    assert response.status_code == 503
    assert "没有保存" in response.json()["detail"] or "均未保存" in response.json()["detail"]
    assert response["Retry-After"]
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()


def test_other_database_errors_are_not_retried(longling, monkeypatch, no_pauses):
    def broken(**kwargs):
        raise OperationalError("no such table: training_trainingfigure")

    monkeypatch.setattr(training_views, "save_training_month", broken)
    response = client_of(member(longling)).post(API + "training-figures/", figure(longling),
                                                format="json")
    assert response.status_code == 500 and no_pauses == []


def test_the_schema_documents_503_on_writes():
    from tests.factories import UserFactory
    paths = client_of(UserFactory(is_superuser=True)).get(
        API + "schema/?format=json").json()["paths"]
    assert "503" in paths["/api/v1/training-figures/"]["post"]["responses"]
    assert "503" not in paths["/api/v1/training-figures/"]["get"]["responses"]


def test_two_writers_of_the_same_new_cell_the_second_is_run_again_and_kept(
        longling, monkeypatch, no_pauses):
    """The key violation a concurrent first save of the same cell meets is a lost race, run
    again (it then updates the row); any other unique violation is not."""
    from django.db import IntegrityError, transaction

    from org.models import Option
    from skills_portal.middleware import database_busy

    key = {"org_unit": longling, "period": dt.date(2024, 5, 1), "target_group": "企业职工",
           "training_type": "岗位技能提升培训"}
    TrainingFigure.objects.create(**key, trained=1)
    with pytest.raises(IntegrityError) as race, transaction.atomic():
        TrainingFigure.objects.create(**key, trained=2)
    assert database_busy(race.value)
    seeded = Option.objects.get(option_set__code="target_group", code="企业职工")
    with pytest.raises(IntegrityError) as other, transaction.atomic():
        Option.objects.create(option_set=seeded.option_set, code=seeded.code, name="重复")
    assert not database_busy(other.value)

    calls = {"n": 0}
    real = training_services.save_training_month

    def racing(**kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise race.value
        return real(**kwargs)

    monkeypatch.setattr(training_views, "save_training_month", racing)
    response = client_of(member(longling)).post(API + "training-figures/", figure(longling),
                                                format="json")
    assert response.status_code in (200, 201), response.content
    assert calls["n"] == 2
    assert TrainingFigure.objects.get(org_unit=longling).trained == 40


def test_a_retried_save_is_not_reported_as_a_server_error(longling, monkeypatch, no_pauses,
                                                          caplog):
    """A lost write is the middleware's to retry, not an uncaught error: no "Internal Server
    Error" with its traceback in the log (nor its mail to the administrators) for each try,
    only the middleware's own warning."""
    from django.core.signals import got_request_exception

    signalled = []
    got_request_exception.connect(lambda sender, **kwargs: signalled.append(kwargs["request"]),
                                  weak=False, dispatch_uid="busy-test")
    try:
        busy_for(monkeypatch, failures=1)
        with caplog.at_level("WARNING"):
            response = client_of(member(longling)).post(API + "training-figures/",
                                                        figure(longling), format="json")
    finally:
        got_request_exception.disconnect(dispatch_uid="busy-test")
    assert response.status_code == 201, response.content
    assert signalled == []
    assert not [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in caplog.records if r.name == "skills_portal.middleware"] == [
        f"Database busy on POST {API}training-figures/: trying again in 0.2 s"]


def test_a_grid_save_still_busy_after_every_retry_comes_back_with_what_was_typed(
        client, longling, monkeypatch, no_pauses):
    """A clerk's month of 200 cells is not lost to a bare 503 page: the grid comes back with
    the numbers as typed and the reason, and nothing was saved."""
    from training import views as training_page_views
    from training.forms import TRAINING_GRID

    tries = []

    def locked(**kwargs):
        tries.append(kwargs)
        raise OperationalError("database is locked")

    monkeypatch.setattr(training_page_views, "save_training_month", locked)
    client.force_login(member(longling))
    url = f"/entry/training/?unit={longling.pk}&month=2024-05"
    typed = {TRAINING_GRID.name("trained", "企业职工", "就业技能培训"): "120",
             TRAINING_GRID.name("trained", "高校毕业生", "创业培训"): "7"}
    response = client.post(url, typed)
    assert response.status_code == 503 and response["Retry-After"]
    assert len(tries) == 5  # the first try and four retries
    html = response.content.decode()
    assert "系统繁忙" in html and "未保存" in html and "请过几秒再次保存" in html
    assert "请更正下方标出的单元格" not in html  # no cell is wrong
    assert 'value="120"' in html and 'value="7"' in html
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()
