"""The monthly roll-up on hand-computed data."""

import datetime as dt
import gc
import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, connections, transaction

from org.models import Department
from progress import rollup
from progress.models import ProgressSnapshot, RollupLock, RollupMark, RollupRun
from progress.rollup import RollupBusy, judge, rollup_month, sweep, time_progress
from progress.services import mark_for_rollup
from targets.models import DataValue, Indicator
from tests.factories import OrgUnitFactory, PlanFactory, TargetFactory
from training.models import TrainingFigure

pytestmark = pytest.mark.django_db

D = Decimal


def month(m, y=2024):
    return dt.date(y, m, 1)


@pytest.fixture
def tree():
    province = OrgUnitFactory(name="汇总测试省")
    city = OrgUnitFactory.child_of(province, name="汇总测试市")
    a = OrgUnitFactory.child_of(city, name="甲县")
    b = OrgUnitFactory.child_of(city, name="乙县")
    return province, city, a, b


def train(unit, period, n, **kw):
    defaults = {"training_type": "就业技能培训", "target_group": "企业职工"}
    TrainingFigure.objects.create(org_unit=unit, period=period, trained=n, **(defaults | kw))


def snap(target, period):
    return ProgressSnapshot.objects.get(target=target, period=period)


def test_flow_annual_is_year_to_date(tree, training_indicator):
    province, city, a, b = tree
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city, value=1200)
    train(a, month(1), 100)
    train(a, month(2), 200)
    train(b, month(3), 300)
    train(b, month(1, 2023), 999)  # last year: not in this window
    rollup_month(month(2))
    rollup_month(month(3))
    feb, mar = snap(target, month(2)), snap(target, month(3))
    assert (feb.actual, feb.completion_rate, feb.time_progress) == (D(300), D("0.25"), D("0.1667"))
    assert (mar.actual, mar.completion_rate, mar.time_progress) == (D(600), D("0.5"), D("0.25"))
    assert mar.gap_to_target == D(-600) and mar.gap_to_time == D(300)
    assert mar.status == "ahead" and mar.completion_change == D("0.25")


def test_flow_cumulative_counts_from_the_window_start(tree, training_indicator):
    province, city, a, _b = tree
    plan = PlanFactory(issuer_unit=province, period_start=month(1, 2023),
                       period_end=month(12, 2025))
    target = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city,
                           window="cumulative", period_start=month(1, 2023),
                           period_end=month(12, 2025), value=3600)
    train(a, month(5, 2023), 700)
    train(a, month(6, 2024), 500)
    train(a, month(7, 2024), 400)  # after the month rolled up
    rollup_month(month(6, 2024))
    row = snap(target, month(6, 2024))
    assert row.actual == 1200
    assert row.time_progress == D("0.5")  # 18 of 36 months
    assert row.completion_rate == D("0.3333")
    assert row.status == "seriously_behind"  # 33% done at 50% of the time


def test_stock_is_the_level_at_month_end(tree):
    province, city, a, b = tree
    stock = Indicator.objects.get(code="skill_talent_total")
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory(plan=plan, indicator=stock, org_unit=city, window="level", value=1000)
    for unit, values in ((a, (400, 420)), (b, (300, 310))):
        for m, v in zip((5, 6), values, strict=True):
            DataValue.objects.create(indicator=stock, org_unit=unit, period=month(m), value=v)
    rollup_month(month(6))
    row = snap(target, month(6))
    assert row.actual == 730  # levels are not summed over months
    assert row.completion_rate == D("0.73") and row.time_progress == D("0.5")
    assert row.status == "ahead"


def test_ratio_of_two_indicators(tree):
    province, city, a, b = tree
    share = Indicator.objects.get(code="skill_talent_share")
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory(plan=plan, indicator=share, org_unit=city, window="level", value=35)
    for unit, skilled, employed in ((a, 300, 1000), (b, 200, 1000)):
        DataValue.objects.create(indicator=share.numerator, org_unit=unit, period=month(12),
                                 value=skilled)
        DataValue.objects.create(indicator=share.denominator, org_unit=unit, period=month(12),
                                 value=employed)
    rollup_month(month(12))
    row = snap(target, month(12))
    assert row.actual == 25  # 500 of 2,000 = 25%
    assert row.completion_rate == D("0.7143") and row.status == "seriously_behind"


def test_increment_over_a_baseline(tree):
    province, city, a, _b = tree
    share = Indicator.objects.get(code="skill_talent_share")
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory(plan=plan, indicator=share, org_unit=city, window="level", value=2,
                           is_increment=True, baseline=20)
    DataValue.objects.create(indicator=share.numerator, org_unit=a, period=month(12), value=230)
    DataValue.objects.create(indicator=share.denominator, org_unit=a, period=month(12),
                             value=1000)
    rollup_month(month(12))
    row = snap(target, month(12))
    assert row.actual == 3 and row.status == "done"  # 23% is +3 points over 20%


