"""The audit trail: scoped writes are recorded with who, what, before/after (only changes, ID
numbers masked), request id or import batch; entries are append-only (model, queryset and, on
PostgreSQL, a trigger); bulk writes add one statement."""

import datetime as dt

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from audit.context import audit_context
from audit.models import AppendOnlyError, AuditEntry
from audit.services import diff, mask, record, record_many, snapshot
from competitions.models import Award
from competitions.services import delete_award, save_award
from org.models import Membership
from skills_portal.identity import id_number_check_char
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FIRST17 = "53052319900101123"
ID_NUMBER = FIRST17 + id_number_check_char(FIRST17)
MASKED = ID_NUMBER[:6] + "********" + ID_NUMBER[-4:]


def member(org_unit, role="data_entry", department=None, **kwargs):
    user = UserFactory(**kwargs)
    Membership.objects.create(user=user, org_unit=org_unit, role=role, department=department)
    return user


def new_award(org_unit, **kwargs):
    values = {"competition": None, "medal": "无", "honour_title": "技术能手",
              "honour_level": "县级", "recipient_kind": "individual", "recipient_name": "李明",
              "recipient_id_number": ID_NUMBER, "org_unit": org_unit,
              "awarded_on": dt.date(2024, 3, 12), "employer": "龙陵县人民医院"}
    values.update(kwargs)
    return Award(**values)


def entries_for(obj):
    return list(AuditEntry.objects.filter(model_label=obj._meta.label_lower,
                                          object_id=str(obj.pk)).order_by("pk"))


def test_create_update_delete_are_recorded_with_masked_id_numbers(longling):
    clerk = member(longling, username="ll_clerk")
    award = save_award(user=clerk, award=new_award(longling))
    award.employer = "龙陵县中医院"
    award.recipient_id_number = FIRST17[:-1] + "9" + id_number_check_char(FIRST17[:-1] + "9")
    save_award(user=clerk, award=award)
    save_award(user=clerk, award=award)  # nothing changed: no entry
    pk = award.pk
    delete_award(user=clerk, award=award)

    created, updated, deleted = AuditEntry.objects.filter(
        model_label="competitions.award", object_id=str(pk)).order_by("pk")
    assert [e.action for e in (created, updated, deleted)] == ["create", "update", "delete"]
    assert created.actor_name == "ll_clerk" and created.actor_id == clerk.pk
    assert created.org_unit_id == longling.pk and created.period == dt.date(2024, 3, 1)
    assert created.before is None and created.after["recipient_id_number"] == MASKED
    assert created.after["employer"] == "龙陵县人民医院"
    # An update shows only what changed, plus the key.
    assert set(updated.after) == {"id", "employer", "recipient_id_number"}
    assert updated.before["employer"] == "龙陵县人民医院"
    assert updated.after["employer"] == "龙陵县中医院"
    assert deleted.after is None and deleted.before["recipient_name"] == "李明"
    for entry in (created, updated, deleted):
        text = str(entry.before) + str(entry.after) + entry.object_repr + entry.note
        assert ID_NUMBER not in text and ID_NUMBER[6:14] not in text


def test_refused_write_leaves_no_entry(longling, lucheng):
    clerk = member(lucheng)
    before = AuditEntry.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - PermissionDenied, whichever check refuses
        save_award(user=clerk, award=new_award(longling))
    assert AuditEntry.objects.count() == before


def test_username_is_kept_when_the_user_is_deleted(longling):
    clerk = member(longling, username="leaver")
    award = save_award(user=clerk, award=new_award(longling))
    Membership.objects.filter(user=clerk).delete()
    clerk.delete()
    entry = entries_for(award)[0]
    assert entry.actor_name == "leaver"


def test_entries_are_append_only_in_python(longling):
    entry = record(actor=None, action="approve", org_unit=longling, note="ok")
    entry.note = "changed"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).update(note="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(pk=entry.pk).delete()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger is PostgreSQL's")
@pytest.mark.parametrize("sql", [
    "UPDATE audit_auditentry SET note = 'tampered' WHERE id = %s",
    "DELETE FROM audit_auditentry WHERE id = %s",
])
def test_postgresql_trigger_refuses_update_and_delete(longling, sql):
    entry = record(actor=None, action="approve", org_unit=longling, note="original")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), \
            connection.cursor() as cursor:
        cursor.execute(sql, [entry.pk])
    assert AuditEntry.objects.get(pk=entry.pk).note == "original"


def test_request_id_and_batch_come_from_the_context(longling):
    with audit_context(request_id="req-12345678", batch=None):
        entry = record(actor=None, action="submit", org_unit=longling)
    assert entry.request_id == "req-12345678"
    assert record(actor=None, action="submit", org_unit=longling).request_id == ""


