import pytest
from django.core.exceptions import ValidationError

from targets.models import Indicator
from tests.factories import IndicatorFactory

pytestmark = pytest.mark.django_db


def make(**kwargs):
    defaults = {"code": "x_test", "name": "测试口径", "unit": "人次", "kind": "flow",
                "source": "measure", "measure": "training.person_times"}
    return Indicator(**(defaults | kwargs))


def messages(exc):
    return " ".join(m for ms in exc.value.message_dict.values() for m in ms)


def test_measure_indicator_with_valid_filters():
    make(filters={"subsidised": True, "target_group": "企业职工",
                  "programme": "黔菜师傅"}).full_clean()
    make(code="y", name="高技能", unit="人", measure="certification.certificates",
         filters={"level": ["三级/高级工", "二级/技师"]}).full_clean()


@pytest.mark.parametrize(("kwargs", "fragment"), [
    ({"measure": "training.nonexistent"}, "training.nonexistent"),
    ({"filters": {"colour": "红"}}, "colour"),
    ({"filters": {"target_group": "外星人"}}, "外星人"),
    ({"filters": {"subsidised": "yes"}}, "subsidised"),
    ({"unit": "人"}, "人次"),
    ({"source": "manual"}, "统计口径"),
])
def test_measure_indicator_errors_name_the_problem(kwargs, fragment):
    with pytest.raises(ValidationError) as exc:
        make(**kwargs).full_clean()
    assert fragment in messages(exc)


def test_ratio_needs_two_different_non_ratio_parts():
    num = IndicatorFactory(unit="人", kind="stock")
    den = IndicatorFactory(unit="人", kind="stock")
    ok = Indicator(code="r_ok", name="比例", unit="%", kind="ratio", source="ratio",
                   numerator=num, denominator=den)
    ok.full_clean()
    ok.save()
    with pytest.raises(ValidationError):
        Indicator(code="r_bad", name="比例2", unit="%", kind="ratio", source="ratio",
                  numerator=num, denominator=num).full_clean()
    with pytest.raises(ValidationError):
        Indicator(code="r_nested", name="比例3", unit="%", kind="ratio", source="ratio",
                  numerator=ok, denominator=den).full_clean()
    with pytest.raises(ValidationError):
        Indicator(code="r_unit", name="比例4", unit="人", kind="ratio", source="ratio",
                  numerator=num, denominator=den).full_clean()


def test_every_seed_indicator_is_valid():
    for indicator in Indicator.objects.all():
        indicator.full_clean()
