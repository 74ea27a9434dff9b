"""What the reporting tests share: the demo accounts, a logged-in client, a month's grid."""

import datetime as dt

import pytest
from django.test import Client

from demo.users import create_demo_users
from training.forms import TRAINING_GRID

MAY = dt.date(2024, 5, 1)
CELL = TRAINING_GRID.name("trained", "企业职工", "就业技能培训")


@pytest.fixture
def demo(db):
    from django.contrib.auth import get_user_model

    create_demo_users("demo-pass-2026")
    return {u.username: u for u in get_user_model().objects.all()}


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grid(client, org_unit, value, month="2024-05"):
    """Save one cell of a month's training grid, as the page posts it."""
    return client.post(f"/entry/training/?unit={org_unit.pk}&month={month}", {CELL: value})
