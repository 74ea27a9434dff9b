"""Issue #18: no double posts. A POST retried with the same Idempotency-Key and body answers the
first result without writing again; the same key with another body is a 409."""

from __future__ import annotations

import uuid

import pytest

from targets.models import Plan, Target
from tests.api_helpers import API, client_for, member
from tests.conftest import unit
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db


def figure(longling, trained=40):
    return {"org_unit": longling.pk, "period": "2024-05", "target_group": "企业职工",
            "training_type": "岗位技能提升培训", "trained": trained, "persons": 0,
            "completed": 30, "certified": 0}


def test_a_retried_figure_post_answers_the_first_result_and_writes_once(longling):
    api = client_for(member(longling))
    key = str(uuid.uuid4())
    first = api.post(API + "training-figures/", figure(longling), format="json",
                     HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    again = api.post(API + "training-figures/", figure(longling), format="json",
                     HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201 and again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert TrainingFigure.objects.filter(org_unit=longling).count() == 1
    other = api.post(API + "training-figures/", figure(longling, trained=41), format="json",
                     HTTP_IDEMPOTENCY_KEY=key)
    assert other.status_code == 409 and "Idempotency-Key" in other.json()["detail"]
    assert TrainingFigure.objects.get(org_unit=longling).trained == 40


def test_a_retried_quota_table_or_target_post_is_not_applied_twice():
    plan = Plan.objects.get(code="wenzhou-2021")
    Target.objects.filter(plan=plan, parent__isnull=False).delete()
    api = client_for(member(unit("全国/浙江省/温州市"), role="admin"))
    body = {"plan": "wenzhou-2021", "rows": [{"name": "鹿城区",
                                              "values": {"training_person_times": 12000}}]}
    key = str(uuid.uuid4())
    first = api.post(API + "quota-tables/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201 and first.json()["created"] == 1
    again = api.post(API + "quota-tables/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201 and again.json()["created"] == 1  # the first answer
    assert Target.objects.filter(plan=plan, parent__isnull=False).count() == 1


def test_keys_are_per_user(longling):
    key = str(uuid.uuid4())
    one, two = client_for(member(longling)), client_for(member(longling))
    assert one.post(API + "training-figures/", figure(longling), format="json",
                    HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    # Another user's same key is another request (it replaces the cell's numbers: 200).
    assert two.post(API + "training-figures/", figure(longling, trained=45), format="json",
                    HTTP_IDEMPOTENCY_KEY=key).status_code == 200
    assert TrainingFigure.objects.get(org_unit=longling).trained == 45


def test_if_match_guards_figures_as_it_guards_setup_records(longling):
    """Two clerks correct one training cell: the second, holding the old ETag, is told (412)
    instead of silently overwriting; the ETag a write answers is the one the next GET gives."""
    first, second = client_for(member(longling)), client_for(member(longling))
    created = first.post(API + "training-figures/", figure(longling), format="json")
    assert created.status_code == 201 and created["ETag"]
    url = f"{API}training-figures/{created.json()['id']}/"
    old_tag = second.get(url)["ETag"]
    assert old_tag == created["ETag"]
    changed = first.patch(url, {"trained": 45}, format="json", HTTP_IF_MATCH=old_tag)
    assert changed.status_code == 200 and changed["ETag"] != old_tag
    assert first.get(url)["ETag"] == changed["ETag"]
    stale = second.patch(url, {"trained": 50}, format="json", HTTP_IF_MATCH=old_tag)
    assert stale.status_code == 412
    assert TrainingFigure.objects.get(org_unit=longling).trained == 45
    assert second.delete(url, HTTP_IF_MATCH=old_tag).status_code == 412
    assert second.delete(url, HTTP_IF_MATCH=changed["ETag"]).status_code == 204


def test_if_match_guards_manual_values_and_records(longling):
    api = client_for(member(longling))
    value = api.post(API + "data-values/", {"indicator": "skill_talent_total",
                                            "org_unit": longling.pk, "period": "2024-05",
                                            "value": 20000}, format="json")
    assert value.status_code == 201, value.content
    url = f"{API}data-values/{value.json()['id']}/"
    assert api.patch(url, {"value": 20100}, format="json",
                     HTTP_IF_MATCH='"stale"').status_code == 412
    assert api.patch(url, {"value": 20100}, format="json",
                     HTTP_IF_MATCH=api.get(url)["ETag"]).status_code == 200
    schema = api.get(API + "schema/?format=json").json()["paths"]
    for path in ("/api/v1/training-figures/{id}/", "/api/v1/data-values/{id}/",
                 "/api/v1/awards/{id}/", "/api/v1/plan-tasks/{id}/",
                 "/api/v1/subsidies/schemes/{id}/"):
        assert "412" in schema[path]["patch"]["responses"], path
