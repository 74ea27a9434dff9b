"""A report's changes name manual figures by the indicator's name, not by its code (issue
#24); the stored snapshot keeps the code in the key, so old and new snapshots still compare."""

from reporting.snapshot import MANUAL, diff


def test_a_manual_figure_is_named_without_its_code():
    rows = diff({MANUAL: {"技能人才总量（skill_talent_total）": "5"}},
                {MANUAL: {"技能人才总量（skill_talent_total）": "7"}})
    assert [(r["measure"], r["cell"], r["change"]) for r in rows] == [
        ("手工填报指标", "技能人才总量", 2)]


def test_a_name_with_brackets_of_its_own_keeps_them():
    rows = diff({}, {MANUAL: {"就业人员数（从业人员数）（employed_persons）": "9"}})
    assert rows[0]["cell"] == "就业人员数（从业人员数）"
