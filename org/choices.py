"""Vocabularies of the org tree: levels, kinds of unit, department sectors, roles. Labels of
levels and kinds are the Chinese terms the plans print; they are domain words, not UI chrome."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgLevel(models.IntegerChoices):
    NATION = 0, _("nation")
    PROVINCE = 1, _("province")
    CITY = 2, _("city")
    COUNTY = 3, _("county")
    TOWNSHIP = 4, _("township or park")


class OrgKind(models.TextChoices):
    NATION = "国家", "国家"
    PROVINCE = "省", "省"
    AUTONOMOUS_REGION = "自治区", "自治区"
    MUNICIPALITY = "直辖市", "直辖市"
    CITY = "市", "市"
    PREFECTURE = "州", "州"
    LEAGUE = "盟", "盟"
    DISTRICT = "区", "区"
    COUNTY = "县", "县"
    COUNTY_CITY = "县级市", "县级市"
    BANNER = "旗", "旗"
    FUNCTIONAL_AREA = "功能区", "功能区（经开区、高新区、产业集聚区等）"
    TOWNSHIP = "乡镇", "乡镇"
    SUBDISTRICT = "街道", "街道"
    PARK = "园区", "园区"


class Sector(models.TextChoices):
    """The function a department serves, so that a city department's quota can be compared
    with its counterparts below it (温州 annex 2)."""

    HRSS = "hrss", "人力资源社会保障"
    EMERGENCY = "emergency", "应急管理"
    AGRICULTURE = "agriculture", "农业农村"
    EDUCATION = "education", "教育（教育体育）"
    CIVIL_AFFAIRS = "civil_affairs", "民政"
    WOMEN = "women", "妇联"
    DISABLED = "disabled", "残联"
    VETERANS = "veterans", "退役军人事务"
    HOUSING = "housing", "住房和城乡建设"
    INDUSTRY = "industry", "经济和信息化（工业和信息化、工信商务科技）"
    HEALTH = "health", "卫生健康"
    SASAC = "sasac", "国有资产监督管理"
    MARKET = "market", "市场监督管理"
    FORESTRY = "forestry", "林业和草原"
    CULTURE_TOURISM = "culture_tourism", "文化和旅游"
    DEVELOPMENT = "development", "发展和改革"
    FINANCE = "finance", "财政（财政金融）"
    COMMERCE = "commerce", "商务"
    RURAL_REVITALIZATION = "rural_revitalization", "乡村振兴"
    TRADE_UNION = "trade_union", "总工会"
    YOUTH_LEAGUE = "youth_league", "共青团"
    ORGANIZATION = "organization", "党委组织（组织人事）"
    TALENT_OFFICE = "talent_office", "党委人才工作"
    VOCATIONAL_SCHOOLS = "vocational_schools", "职业院校、技工院校"
    BIG_DATA = "big_data", "大数据"
    SCIENCE = "science", "科技"
    TAXATION = "taxation", "税务"
    SUPPLY_COOP = "supply_coop", "供销合作"
    COMMERCE_FEDERATION = "commerce_federation", "工商联"
    GOVERNMENT_OFFICE = "government_office", "政府办公室（综合办公室、外事办）"
    INVESTMENT = "investment", "投资促进"
    PARK_ADMIN = "park_admin", "园区、功能区管理机构"
    LAW = "law", "政法"
    BUSINESS_ENVIRONMENT = "business_environment", "营商环境"
    DISCIPLINE = "discipline", "纪检巡察"
    OTHER = "other", "其他"


class Role(models.TextChoices):
    DATA_ENTRY = "data_entry", _("data entry")
    REVIEWER = "reviewer", _("reviewer")
    VIEWER = "viewer", _("viewer")
    ADMIN = "admin", _("administrator")
