"""Enumerations of personal and cadre records, with the labels used in forms and workbooks."""

from __future__ import annotations

from django.db import models


class Gender(models.TextChoices):
    MALE = "M", "男"
    FEMALE = "F", "女"


ETHNIC_GROUPS = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]
Ethnicity = models.TextChoices("Ethnicity", [(name, name) for name in ETHNIC_GROUPS] + [("其他", "其他")])


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc", "中共党员"
    CPC_PROBATIONARY = "cpc_prob", "中共预备党员"
    CYL_MEMBER = "cyl", "共青团员"
    DEMOCRATIC_PARTY = "democratic", "民主党派成员"
    NON_PARTISAN = "non_partisan", "无党派人士"
    MASSES = "masses", "群众"


class Education(models.TextChoices):
    DOCTORATE = "doctorate", "研究生（博士）"
    MASTER = "master", "研究生（硕士）"
    BACHELOR = "bachelor", "大学本科"
    COLLEGE = "college", "大学专科"
    SECONDARY = "secondary", "中专"
    HIGH_SCHOOL = "high_school", "高中及以下"


class Rank(models.TextChoices):
    """职级/层级, highest first."""

    PROVINCIAL = "provincial", "省部级"
    BUREAU = "bureau", "厅局级"
    COUNTY = "county", "县处级"
    SECTION = "section", "乡科级"
    GENERAL = "general", "一般干部"


RANK_ORDER = {rank: index for index, rank in enumerate(Rank.values)}


class CareerEventKind(models.TextChoices):
    APPOINTMENT = "appointment", "任职"
    PROMOTION = "promotion", "晋升"
    TRANSFER = "transfer", "调任/交流"
    REMOVAL = "removal", "免职"
    RETIREMENT = "retirement", "退休"
    OTHER = "other", "其他"


class TeacherTitle(models.TextChoices):
    PROFESSOR = "professor", "教授"
    ASSOCIATE_PROFESSOR = "assoc_professor", "副教授"
    LECTURER = "lecturer", "讲师"
    ASSISTANT = "assistant", "助教"
    RESEARCHER = "researcher", "研究员"
    ASSOCIATE_RESEARCHER = "assoc_researcher", "副研究员"
    SENIOR_ENGINEER = "senior_engineer", "高级工程师"
    OFFICIAL = "official", "领导干部"
    OTHER = "other", "其他"


def label_to_value(choices: type[models.TextChoices]) -> dict[str, str]:
    """Both the label and the value map to the value, for parsing hand-filled input."""
    mapping = {label: value for value, label in choices.choices}
    mapping.update({value: value for value in choices.values})
    return mapping
