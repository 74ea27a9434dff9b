"""Certificate figures: a level only where the certificate type has one (the certificate_type
option set's mark, checked by the model, the grid, the import and the API), and the measure the
roll-up reads counts them by dimension."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from certification.choices import CertificateType, SkillLevel
from certification.models import CertificateFigure, level_fits
from org import options
from org.models import Option
from targets.measures import measure_values
from tests.conftest import unit

pytestmark = pytest.mark.django_db
SEPTEMBER = dt.date(2025, 9, 1)


def test_a_level_only_where_the_certificate_type_has_one():
    assert level_fits(CertificateType.SKILL_LEVEL, SkillLevel.LEVEL_3)
    assert level_fits(CertificateType.SPECIAL_OPERATION, SkillLevel.NONE)
    assert not level_fits(CertificateType.SPECIAL_OPERATION, SkillLevel.LEVEL_3)
    assert not level_fits(CertificateType.QUALIFICATION, SkillLevel.NONE)


def test_a_mismatched_level_is_a_field_error_until_the_kind_is_marked_as_levelled():
    county = unit("全国/云南省/保山市/龙陵县")
    figure = CertificateFigure(org_unit=county, period=SEPTEMBER, count=3,
                               certificate_type=CertificateType.SPECIAL_ABILITY,
                               level=SkillLevel.LEVEL_4)
    with pytest.raises(ValidationError) as refused:
        figure.full_clean()
    assert "level" in refused.value.message_dict
    # An administrator marks the kind as carrying a level (the set's mark): levels fit, 无等级
    # no longer does.
    Option.unscoped.filter(option_set__code="certificate_type",
                           code=CertificateType.SPECIAL_ABILITY).update(flag=True)
    options.forget()
    figure.full_clean()
    assert not level_fits(CertificateType.SPECIAL_ABILITY, SkillLevel.NONE)


def test_the_certificates_measure_counts_by_level_for_the_roll_up():
    county = unit("全国/云南省/保山市/龙陵县")
    for level, count in ((SkillLevel.LEVEL_3, 7), (SkillLevel.LEVEL_4, 5)):
        CertificateFigure.unscoped.create(org_unit=county, period=SEPTEMBER, count=count,
                                          certificate_type=CertificateType.SKILL_LEVEL,
                                          level=level)
    every = measure_values("certification.certificates", start=SEPTEMBER, end=SEPTEMBER,
                           units=[county.pk])
    high = measure_values("certification.certificates", {"level": [SkillLevel.LEVEL_3]},
                          start=SEPTEMBER, end=SEPTEMBER, units=[county.pk])
    assert sum(every.values()) == 12
    assert sum(high.values()) == 7
