import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from org.closure import OrgUnitClosure
from org.models import OrgUnit
from tests.factories import OrgUnitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """province ─ city A ─ county A1 ─ township A1x
                        └ county A2
              └ city B ─ county B1"""
    province = OrgUnitFactory(name="测试省")
    a = OrgUnitFactory.child_of(province, name="甲市")
    b = OrgUnitFactory.child_of(province, name="乙市")
    a1 = OrgUnitFactory.child_of(a, name="甲一县")
    a2 = OrgUnitFactory.child_of(a, name="甲二县")
    b1 = OrgUnitFactory.child_of(b, name="乙一县")
    a1x = OrgUnitFactory.child_of(a1, name="甲一镇")
    return {"p": province, "a": a, "b": b, "a1": a1, "a2": a2, "b1": b1, "a1x": a1x}


def names(qs):
    return sorted(qs.values_list("name", flat=True))


def test_subtree_and_ancestors(tree):
    assert names(OrgUnit.objects.subtree_of(tree["a"])) == ["甲一县", "甲一镇", "甲二县", "甲市"]
    assert names(OrgUnit.objects.subtree_of(tree["a"], include_self=False)) == [
        "甲一县", "甲一镇", "甲二县"]
    assert names(OrgUnit.objects.subtree_of([tree["a1"], tree["b"]])) == [
        "乙一县", "乙市", "甲一县", "甲一镇"]
    assert [u.name for u in tree["a1x"].ancestors()] == ["测试省", "甲市", "甲一县"]
    assert tree["a1x"].path_names() == ["测试省", "甲市", "甲一县", "甲一镇"]
    depth = OrgUnitClosure.objects.get(ancestor=tree["p"], descendant=tree["a1x"]).depth
    assert depth == 3


def test_subtree_query_is_one_statement(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert len(list(OrgUnit.objects.subtree_of(tree["p"]))) == 7


def test_moving_a_subtree_keeps_the_closure_exact(tree):
    a1 = tree["a1"]
    a1.parent = tree["b"]
    a1.full_clean()
    a1.save()
    assert names(OrgUnit.objects.subtree_of(tree["b"])) == ["乙一县", "乙市", "甲一县", "甲一镇"]
    assert names(OrgUnit.objects.subtree_of(tree["a"])) == ["甲二县", "甲市"]
    assert [u.name for u in tree["a1x"].ancestors()] == ["测试省", "乙市", "甲一县"]
    assert OrgUnitClosure.discrepancies() == 0


def test_rebuild_reproduces_the_maintained_table(tree):
    before = set(OrgUnitClosure.objects.values_list("ancestor_id", "descendant_id", "depth"))
    OrgUnitClosure.objects.filter(ancestor=tree["p"]).delete()
    assert OrgUnitClosure.discrepancies() > 0
    OrgUnitClosure.rebuild()
    assert set(OrgUnitClosure.objects.values_list("ancestor_id", "descendant_id", "depth")) == before
    assert OrgUnitClosure.discrepancies() == 0


def test_a_unit_cannot_move_under_its_own_subtree(tree):
    a = tree["a"]
    a.parent = tree["a1x"]
    a.level = 4
    with pytest.raises(ValidationError) as exc:
        a.full_clean()
    assert "parent" in exc.value.message_dict


def test_level_must_be_below_parent(tree):
    bad = OrgUnit(parent=tree["a1"], name="错层单位", level=2, kind="市")
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert "level" in exc.value.message_dict


def test_names_unique_within_a_parent_only(tree):
    OrgUnitFactory.child_of(tree["b"], name="甲二县")  # same name, other parent: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        OrgUnitFactory.child_of(tree["a"], name="甲二县")


def test_division_code_has_six_digits(tree):
    bad = OrgUnit(parent=tree["a"], name="代码错误县", level=3, kind="县", code="12345")
    with pytest.raises(ValidationError) as exc:
        bad.full_clean()
    assert "code" in exc.value.message_dict


def test_seed_tree_closure_is_consistent():
    assert OrgUnitClosure.discrepancies() == 0
    wenzhou = OrgUnit.objects.get(code="330300")
    assert OrgUnit.objects.subtree_of(wenzhou, include_self=False).count() == 14
