"""Fixtures shared by the roll-up's tests."""

import pytest

from targets.models import Indicator


@pytest.fixture
def training_indicator():
    return Indicator.objects.get(code="training_person_times")
