from django.db import models


class CompetitionLevel(models.TextChoices):
    WORLD = "世界技能大赛", "世界技能大赛"
    NATIONAL = "全国职业技能大赛", "全国职业技能大赛"
    NATIONAL_CLASS_1 = "其他全国一类", "其他全国一类职业技能竞赛"
    NATIONAL_CLASS_2 = "全国二类", "全国二类职业技能竞赛"
    PROVINCIAL_COMPREHENSIVE = "全省综合性", "全省综合性职业技能大赛"
    PROVINCIAL_CLASS_1 = "省级一类", "其他省级一类职业技能竞赛"
    PROVINCIAL_CLASS_2 = "省级二类", "省级二类职业技能竞赛"
    MUNICIPAL = "市级", "市级"
    COUNTY = "县级", "县级"
    ENTERPRISE = "企业岗位练兵", "企业岗位练兵技能比武"


class HonourTitle(models.TextChoices):
    TECHNICAL_EXPERT = "技术能手", "技术能手"
    SKILL_MASTER = "技能大师", "技能大师"
    TECHNICAL_CHAMPION = "技术状元", "技术状元"
    GRAND_AWARD = "技能大奖", "技能大奖（中华技能大奖等）"
    GREAT_CRAFTSMAN = "大国工匠", "大国工匠"
    CHIEF_TECHNICIAN = "首席技师", "首席技师"
    OTHER = "其他", "其他"


class HonourLevel(models.TextChoices):
    NATIONAL = "国家级", "国家级"
    PROVINCIAL = "省级", "省级"
    MUNICIPAL = "市级", "市级"
    COUNTY = "县级", "县级"


class Medal(models.TextChoices):
    GOLD = "金牌", "金牌"
    SILVER = "银牌", "银牌"
    BRONZE = "铜牌", "铜牌"
    EXCELLENCE = "优胜奖", "优胜奖"
    FIRST_PRIZE = "一等奖", "一等奖"
    SECOND_PRIZE = "二等奖", "二等奖"
    THIRD_PRIZE = "三等奖", "三等奖"
    NONE = "无", "无（荣誉称号）"


class RecipientKind(models.TextChoices):
    INDIVIDUAL = "individual", "个人"
    TEAM = "team", "团队"
    COACH_TEAM = "coach_team", "教练（技术）团队"


# Recipients that are groups: they carry no ID number of their own.
TEAM_KINDS = (RecipientKind.TEAM, RecipientKind.COACH_TEAM)
