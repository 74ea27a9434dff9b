"""Audit entries written before a model moved app (targets.orgunit → org.orgunit) still read
as that model and still belong to the record's history: the trail is append-only, so the old
labels are mapped when read, never rewritten."""

import pytest
from django.utils import timezone

from audit import selectors
from audit.models import AuditEntry
from org.models import OrgUnit
from tests.conftest import unit


@pytest.mark.django_db
def test_entries_under_a_moved_models_old_label_join_its_history(admin_user, client):
    county = unit("全国/云南省/保山市/龙陵县")
    old = AuditEntry.objects.create(created_at=timezone.now(), actor_name="admin", action="update",
                                    model_label="targets.orgunit", object_id=str(county.pk),
                                    object_repr=county.name, before={"name": "旧名"},
                                    after={"name": county.name})
    assert old.record_model._meta.label_lower == "org.orgunit"
    assert old.model_name == str(OrgUnit._meta.verbose_name)
    history = list(selectors.record_history(admin_user, "org.orgunit", county.pk))
    assert old in history
    client.force_login(admin_user)
    page = client.get(f"/audit/record/org.orgunit/{county.pk}/")
    assert page.status_code == 200 and "旧名" in page.content.decode()
    listed = client.get("/audit/?model=org.orgunit").content.decode()
    assert county.name in listed
