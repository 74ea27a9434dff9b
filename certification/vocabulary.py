"""The option sets the certificate figures use (#26): 证书类型 and 技能等级, seeded with the
values the code fixed until then. Whether a kind of certificate carries a skill level is the
set's mark (an administrator sets it for a kind they add); every other kind takes 无等级."""

from .choices import LEVELLED_TYPES, CertificateType, SkillLevel

SEEDED = (
    ("certificate_type", "证书类型", CertificateType, "带技能等级", LEVELLED_TYPES),
    ("skill_level", "技能等级", SkillLevel),
)


def seed_option_sets(option_set_model, option_model) -> int:
    from org.options import seed

    return seed(option_set_model, option_model, SEEDED)
