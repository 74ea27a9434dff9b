"""Moving the org tree to `org` and the roll-up's tables to `progress` keeps every row: a
database at the migration head before the move, with rows in every moved table, migrated to
the new head, still has them all, with their links, under the new apps; content types (and so
permissions) follow the models."""

import datetime as dt
from decimal import Decimal

import pytest
from django.apps import apps as current_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE_THE_MOVE = [
    ("targets", "0004_rollup"), ("skills_portal", "0001_initial"),
    ("training", "0003_entered_by_stamp"), ("certification", "0003_entered_by_stamp"),
    ("competitions", "0001_initial"), ("subsidies", "0003_claim_duplicate_message"),
    ("reporting", "0003_monthly_report_is_demo"), ("dashboard", "0001_initial"),
    ("audit", "0004_actor_index_without_unit"), ("org", None), ("progress", None),
]
MOVED = {"org": ["orgunit", "orgunitclosure", "department", "membership"],
         "progress": ["rollupmark", "rolluprun", "rolluplock", "progresssnapshot"]}


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader


def _rows_before_the_move(old):
    """One row in every table that moves, linked as the product links them."""
    OrgUnit, Closure = old.get_model("targets", "OrgUnit"), old.get_model("targets", "OrgUnitClosure")
    root = OrgUnit.objects.create(name="迁移测试省", level=1, kind="省", code="990000")
    county = OrgUnit.objects.create(name="迁移测试县", level=3, kind="县", parent=root)
    Closure.objects.bulk_create([
        Closure(ancestor=root, descendant=root, depth=0),
        Closure(ancestor=county, descendant=county, depth=0),
        Closure(ancestor=root, descendant=county, depth=1),
    ])
    department = old.get_model("targets", "Department").objects.create(
        org_unit=county, name="迁移测试县应急管理局", sector="emergency")
    user = old.get_model("auth", "User").objects.create(username="migration-clerk")
    old.get_model("skills_portal", "Membership").objects.create(
        user=user, org_unit=county, department=department, role="data_entry")
    indicator = old.get_model("targets", "Indicator").objects.create(
        code="migration_trained", name="迁移测试培训人次", unit="人次", kind="flow",
        source="manual")
    plan = old.get_model("targets", "Plan").objects.create(
        code="migration-plan", title="迁移测试方案", short_name="迁移测试", issuer="迁移测试省人社厅",
        issuer_unit=root)
    target = old.get_model("targets", "Target").objects.create(
        plan=plan, code="t1", indicator=indicator, org_unit=county, department=department,
        window="annual", period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 12, 1),
        value=Decimal(100))
    run = old.get_model("targets", "RollupRun").objects.create(
        period=dt.date(2025, 9, 1), trigger="test", status="succeeded")
    old.get_model("targets", "RollupLock").objects.create(period=dt.date(2031, 9, 1))
    old.get_model("targets", "RollupMark").objects.create(
        org_unit=county, period=dt.date(2025, 9, 1), marked_at=dt.datetime(2025, 10, 1, tzinfo=dt.UTC))
    old.get_model("targets", "ProgressSnapshot").objects.create(
        target=target, period=dt.date(2025, 9, 1), run=run, actual=Decimal(75),
        target_value=Decimal(100), completion_rate=Decimal("0.75"), time_progress=Decimal("0.75"),
        status="on_pace")
    old.get_model("targets", "DataValue").objects.create(
        indicator=indicator, org_unit=county, department=department, period=dt.date(2025, 9, 1),
        value=Decimal(75))


@pytest.mark.django_db(transaction=True)
def test_the_move_to_org_and_progress_keeps_every_row_and_link():
    loader = _migrate(BEFORE_THE_MOVE)
    old = loader.project_state([node for node in BEFORE_THE_MOVE if node[1]]).apps
    ContentType = old.get_model("contenttypes", "ContentType")
    assert ContentType.objects.filter(app_label="targets", model="orgunit").exists()
    _rows_before_the_move(old)

    loader = MigrationExecutor(connection).loader
    _migrate(loader.graph.leaf_nodes())

    OrgUnit = current_apps.get_model("org", "OrgUnit")
    county = OrgUnit.objects.get(name="迁移测试县")
    assert county.parent.name == "迁移测试省"
    assert [u.name for u in county.ancestors(include_self=True)] == ["迁移测试省", "迁移测试县"]
    department = current_apps.get_model("org", "Department").objects.get(org_unit=county)
    membership = current_apps.get_model("org", "Membership").objects.get(
        user__username="migration-clerk")
    assert (membership.org_unit, membership.department) == (county, department)
    target = current_apps.get_model("targets", "Target").objects.get(plan__code="migration-plan")
    assert (target.org_unit, target.department, target.plan.issuer_unit.name) == \
        (county, department, "迁移测试省")
    snapshot = current_apps.get_model("progress", "ProgressSnapshot").objects.get(target=target)
    assert (snapshot.actual, snapshot.run.trigger) == (Decimal(75), "test")
    assert current_apps.get_model("progress", "RollupMark").objects.filter(org_unit=county).exists()
    assert current_apps.get_model("progress", "RollupLock").objects.filter(
        period=dt.date(2031, 9, 1)).exists()
    assert current_apps.get_model("targets", "DataValue").objects.get(
        indicator=target.indicator).department == department

    from django.contrib.contenttypes.models import ContentType as CurrentContentType

    CurrentContentType.objects.clear_cache()
    for app, models in MOVED.items():
        for model in models:
            assert CurrentContentType.objects.filter(app_label=app, model=model).exists(), model
            assert not CurrentContentType.objects.filter(model=model).exclude(app_label=app) \
                .exists(), model
