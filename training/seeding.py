"""The `programmes:` section of a seed plan file (named training programmes of the plan, such as
Guizhou's 技能贵州 brands): registered with targets.seeding in TrainingConfig.ready()."""

from __future__ import annotations

from pathlib import Path

from targets.models import Plan
from targets.seeding import SeedLoader, upsert

from .models import Programme


def load_programmes(loader: SeedLoader, plan: Plan, entries: list, path: Path) -> None:
    for entry in entries:
        where = f"{path.name} programme {entry.get('name')}"
        loader._guard(where, upsert, Programme, loader.report,
                      {"plan": plan, "name": entry["name"]},
                      {"description": entry.get("description", "")})


def load_option_sets(loader: SeedLoader) -> None:
    """The training lists' option sets, where a flushed database lacks them (#26)."""
    from org import options

    from .vocabulary import SEEDED

    options.load_seeded(SEEDED)