def test_a_county_figure_counts_once_at_every_level(tree, training_indicator):
    province, city, a, b = tree
    plan = PlanFactory(issuer_unit=province)
    targets = {u: TargetFactory(plan=plan, indicator=training_indicator, org_unit=u, value=100)
               for u in (province, city, a, b)}
    train(a, month(4), 40)
    train(city, month(4), 5)  # the city's own figure
    rollup_month(month(4))
    assert {u.name: snap(t, month(4)).actual for u, t in targets.items()} == {
        "汇总测试省": 45, "汇总测试市": 45, "甲县": 40, "乙县": 0}


def test_ranks_among_siblings(tree, training_indicator):
    province, city, a, b = tree
    c = OrgUnitFactory.child_of(city, name="丙县")
    plan = PlanFactory(issuer_unit=province)
    parent = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city, value=300)
    shares = {u: TargetFactory(plan=plan, indicator=training_indicator, org_unit=u, value=100,
                               parent=parent, axis="region") for u in (a, b, c)}
    train(a, month(3), 50)
    train(b, month(3), 80)
    train(c, month(3), 50)
    rollup_month(month(3))
    ranks = {u.name: (snap(t, month(3)).rank, snap(t, month(3)).rank_of) for u, t in shares.items()}
    assert ranks == {"乙县": (1, 3), "甲县": (2, 3), "丙县": (2, 3)}
    assert snap(parent, month(3)).rank is None


def test_department_targets_count_their_sector_below(tree, training_indicator):
    province, city, a, _b = tree
    city_dept = Department.objects.create(org_unit=city, name="市应急管理局", sector="emergency")
    county_dept = Department.objects.create(org_unit=a, name="县应急管理局", sector="emergency")
    other = Department.objects.create(org_unit=a, name="县教育局", sector="education")
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city,
                           department=city_dept, value=100)
    train(a, month(2), 30, department=county_dept)
    train(city, month(2), 20, department=city_dept)
    train(a, month(2), 500, department=other)
    train(a, month(2), 700)
    rollup_month(month(2))
    assert snap(target, month(2)).actual == 50


def test_status_thresholds():
    assert judge(D("1.0"), D("0.5"), "gte") == "done"
    assert judge(D("0.6"), D("0.5"), "gte") == "ahead"
    assert judge(D("0.52"), D("0.5"), "gte") == "on_pace"
    assert judge(D("0.46"), D("0.5"), "gte") == "on_pace"
    assert judge(D("0.40"), D("0.5"), "gte") == "behind"
    assert judge(D("0.30"), D("0.5"), "gte") == "seriously_behind"
    assert judge(None, D("0.5"), "gte") == "undetermined"


def test_time_progress_at_several_months(training_indicator):
    target = TargetFactory(indicator=training_indicator)
    assert [time_progress(target, month(m)) for m in (1, 6, 12)] == [
        D("0.0833"), D("0.5"), D("1")]


def test_two_runs_give_an_identical_snapshot(tree, training_indicator):
    province, city, a, _b = tree
    plan = PlanFactory(issuer_unit=province)
    TargetFactory(plan=plan, indicator=training_indicator, org_unit=city, value=1000)
    train(a, month(5), 123)
    fields = ("target_id", "actual", "completion_rate", "time_progress", "status", "rank",
              "gap_to_target", "gap_to_time")

    def rows():
        return list(ProgressSnapshot.objects.filter(period=month(5)).order_by("target_id")
                    .values_list(*fields))

    first_run = rollup_month(month(5))
    first = rows()
    second_run = rollup_month(month(5))
    assert rows() == first
    assert first_run.rows_written == second_run.rows_written == len(first)
    assert second_run.status == "succeeded" and second_run.finished_at is not None


