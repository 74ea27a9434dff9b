"""Issue #5, the 100,000-row import: the bulk writes it goes through (COPY text, ids reserved
up front, updates through a staging table) and the checks the column-by-column row check must
keep. The speed itself is measured by bench/import_bench.py, not here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from imports import services
from org.models import Membership
from skills_portal.bulk import _copy_lines, insert_rows, update_rows
from tests import xlsx_corpus as corpus
from tests.factories import UserFactory
from training.models import TrainingFigure

MAY = dt.date(2024, 5, 1)
FIELDS = ["created_at", "updated_at", "is_demo", "org_unit", "period", "training_type",
          "target_group", "subsidised", "industry", "trained", "persons", "completed", "certified"]


def test_copy_text_escapes_what_copy_reads_specially_and_keeps_types_apart():
    row = ("a\tb", "c\\d", "e\nf\rg", None, True, False, 7, Decimal("1.50"), MAY, "普通文字")
    assert list(_copy_lines([row])) == [
        "a\\tb\tc\\\\d\te\\nf\\rg\t\\N\tt\tf\t7\t1.50\t2024-05-01\t普通文字\n"]
    # True, 1 and Decimal(1) are equal dictionary keys: converted values are cached by type too.
    assert list(_copy_lines([(1, True, Decimal(1)), (True, Decimal(1), 1)])) == [
        "1\tt\t1\n", "t\t1\t1\n"]


def _figure_rows(unit, groups):
    now = timezone.now()
    return [(now, now, False, unit.pk, MAY, "岗位技能提升培训", group, False, "", 10, 5, 8, 2)
            for group in groups]


@pytest.mark.django_db
def test_update_rows_sets_the_given_fields_of_the_given_rows_only(longling):
    user = UserFactory(username="bulk_updater")
    with transaction.atomic():
        insert_rows(TrainingFigure, FIELDS, _figure_rows(longling, ["企业职工", "脱贫人口"]))
    first, second = TrainingFigure.objects.filter(org_unit=longling).order_by("target_group")
    later = timezone.now()
    with transaction.atomic():
        assert update_rows(TrainingFigure, ["trained", "completed", "updated_at", "entered_by"],
                           [(first.pk, 40, 30, later, user.pk)]) == 1
        # Twice in one transaction: the staging table of the first call is gone.
        update_rows(TrainingFigure, ["certified"], [(first.pk, 3)])
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.trained, first.persons, first.completed, first.certified) == (40, 5, 30, 3)
    assert first.entered_by == user and first.updated_at == later
    assert (second.trained, second.completed, second.entered_by) == (10, 8, None)


@pytest.mark.django_db
def test_update_rows_leaves_the_database_constraints_in_charge(longling):
    with transaction.atomic():
        insert_rows(TrainingFigure, FIELDS, _figure_rows(longling, ["企业职工"]))
    figure = TrainingFigure.objects.get(org_unit=longling)
    with pytest.raises(Exception), transaction.atomic():  # noqa: B017 (the vendor's error class)
        update_rows(TrainingFigure, ["completed"], [(figure.pk, 99)])  # completed > trained
    figure.refresh_from_db()
    assert figure.completed == 8


@pytest.mark.django_db
def test_insert_rows_writes_the_constant_fields_on_every_row(longling):
    user = UserFactory(username="bulk_inserter")
    now = timezone.now()
    variable = ["org_unit", "period", "training_type", "target_group", "subsidised", "industry",
                "trained", "persons", "completed", "certified"]
    with transaction.atomic():
        written = insert_rows(TrainingFigure, variable, [
            (longling.pk, MAY, "岗位技能提升培训", group, False, "", 10, 5, 8, 2)
            for group in ("企业职工", "脱贫人口")],
            constant={"created_at": now, "updated_at": now, "is_demo": False,
                      "entered_by": user.pk})
    assert written == 2
    stored = TrainingFigure.objects.filter(org_unit=longling)
    assert {(f.target_group, f.entered_by_id, f.created_at, f.is_demo) for f in stored} == {
        ("企业职工", user.pk, now, False), ("脱贫人口", user.pk, now, False)}


@pytest.mark.django_db
def test_a_yes_no_cell_among_numbers_is_refused_though_true_equals_one(longling):
    clerk = UserFactory(username="bulk_clerk")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    data = corpus.training(
        ["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 1, 0, 1, 0],
        ["龙陵县", "2024-05", "脱贫人口", "就业技能培训", "", "否", True, 0, 0, 0],
    )
    batch = services.upload(user=clerk, kind="training", basis="month", file_name="a.xlsx",
                            data=data)
    assert batch.rows == 2
    assert [(e["row"], e["column"][:1]) for e in batch.errors] == [(3, "G")]
    assert "是/否" in batch.errors[0]["message"]


@pytest.mark.django_db
def test_a_re_import_with_every_value_changed_updates_every_row_and_audits_it(longling):
    from audit.models import AuditEntry

    clerk = UserFactory(username="bulk_reimport")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    groups = ["企业职工", "脱贫人口", "退役军人"]
    rows = [["龙陵县", "2024-05", group, "岗位技能提升培训", "", "否", 10, 5, 8, 2]
            for group in groups]
    services.confirm(services.upload(user=clerk, kind="training", basis="month",
                                     file_name="a.xlsx", data=corpus.training(*rows)), user=clerk)
    ids = dict(TrainingFigure.objects.values_list("target_group", "pk"))
    for row in rows:
        row[6] = 20
    batch = services.confirm(services.upload(user=clerk, kind="training", basis="month",
                                             file_name="b.xlsx", data=corpus.training(*rows)),
                             user=clerk)
    assert (batch.created, batch.updated) == (0, 3), batch.errors
    assert dict(TrainingFigure.objects.values_list("target_group", "pk")) == ids  # same rows
    assert set(TrainingFigure.objects.values_list("trained", flat=True)) == {20}
    audited = AuditEntry.objects.filter(batch=batch, action="update")
    assert {e.object_id for e in audited} == {str(pk) for pk in ids.values()}
    assert {(e.before["trained"], e.after["trained"]) for e in audited} == {(10, 20)}


def _apply(user, *rows, progress=None):
    from imports import figures
    from imports.kinds import layout
    from imports.reader import read_workbook

    return figures.apply(layout("training"), read_workbook(corpus.training(*rows)), user=user,
                         progress=progress)


@pytest.fixture
def copies(monkeypatch):
    """The rows each COPY of new figures was given (the import streams them while it checks)."""
    from imports import figures

    written: list[int] = []

    def counted(model, fields, rows, **kwargs):
        rows = list(rows)
        written.append(len(rows))
        return insert_rows(model, fields, rows, **kwargs)

    monkeypatch.setattr(figures, "insert_rows", counted)
    return written


@pytest.mark.django_db
def test_rows_written_before_a_later_row_fails_are_rolled_back(longling, copies):
    clerk = UserFactory(username="bulk_streamed")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    first = ["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 10, 5, 8, 2]
    second = ["龙陵县", "2024-05", "脱贫人口", "就业技能培训", "", "否", 10, 5, 8, 2]
    analysis = _apply(clerk, first, second, first)  # the third row repeats the first
    assert copies == [2]  # the first two went to the database before the third was checked
    assert [e.message for e in analysis.errors] == [
        "与第 2 行重复（同一单位、部门、月份和分类出现两次）"]
    assert (analysis.create, analysis.update, analysis.pairs) == ([], [], set())
    assert not TrainingFigure.objects.exists()


@pytest.mark.django_db
def test_a_refusal_by_the_database_during_the_copy_saves_nothing(longling, copies, monkeypatch):
    from imports import figures

    clerk = UserFactory(username="bulk_refused")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    # The row check would catch 结业 > 培训; without it, the table's constraint does.
    monkeypatch.setattr(figures, "_order_error", lambda layout, record: None)
    analysis = _apply(clerk, ["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否",
                              10, 5, 8, 2],
                      ["龙陵县", "2024-05", "脱贫人口", "就业技能培训", "", "否", 10, 5, 99, 2])
    assert len(analysis.errors) == 1 and "数据库拒绝了数据" in analysis.errors[0].message
    assert not TrainingFigure.objects.exists()


@pytest.mark.django_db
def test_a_running_import_reports_its_rows_through_the_cache(longling, copies, monkeypatch):
    """The reports come while the COPY holds the connection and inside the import's
    transaction: a write to the batch would fail there, or stay unseen until the commit."""
    from django.core.cache import cache

    from imports import figures
    from imports.choices import ImportStatus

    clerk = UserFactory(username="bulk_progress")
    Membership.objects.create(user=clerk, org_unit=longling, role="data_entry")
    batch = services.upload(user=clerk, kind="training", basis="month", file_name="p.xlsx",
                            data=corpus.training(*(
                                ["龙陵县", f"2024-{month:02d}", "企业职工", "岗位技能提升培训", "",
                                 "否", 10, 5, 8, 2] for month in range(1, 6))))
    monkeypatch.setattr(figures, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    monkeypatch.setattr(cache, "set", lambda key, value, timeout=None: seen.append(value))
    batch.status = ImportStatus.RUNNING
    batch.save()
    applied = services.run_apply(batch.pk)
    assert applied.status == ImportStatus.APPLIED and applied.created == 5, applied.errors
    assert copies == [5] and seen == [2, 4, 5]
    monkeypatch.undo()
    cache.set(batch.progress_key, 3)
    assert batch.rows_read == 3  # a running batch shows what its job last reported
    assert applied.rows_read == 5  # a finished one its final count


@pytest.fixture
def beside_chunks(monkeypatch):
    from skills_portal import bulk

    monkeypatch.setattr(bulk, "BESIDE_ROWS", 2)  # five rows make three COPY statements


def _rows_for(unit, *completed):
    now = timezone.now()
    return [(now, now, False, unit.pk, dt.date(2024, month, 1), "岗位技能提升培训", "企业职工",
             False, "", 10, 5, done, 2) for month, done in enumerate(completed, start=1)]


@pytest.mark.django_db
def test_rows_copied_beside_arrive_in_chunks_and_foreign_keys_are_deferred_again(
        longling, beside_chunks):
    with transaction.atomic():
        assert insert_rows(TrainingFigure, FIELDS, iter(_rows_for(longling, 8, 8, 8, 8, 8)),
                           beside=True) == 5
        assert TrainingFigure.objects.filter(org_unit=longling).count() == 5
        # Back to Django's deferred checks: a dangling key is refused only at the commit.
        insert_rows(TrainingFigure, FIELDS, [(*_rows_for(longling, 8)[0][:3], 10**12,
                                              *_rows_for(longling, 8)[0][4:])])
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_chunk_refused_by_the_database_stops_the_copy_beside(longling, beside_chunks):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError), transaction.atomic():  # 99 completed of 10 trained
        insert_rows(TrainingFigure, FIELDS, iter(_rows_for(longling, 8, 8, 99, 8, 8)),
                    beside=True)
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()


@pytest.mark.django_db
def test_a_failure_while_making_rows_ends_the_copy_beside(longling, beside_chunks):
    import threading

    def rows():
        yield from _rows_for(longling, 8, 8, 8)
        raise ValueError("a bug in the row check")

    with pytest.raises(ValueError, match="a bug"), transaction.atomic():
        insert_rows(TrainingFigure, FIELDS, rows(), beside=True)
    assert not any(t.name == "copy-beside" for t in threading.enumerate())
    assert not TrainingFigure.objects.filter(org_unit=longling).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="elsewhere rows are not copied beside")
@pytest.mark.django_db
def test_no_query_may_run_while_a_copy_runs_beside(longling, beside_chunks):
    def rows():
        yield from _rows_for(longling, 8, 8, 8)
        TrainingFigure.objects.count()  # the connection is the helper's meanwhile
        yield from _rows_for(longling, 8)

    with pytest.raises(RuntimeError, match="No query may run"), transaction.atomic():
        insert_rows(TrainingFigure, FIELDS, rows(), beside=True)
