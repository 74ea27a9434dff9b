"""The option sets competitions and awards use (#26): 竞赛级别, 奖项, 荣誉称号, 荣誉级别,
seeded with the values the code fixed until then (subsidy scheme rates are keyed by them too)."""

from .choices import CompetitionLevel, HonourLevel, HonourTitle, Medal

SEEDED = (
    ("competition_level", "竞赛级别", CompetitionLevel),
    ("medal", "奖项", Medal),
    ("honour_title", "荣誉称号", HonourTitle),
    ("honour_level", "荣誉级别", HonourLevel),
)


def seed_option_sets(option_set_model, option_model) -> int:
    from org.options import seed

    return seed(option_set_model, option_model, SEEDED)