def test_record_many_is_one_statement_for_many_rows(longling):
    user = member(longling)
    rows = [{"object_id": i, "org_unit_id": longling.pk, "period": dt.date(2024, 3, 1),
             "before": None, "after": {"id": i, "trained": i, "note": f"x {ID_NUMBER}"}}
            for i in range(1, 3001)]
    with CaptureQueriesContext(connection) as queries:
        written = record_many(actor=user, action="import", model=Award, rows=rows)
    assert written == 3000
    inserts = [q for q in queries.captured_queries if "audit_auditentry" in q["sql"]]
    if connection.vendor == "postgresql":
        # One COPY through the raw cursor (which the query log does not show), nothing else.
        assert queries.captured_queries == []
    else:
        assert len(inserts) <= 3000 // 50
    stored = AuditEntry.objects.filter(action="import", model_label="competitions.award")
    assert stored.count() == 3000
    sample = stored.get(object_id="7")
    assert sample.after == {"id": 7, "trained": 7, "note": f"x {MASKED}"}
    assert sample.period == dt.date(2024, 3, 1) and sample.actor_id == user.pk


def test_snapshot_diff_and_mask():
    assert mask({"recipient_id_number": ID_NUMBER, "note": f"身份证{ID_NUMBER}。"}) == {
        "recipient_id_number": MASKED, "note": f"身份证{MASKED}。"}
    assert mask({"code": "1234567890123456789012"}) == {"code": "1234567890123456789012"}
    assert diff({"id": 1, "a": 1, "b": 2}, {"id": 1, "a": 1, "b": 3}) == (
        {"id": 1, "b": 2}, {"id": 1, "b": 3})
    assert diff({"id": 1, "a": 1}, {"id": 1, "a": 1}) == (None, None)


def test_snapshot_leaves_out_timestamps(longling):
    award = new_award(longling)
    award.full_clean()
    award.save()
    data = snapshot(award)
    assert "created_at" not in data and "updated_at" not in data
    assert data["org_unit"] == longling.pk and data["awarded_on"] == "2024-03-12"


# --- bulk write paths ---------------------------------------------------------------------------
def test_a_grid_save_is_audited_in_one_statement_per_save(client, longling):
    from training.forms import TRAINING_GRID
    from training.models import TrainingFigure

    clerk = member(longling)
    client.force_login(clerk)
    url = f"/entry/training/?unit={longling.pk}&month=2024-05"

    def name(block, group, ttype):
        return TRAINING_GRID.name(block, group, ttype)

    response = client.post(url, {name("trained", "企业职工", "就业技能培训"): "10",
                                 name("trained", "失业人员", "创业培训"): "5"},
                           HTTP_X_REQUEST_ID="grid-request-0001")
    assert response.status_code == 302
    assert response.headers["X-Request-ID"] == "grid-request-0001"
    figure = TrainingFigure.objects.get(org_unit=longling, target_group="企业职工")
    created = AuditEntry.objects.filter(model_label="training.trainingfigure", action="create")
    assert created.count() == 2
    entry = created.get(object_id=str(figure.pk))
    assert entry.request_id == "grid-request-0001" and entry.actor_id == clerk.pk
    assert entry.org_unit_id == longling.pk and entry.period == dt.date(2024, 5, 1)
    assert entry.after["trained"] == 10 and entry.after["target_group"] == "企业职工"

    with CaptureQueriesContext(connection) as queries:
        response = client.post(url, {name("trained", "企业职工", "就业技能培训"): "12"})
    assert response.status_code == 302
    audit_statements = [q for q in queries.captured_queries if "audit_auditentry" in q["sql"]]
    assert len(audit_statements) <= 1  # one INSERT on SQLite, one COPY (not logged) on PostgreSQL
    updated = AuditEntry.objects.get(model_label="training.trainingfigure", action="update")
    assert updated.before == {"target_group": "企业职工", "training_type": "就业技能培训",
                              "programme": None, "subsidised": False, "industry": "",
                              "trained": 10}
    assert updated.after["trained"] == 12 and "persons" not in updated.after
    deleted = AuditEntry.objects.get(model_label="training.trainingfigure", action="delete")
    assert deleted.before["trained"] == 5 and deleted.after is None
    assert deleted.object_id and deleted.object_repr == "失业人员 · 创业培训"
    assert entry.object_repr == updated.object_repr == "企业职工 · 就业技能培训"