def test_query_count_does_not_grow_with_org_units(tree, training_indicator):
    province, city, a, b = tree
    plan = PlanFactory(issuer_unit=province)
    for unit in (a, b):
        TargetFactory(plan=plan, indicator=training_indicator, org_unit=unit, value=100)
    rollup_month(month(3))  # both measured runs then replace an existing snapshot
    small = rollup_month(month(3)).queries
    for i in range(30):
        unit = OrgUnitFactory.child_of(city, name=f"新增县{i}")
        TargetFactory(plan=plan, indicator=training_indicator, org_unit=unit, value=100)
        train(unit, month(3), i + 1)
    big = rollup_month(month(3))
    # Only the snapshot INSERT may be split into more batches (SQLite's parameter limit).
    batches = 1 if connection.vendor == "postgresql" else -(-big.rows_written // 30) + 1
    assert small <= big.queries <= small + batches - 1


def test_a_run_that_fails_halfway_keeps_the_old_snapshot(tree, training_indicator, monkeypatch):
    province, city, a, _b = tree
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city, value=100)
    train(a, month(3), 10)
    rollup_month(month(3))
    train(a, month(3), 20, target_group="退役军人")

    # A row the database refuses (negative rank): the run dies after the month's old rows were
    # deleted, while the new ones are being written.
    rank = rollup._rank

    def corrupt(targets, rows):
        rank(targets, rows)
        rows[-1].rank = -1

    monkeypatch.setattr(rollup, "_rank", corrupt)
    with pytest.raises(IntegrityError):
        rollup_month(month(3))
    assert snap(target, month(3)).actual == 10  # the previous snapshot, intact
    failed = RollupRun.objects.filter(period=month(3)).order_by("-pk").first()
    assert failed.status == "failed" and "IntegrityError" in failed.error
    assert gc.isenabled()  # paused during the roll-up, resumed even after a failure


def test_sweep_rolls_up_marked_months_and_later_ones(tree, training_indicator):
    province, city, a, _b = tree
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city, value=100)
    rollup_month(month(4))
    rollup_month(month(5))
    with transaction.atomic():
        train(a, month(4), 30)
        mark_for_rollup(pairs=[(a.pk, month(4, 2024))])
    assert sweep() == [month(4), month(5)]
    assert snap(target, month(4)).actual == 30 and snap(target, month(5)).actual == 30
    assert not RollupMark.objects.exists()
    assert sweep() == []


def test_a_write_over_many_months_marks_each_unit_s_first_and_last_and_the_sweep_fills_in(
        tree, training_indicator):
    province, city, a, b = tree
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city, value=100)
    with transaction.atomic():  # no snapshot yet: the sweep has only the marks to go by
        for m in (3, 5, 6, 9):
            train(a, month(m), m)
        train(b, dt.date(2024, 7, 15), 7)
        mark_for_rollup(pairs=[(a.pk, month(6)), (a.pk, dt.date(2024, 3, 10)), (a.pk, month(9)),
                               (a.pk, month(5)), (b.pk, dt.date(2024, 7, 15))])
    assert set(RollupMark.objects.values_list("org_unit_id", "period")) == {
        (a.pk, month(3)), (a.pk, month(9)), (b.pk, month(7))}
    assert sweep() == [month(m) for m in range(3, 10)]
    assert [snap(target, month(m)).actual for m in (3, 5, 7, 9)] == [3, 8, 21, 30]


def test_saving_with_the_broker_down_loses_nothing(tree, settings,
                                                  django_capture_on_commit_callbacks):
    """Redis unreachable when figures are saved: the save succeeds, the mark stays in the
    database for the next sweep."""
    from skills_portal.celery import app

    province, city, a, _b = tree
    settings.ROLLUP_SWEEP_ON_COMMIT = True
    def fresh_connections():
        # Connection and producer pools are bound to the broker URL; drop them (as Celery
        # does after a fork) so the next send connects to the URL now configured.
        app.pool.force_close_all()
        app._pool = None
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    previous = (app.conf.broker_url, app.conf.task_always_eager)
    app.conf.broker_url, app.conf.task_always_eager = "redis://127.0.0.1:1/0", False
    fresh_connections()
    try:
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            train(a, month(6), 5)
            mark_for_rollup(pairs=[(a.pk, month(6))])
        assert len(callbacks) == 1  # the send was attempted, failed, and was logged
    finally:
        app.conf.broker_url, app.conf.task_always_eager = previous
        fresh_connections()
    assert TrainingFigure.objects.filter(org_unit=a, period=month(6)).exists()
    assert RollupMark.objects.filter(org_unit=a, period=month(6)).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_concurrent_run_is_refused_cleanly(tree):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL; SQLite serialises writers instead")
    RollupLock.objects.create(period=month(3))
    holding, release = threading.Event(), threading.Event()

    def hold_lock():
        with transaction.atomic():
            RollupLock.objects.select_for_update().get(period=month(3))
            holding.set()
            release.wait(10)
        connections.close_all()

    thread = threading.Thread(target=hold_lock)
    thread.start()
    try:
        assert holding.wait(10)
        with pytest.raises(RollupBusy):
            rollup_month(month(3), wait=False)
        run = RollupRun.objects.filter(period=month(3)).latest("pk")
        assert run.status == "failed" and "already running" in run.error
    finally:
        release.set()
        thread.join()
    assert rollup_month(month(3), wait=False).status == "succeeded"


