"""Red warnings (预警, #20) told to the unit's reviewers once per unit and month."""

import datetime as dt

import pytest

from dashboard.models import WarningNotice
from dashboard.services import notify_red_warnings
from dashboard.tasks import month_rolled_up
from org.choices import Role
from progress.rollup import rollup_month
from reporting.models import Notice
from targets.models import Indicator
from tests.factories import MembershipFactory, OrgUnitFactory, PlanFactory, TargetFactory
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

MARCH = dt.date(2024, 3, 1)


@pytest.fixture
def red_county():
    province = OrgUnitFactory(name="预警测试省")
    city = OrgUnitFactory.child_of(province, name="预警测试市")
    county = OrgUnitFactory.child_of(city, name="预警测试县")
    fine = OrgUnitFactory.child_of(city, name="达标测试县")
    trainees = Indicator.objects.get(code="training_person_times")
    plan = PlanFactory(issuer_unit=province)
    for unit, value in ((county, 4000), (fine, 1000)):
        TargetFactory(plan=plan, indicator=trainees, org_unit=unit, value=value)
        TrainingFigure.objects.create(org_unit=unit, period=MARCH, trained=300,
                                      training_type="就业技能培训", target_group="企业职工")
    rollup_month(MARCH)  # 县: 1,200 projected of 4,000 (red); the other: 1,200 of 1,000
    people = {
        "city_reviewer": MembershipFactory(org_unit=city, role=Role.REVIEWER).user,
        "county_admin": MembershipFactory(org_unit=county, role=Role.ADMIN).user,
        "county_clerk": MembershipFactory(org_unit=county, role=Role.DATA_ENTRY).user,
        "fine_reviewer": MembershipFactory(org_unit=fine, role=Role.REVIEWER).user,
        "province_reviewer": MembershipFactory(org_unit=province, role=Role.REVIEWER).user,
    }
    return county, people


def test_a_unit_entering_red_tells_its_reviewers_and_those_above_once(red_county):
    county, people = red_county
    sent = notify_red_warnings(month=MARCH)
    assert sent["month"] == "2024-03" and sent["units"] >= 1  # the seed plans' units too
    mine = [p.pk for p in people.values()]
    told = {n.user.username: n for n in Notice.unscoped.filter(user__in=mine)
            .select_related("user")}
    assert set(told) == {people["city_reviewer"].username, people["county_admin"].username}
    notice = told[people["city_reviewer"].username]
    assert notice.title == "红色预警：预警测试县 2024年3月（1项目标）"
    assert "完成7.5%，预计期末完成30.0%，还需月均412人次" in notice.body
    assert notice.link == f"/dashboard/?unit={county.pk}&month=2024-03"
    # Again (the task retried, a second worker): nothing more.
    assert notify_red_warnings(month=MARCH)["notices"] == 0
    assert Notice.unscoped.filter(user__in=mine).count() == 2
    [row] = WarningNotice.unscoped.filter(org_unit__name__in=["预警测试县", "达标测试县"])
    assert (row.org_unit_id, row.targets, row.recipients) == (county.pk, 1, 2)


def test_the_month_rolled_up_hook_tells_them_through_the_worker_task(red_county, monkeypatch):
    from dashboard.tasks import issue_monthly_bulletins_task, notify_red_warnings_task
    county, people = red_county
    sent = []
    for task in (issue_monthly_bulletins_task, notify_red_warnings_task):
        # The broker, run in-process (with REDIS_URL set, .delay() would only queue it).
        monkeypatch.setattr(task, "delay", lambda month, task=task: (
            sent.append((task.name, month)), task.apply(args=[month]))[1])
    month_rolled_up("2024-03")
    assert sent == [("dashboard.tasks.issue_monthly_bulletins_task", "2024-03"),
                    ("dashboard.tasks.notify_red_warnings_task", "2024-03")]
    assert Notice.unscoped.filter(user=people["county_admin"]).count() == 1
    assert WarningNotice.unscoped.filter(org_unit=county).exists()


def test_a_unit_is_not_called_red_before_its_figures_for_the_month_are_in(red_county):
    from reporting.models import MonthlyReport
    county, people = red_county
    early = dt.date(2024, 4, 2)  # before the 5 April deadline, nothing submitted yet
    notify_red_warnings(month=MARCH, today=early)
    assert not WarningNotice.unscoped.filter(org_unit=county).exists()
    assert not Notice.unscoped.filter(user=people["county_admin"]).exists()
    MonthlyReport.unscoped.create(org_unit=county, period=MARCH, status="submitted",
                                  deadline=dt.date(2024, 4, 5))
    notify_red_warnings(month=MARCH, today=early)
    assert Notice.unscoped.filter(user=people["county_admin"]).count() == 1


def test_the_command_tells_them_as_the_beat_task_does(red_county):
    from io import StringIO

    from django.core.management import call_command
    county, people = red_county
    out = StringIO()
    call_command("notify_red_warnings", "--month", "2024-03", stdout=out)
    assert out.getvalue().startswith("2024-03: ")
    assert Notice.unscoped.filter(user=people["city_reviewer"]).count() == 1
