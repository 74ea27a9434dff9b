from django.db import models


class TrainingType(models.TextChoices):
    EMPLOYMENT = "就业技能培训", "就业技能培训"
    UPGRADING = "岗位技能提升培训", "岗位技能提升培训"
    ENTREPRENEURSHIP = "创业培训", "创业培训"
    APPRENTICESHIP = "企业新型学徒制", "企业新型学徒制"
    PROJECT = "项目制培训", "项目制培训"


class TargetGroup(models.TextChoices):
    ENTERPRISE_WORKERS = "企业职工", "企业职工"
    RURAL_MIGRANTS = "农村转移劳动者", "农村转移劳动者（农民工）"
    POVERTY_ALLEVIATED = "脱贫人口", "脱贫人口（含监测对象）"
    GRADUATES = "高校毕业生", "高校毕业生"
    VETERANS = "退役军人", "退役军人"
    DISABLED = "残疾人", "残疾人"
    UNEMPLOYED = "失业人员", "失业人员"
    RELOCATED = "易地搬迁劳动力", "易地搬迁劳动力"
    RURAL_WOMEN = "农村妇女", "农村妇女"
    OTHER = "其他", "其他"


class CarrierType(models.TextChoices):
    PUBLIC_BASE = "公共实训基地", "公共实训基地"
    HIGH_SKILL_BASE = "高技能人才培训基地", "高技能人才培训基地"
    MASTER_STUDIO = "技能大师工作室", "技能大师工作室"
    INDUSTRY_COLLEGE = "产业学院", "产业学院"
    PILOT_ENTERPRISE = "试点企业", "职业技能等级认定试点企业"
    SCHOOL_ENTERPRISE_BASE = "校企合作培训基地", "企校合作产业人才培养培训基地"


class CarrierLevel(models.TextChoices):
    NATIONAL = "国家级", "国家级"
    PROVINCIAL = "省级", "省级"
    MUNICIPAL = "市级", "市级"
    COUNTY = "县级", "县级"
