"""What a submission stores (reporting/snapshot.py): the batch form, used for many reports at
once (the demo's history), gives each report exactly what the single form gives."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from certification.models import CertificateFigure
from competitions.models import Competition
from org.models import Department
from reporting.snapshot import figures_snapshot, figures_snapshots
from targets.models import DataValue, Indicator
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db


def test_many_snapshots_at_once_equal_one_at_a_time(lucheng, longwan):
    manual = Indicator.objects.get(code="digital_talent")
    office = Department.objects.create(org_unit=lucheng, name="区应急管理局", sector="emergency")
    for unit in (lucheng, longwan):
        for month in (1, 2):
            period = dt.date(2025, month, 1)
            TrainingFigure.objects.create(org_unit=unit, period=period, trained=10 * month,
                                          training_type="就业技能培训", target_group="企业职工")
            TrainingFigure.objects.create(org_unit=unit, period=period, trained=3, subsidised=True,
                                          training_type="岗位技能提升培训", target_group="企业职工")
            DataValue.objects.create(indicator=manual, org_unit=unit, period=period,
                                     value=Decimal("1.5") * month)
            Competition.objects.create(name=f"竞赛{unit.pk}-{month}", level="县级",
                                       organiser_unit=unit, start_date=period.replace(day=20),
                                       end_date=period.replace(day=21))
    CertificateFigure.objects.create(org_unit=lucheng, department=office,
                                     period=dt.date(2025, 2, 1), count=4,
                                     certificate_type="职业技能等级证书", level="四级/中级工")
    DataValue.objects.create(indicator=manual, org_unit=lucheng, department=office,
                             period=dt.date(2025, 2, 1), value=2)
    keys = [(unit.pk, department, dt.date(2025, month, 1))
            for unit in (lucheng, longwan) for department in (None, office.pk)
            for month in (1, 2, 3) if department is None or unit == lucheng]

    class Report:  # what figures_snapshot reads of a report
        def __init__(self, key):
            self.org_unit_id, self.department_id, self.period = key

    many = figures_snapshots(keys)
    assert many == {key: figures_snapshot(Report(key)) for key in keys}
    feb = many[(lucheng.pk, None, dt.date(2025, 2, 1))]
    assert feb["manual"] == {f"{manual.name}（{manual.code}）": "5"}  # 3 + the office's 2
    assert many[(lucheng.pk, office.pk, dt.date(2025, 2, 1))]["manual"] == {
        f"{manual.name}（{manual.code}）": "2"}
    # The unit's report counts its department's certificates; dimensions name the cells.
    assert feb["certification.certificates"] == {"职业技能等级证书 / 四级/中级工": 4}
    assert feb["training.person_times"] == {"就业技能培训 / 企业职工": 20,
                                            "岗位技能提升培训 / 企业职工 / 政府补贴性培训": 3}
    assert feb["competitions.events"] == {"县级": 1}  # dated the 20th, counted in its month
    assert "training.person_times" not in many[(lucheng.pk, office.pk, dt.date(2025, 2, 1))]
    assert many[(lucheng.pk, None, dt.date(2025, 3, 1))] == {}
