"""The option sets the training figures use (#26), seeded with the values the code fixed until
then so nothing stored changes meaning. The TextChoices stay as the seed and as names for the
values code refers to (`CarrierType.PILOT_ENTERPRISE`); what is offered and accepted is the
option sets' current content (org.options)."""

from skills_portal.choices import Industry

from .choices import CarrierLevel, CarrierType, TargetGroup, TrainingType

SEEDED = (
    ("training_type", "培训类型", TrainingType),
    ("target_group", "培训对象", TargetGroup),
    ("industry", "行业", Industry),
    ("carrier_type", "载体类型", CarrierType),
    ("carrier_level", "载体级别", CarrierLevel),
)


def seed_option_sets(option_set_model, option_model) -> int:
    from org.options import seed

    return seed(option_set_model, option_model, SEEDED)