def test_every_seed_target_has_a_snapshot_on_demo_data():
    from demo.figures import generate_demo_figures
    from targets.models import Target

    generate_demo_figures()
    for period in (month(6, 2021), month(12, 2023), month(9, 2025)):
        run = rollup_month(period)
        in_force = Target.objects.filter(plan__is_reference=False, period_start__lte=period,
                                         period_end__gte=period)
        assert run.rows_written == in_force.count()
        assert set(ProgressSnapshot.objects.filter(period=period)
                   .values_list("target_id", flat=True)) == set(in_force.values_list("pk",
                                                                                      flat=True))
    # Wenzhou, end of June 2021: the city's training is the sum of its 14 counties, judged
    # against half of the year.
    city = ProgressSnapshot.objects.get(target__plan__code="wenzhou-2021",
                                        target__code="training-2021", period=month(6, 2021))
    counties = ProgressSnapshot.objects.filter(target__parent=city.target, period=month(6, 2021))
    assert city.actual == sum(c.actual for c in counties) > 0
    assert city.time_progress == D("0.5")
    assert city.completion_rate == (city.actual / 120000).quantize(D("0.0001"))
    assert {c.rank for c in counties} <= set(range(1, 15))
    # Nanyang's relative targets have no number: their status says so.
    relative = ProgressSnapshot.objects.filter(target__plan__code="nanyang-hitech-2022",
                                               target__value__isnull=True, period=month(12, 2023))
    assert relative.exists() and {s.status for s in relative} == {"undetermined"}


def test_a_department_target_on_figures_that_carry_no_department_is_refused(tree):
    """Subsidy claims record no department, so a target decomposed to a department cannot be
    measured from them: it is refused when it is set, and one that got in anyway (written
    around the checks) is reported as undetermined instead of stopping the roll-up."""
    from django.core.exceptions import ValidationError

    province, city, _a, _b = tree
    dept = Department.objects.create(org_unit=city, name="市财政局", sector="finance")
    paid = Indicator.objects.create(code="paid_t", name="拨付金额t", unit="元", kind="flow",
                                    source="measure", measure="subsidies.amount_paid")
    plan = PlanFactory(issuer_unit=province)
    target = TargetFactory.build(plan=plan, indicator=paid, org_unit=city, department=dept,
                                 value=100)
    with pytest.raises(ValidationError) as refused:
        target.full_clean()
    assert "部门" in str(refused.value.message_dict["department"])
    target.save()  # around the checks
    TargetFactory(plan=plan, indicator=paid, org_unit=city, value=100, code="whole-city")
    rollup_month(month(2))
    assert snap(target, month(2)).status == "undetermined"


def test_rolling_a_month_up_again_changes_only_the_rows_that_differ(tree, training_indicator):
    province, city, a, b = tree
    plan = PlanFactory(issuer_unit=province)
    at_a = TargetFactory(plan=plan, indicator=training_indicator, org_unit=a, value=100)
    at_b = TargetFactory(plan=plan, indicator=training_indicator, org_unit=b, value=100)
    at_city = TargetFactory(plan=plan, indicator=training_indicator, org_unit=city, value=200)
    train(a, month(3), 30)
    train(b, month(3), 40)
    first = rollup_month(month(3))
    TrainingFigure.objects.filter(org_unit=a).update(trained=35)  # 甲县 changes; 乙县 not
    gone = TargetFactory(plan=plan, indicator=training_indicator, org_unit=province, value=1)
    second = rollup_month(month(3))
    # A target no longer in force in March (its window ended in February)…
    type(gone).objects.filter(pk=gone.pk).update(period_end=month(2))
    new = TargetFactory(plan=plan, indicator=training_indicator, org_unit=province, value=400)
    third = rollup_month(month(3))  # …and one new in force
    rows = {s.target_id: s for s in ProgressSnapshot.objects.filter(period=month(3),
                                                                  target__plan=plan)}
    assert set(rows) == {at_a.pk, at_b.pk, at_city.pk, new.pk}  # (the seed plans' rows too)
    assert (rows[at_a.pk].actual, rows[at_b.pk].actual, rows[at_city.pk].actual,
            rows[new.pk].actual) == (D(35), D(40), D(75), D(75))
    assert rows[at_a.pk].rank == 2 and rows[at_b.pk].rank == 1
    if connection.vendor == "postgresql":  # elsewhere the month is written whole each time
        assert rows[at_b.pk].run_id == first.pk  # unchanged since the first run
        assert rows[at_a.pk].run_id == rows[at_city.pk].run_id == second.pk
        assert rows[new.pk].run_id == third.pk
