"""The import kinds users can choose, each a domain app's layout (declared in its
resources.py)."""

from __future__ import annotations

from functools import cache

from certification.resources import CERTIFICATE_IMPORT
from targets.resources import DATA_VALUE_IMPORT
from training.resources import TRAINING_IMPORT

QUOTA = "quota"  # a decomposition table (imports/quotas.py), not a figure layout
TARGETS = "targets"  # a plan's targets, one per row (imports/plan_targets.py)
GROUPS = "unit_groups"  # org-unit group memberships, one per row (imports/unit_groups.py)


@cache
def layouts() -> dict:
    return {layout.kind: layout
            for layout in (TRAINING_IMPORT, CERTIFICATE_IMPORT, DATA_VALUE_IMPORT)}


def layout(kind: str):
    return layouts().get(kind)


def titles() -> list[tuple[str, str]]:
    return [(k, layout.title) for k, layout in layouts().items()] + [
        (QUOTA, "指标分解表"), (TARGETS, "方案目标（每行一个目标）"),
        (GROUPS, "单位分组成员（每行一个单位）")]
