from django.db import models


class CertificateType(models.TextChoices):
    QUALIFICATION = "职业资格证书", "职业资格证书"
    SKILL_LEVEL = "职业技能等级证书", "职业技能等级证书"
    SPECIAL_ABILITY = "专项职业能力证书", "专项职业能力证书"
    SPECIAL_OPERATION = "特种作业操作证书", "特种作业操作证书"
    SPECIAL_EQUIPMENT = "特种设备作业人员证书", "特种设备作业人员证书"


class SkillLevel(models.TextChoices):
    """The 新八级工 ladder. 高技能人才 are 三级/高级工 and above."""

    LEVEL_5 = "五级/初级工", "五级/初级工"
    LEVEL_4 = "四级/中级工", "四级/中级工"
    LEVEL_3 = "三级/高级工", "三级/高级工"
    LEVEL_2 = "二级/技师", "二级/技师"
    LEVEL_1 = "一级/高级技师", "一级/高级技师"
    PRINCIPAL = "特级技师", "特级技师"
    CHIEF = "首席技师", "首席技师"
    NONE = "无等级", "无等级（专项能力、特种作业等）"


# The certificate kinds seeded as carrying a skill level (the certificate_type set's mark,
# which an administrator sets for kinds they add: certification.models.level_fits).
LEVELLED_TYPES = (CertificateType.QUALIFICATION, CertificateType.SKILL_LEVEL)