def test_an_import_is_audited_row_by_row_with_its_batch(longling):
    from imports import services as imports
    from tests import xlsx_corpus as corpus
    from training.models import TrainingFigure

    clerk = member(longling, username="ll_importer")
    rows = [["龙陵县", "2024-05", "脱贫人口", "就业技能培训", "康养云师傅", "是", 40, 30, 35, 30],
            ["龙陵县", "2024-05", "企业职工", "岗位技能提升培训", "", "否", 60, 0, 50, 0]]
    batch = imports.upload(user=clerk, kind="training", basis="month", file_name="五月.xlsx",
                           data=corpus.training(*rows))
    assert not AuditEntry.objects.filter(batch=batch).exists()  # a preview writes nothing
    batch = imports.confirm(batch, user=clerk)
    entries = AuditEntry.objects.filter(batch=batch)
    figure = TrainingFigure.objects.get(org_unit=longling, target_group="脱贫人口")
    row = entries.get(model_label="training.trainingfigure", object_id=str(figure.pk))
    assert row.action == "create" and row.after["trained"] == 40
    assert row.after["programme"] == figure.programme_id and row.org_unit_id == longling.pk
    # Built by the database from the stored row: a JSON true (not SQLite's 1), and the text
    # names the dimensions that are set (the unit and month have their own columns).
    assert row.after["subsidised"] is True and row.after["industry"] == ""
    assert row.object_repr == "脱贫人口 · 就业技能培训 · 康养云师傅 · 补贴性培训"
    assert row.period == dt.date(2024, 5, 1) and row.actor_id == clerk.pk
    summary = entries.get(action="import", model_label="imports.importbatch")
    assert summary.object_id == str(batch.pk) and "新增 2" in summary.note
    assert summary.actor_name == "ll_importer" and summary.org_unit_id == longling.pk

    rows[0][6] = 45
    rows[1][6:] = [0, 0, 0, 0]
    second = imports.confirm(imports.upload(user=clerk, kind="training", basis="month",
                                            file_name="五月改.xlsx", data=corpus.training(*rows)),
                             user=clerk)
    changed = AuditEntry.objects.filter(batch=second, model_label="training.trainingfigure")
    assert {e.action for e in changed} == {"update", "delete"}
    update = changed.get(action="update")
    assert update.object_id == str(figure.pk)
    assert update.object_repr == row.object_repr  # the same text from Python for a change
    assert update.before == {"target_group": "脱贫人口", "training_type": "就业技能培训",
                             "programme": figure.programme_id, "subsidised": True,
                             "industry": "", "trained": 40}
    assert update.after["trained"] == 45


def test_an_import_s_change_texts_are_what_change_row_and_record_many_write():
    """The direct JSON of a changed figure (a 100,000-row correction's audit) equals the
    generic path's, value types and unchanged rows included."""
    import json
    from decimal import Decimal

    from audit.bulk import change_texts
    from audit.services import _json_text, change_row

    dims, values = ["target_group", "programme", "subsidised", "industry"], ["trained", "amount"]
    texts = change_texts(dims, values)
    cases = [
        (("企业职工", None, False, ""), {"trained": 10, "amount": Decimal("1.50")},
         {"trained": 12, "amount": Decimal("1.50")}),
        (("退役军人 \"甲\"", 7, True, "制造业"), {"trained": 3, "amount": None},
         {"trained": 3, "amount": Decimal("2")}),
        (("企业职工", None, False, ""), {"trained": 0}, {"trained": 5, "amount": Decimal("0.1")}),
    ]
    for key, before, after in cases:
        row = change_row(object_id=1, org_unit_id=1, period=None,
                         key=dict(zip(dims, key, strict=True)), before={f: before.get(f) for f in values},
                         after={f: after[f] for f in values})
        got = texts(key, before, after)
        assert got == (_json_text(row["before"]), _json_text(row["after"]))
        assert json.loads(got[0]) == json.loads(_json_text(row["before"]))
    assert texts(("企业职工", None, False, ""), {"trained": 1, "amount": None},
                 {"trained": 1, "amount": None}) is None


def test_record_of_an_update_keeps_only_what_changed(longling):
    entry = record(actor=None, action="update", org_unit=longling,
                   before={"id": 3, "status": "draft", "amount": "10", "id_number": ID_NUMBER},
                   after={"id": 3, "status": "paid", "amount": "10", "id_number": ID_NUMBER})
    assert entry.before == {"id": 3, "status": "draft"}
    assert entry.after == {"id": 3, "status": "paid"}
    approve = record(actor=None, action="approve", org_unit=longling,
                     before={"status": "submitted"}, after={"status": "approved", "late": False})
    assert approve.before == {"status": "submitted"}  # other actions are kept as given


def test_log_lines_carry_the_request_id(client, longling):
    import logging

    from audit.logging import RequestIdFilter

    record = logging.LogRecord("x", logging.INFO, __file__, 1, "message", None, None)
    with audit_context(request_id="log-req-000001"):
        RequestIdFilter().filter(record)
    assert record.request_id == "log-req-000001"
    RequestIdFilter().filter(record)
    assert record.request_id == "-"
    # A forged or oversized header is not taken: a fresh id is generated instead.
    client.force_login(member(longling))
    response = client.get("/audit/", HTTP_X_REQUEST_ID="bad id with spaces")
    assert response.headers["X-Request-ID"] != "bad id with spaces"
    assert len(response.headers["X-Request-ID"]) == 32
