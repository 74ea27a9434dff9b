"""Shared by the API tests (tests/test_api*.py): users, API clients and seed lookups."""

from __future__ import annotations

from rest_framework.test import APIClient

from org.models import Department, Membership
from targets.models import Target
from tests.factories import UserFactory

API = "/api/v1/"


def member(unit, role="data_entry", department=None, **user_kwargs):
    user = UserFactory(**user_kwargs)
    Membership.objects.create(user=user, org_unit=unit, role=role, department=department)
    return user


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


def everything(client, url, params=None) -> list[dict]:
    """Every row of a paginated list."""
    params = dict(params or {}, page_size=1000)
    return results(client.get(url, params))


def annex_target(unit_name, parent_code="training-2021") -> Target:
    return Target.objects.get(plan__code="wenzhou-2021", parent__code=parent_code,
                              org_unit__name=unit_name)


def wenzhou_department(name: str) -> Department:
    return Department.objects.get(org_unit__name="温州市", name=name)
