"""Vocabularies shared by several domain apps."""

from django.db import models


class Industry(models.TextChoices):
    """国民经济行业门类 (GB/T 4754-2017 sections A–T)."""

    AGRICULTURE = "农、林、牧、渔业", "农、林、牧、渔业"
    MINING = "采矿业", "采矿业"
    MANUFACTURING = "制造业", "制造业"
    UTILITIES = "电力、热力、燃气及水生产和供应业", "电力、热力、燃气及水生产和供应业"
    CONSTRUCTION = "建筑业", "建筑业"
    TRADE = "批发和零售业", "批发和零售业"
    TRANSPORT = "交通运输、仓储和邮政业", "交通运输、仓储和邮政业"
    HOSPITALITY = "住宿和餐饮业", "住宿和餐饮业"
    IT = "信息传输、软件和信息技术服务业", "信息传输、软件和信息技术服务业"
    FINANCE = "金融业", "金融业"
    REAL_ESTATE = "房地产业", "房地产业"
    LEASING = "租赁和商务服务业", "租赁和商务服务业"
    RESEARCH = "科学研究和技术服务业", "科学研究和技术服务业"
    ENVIRONMENT = "水利、环境和公共设施管理业", "水利、环境和公共设施管理业"
    RESIDENT_SERVICES = "居民服务、修理和其他服务业", "居民服务、修理和其他服务业"
    EDUCATION = "教育", "教育"
    HEALTH = "卫生和社会工作", "卫生和社会工作"
    CULTURE = "文化、体育和娱乐业", "文化、体育和娱乐业"
    PUBLIC_ADMIN = "公共管理、社会保障和社会组织", "公共管理、社会保障和社会组织"
    INTERNATIONAL = "国际组织", "国际组织"
