"""Field-by-field cleaning of person and cadre input, shared by forms, the API and Excel import.

Each function takes raw values (strings as typed, or spreadsheet cells) and
returns cleaned values plus a list of FieldError — all problems of a record at
once, never just the first, so an import report can list them all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from ganxun.core.dates import InvalidDate, parse_loose_date
from ganxun.core.idcard import InvalidIdNumber, parse_id_number
from ganxun.core.text import clean, clean_name, clean_phone, is_valid_phone
from ganxun.org.models import Category
from ganxun.people.choices import (
    Education,
    Ethnicity,
    Gender,
    PoliticalStatus,
    Rank,
    label_to_value,
)


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str
    value: str = ""


FIELD_LABELS = {
    "name": "姓名", "id_number": "身份证号", "gender": "性别", "birth_date": "出生日期",
    "ethnicity": "民族", "political_status": "政治面貌", "education": "学历", "phone": "手机号",
    "unit": "单位", "position_title": "职务", "rank": "职级", "is_leader": "是否领导职务",
    "category": "干部类别", "position_since": "任现职时间", "rank_since": "任现职级时间",
}

_GENDER = {**label_to_value(Gender), "男性": "M", "女性": "F", "m": "M", "f": "F"}
_ETHNICITY = {**label_to_value(Ethnicity), **{name[:-1]: name for name in Ethnicity.values if name.endswith("族") and len(name) > 2}}
_POLITICAL = {
    **label_to_value(PoliticalStatus),
    "党员": "cpc", "共产党员": "cpc", "中国共产党党员": "cpc", "预备党员": "cpc_prob",
    "团员": "cyl", "共青团员": "cyl", "民主党派": "democratic", "无党派": "non_partisan",
}
_EDUCATION = {
    **label_to_value(Education),
    "博士": "doctorate", "博士研究生": "doctorate", "研究生（博士）": "doctorate",
    "硕士": "master", "硕士研究生": "master", "研究生": "master", "研究生（硕士）": "master",
    "本科": "bachelor", "大学": "bachelor", "大专": "college", "专科": "college",
    "中专": "secondary", "中技": "secondary", "高中": "high_school", "初中": "high_school", "高中及以下": "high_school",
}
_RANK = {
    **label_to_value(Rank),
    "省部级正职": "provincial", "省部级副职": "provincial", "正部级": "provincial", "副部级": "provincial",
    "正厅级": "bureau", "副厅级": "bureau", "厅级": "bureau", "正局级": "bureau", "副局级": "bureau",
    "正处级": "county", "副处级": "county", "处级": "county", "县级": "county",
    "正科级": "section", "副科级": "section", "科级": "section", "乡科": "section",
    "科员": "general", "办事员": "general", "一般": "general",
}
_CATEGORY = {
    **label_to_value(Category), "党政": "party_gov", "机关": "party_gov", "国企": "enterprise",
    "国有企业": "enterprise", "事业": "public_inst", "学校": "university", "乡镇": "grassroots", "村社区": "grassroots",
}
_YES = {"是", "y", "yes", "true", "1", "领导", "领导职务"}
_NO = {"否", "n", "no", "false", "0", "", "非领导", "职级"}


def _cleaned_keys(mapping: dict[str, str]) -> dict[str, str]:
    """Keys as clean() leaves input (full-width brackets of 研究生（硕士） become ASCII)."""
    return {clean(key): value for key, value in mapping.items()} | mapping


_GENDER, _ETHNICITY, _POLITICAL, _EDUCATION, _RANK, _CATEGORY = map(
    _cleaned_keys, (_GENDER, _ETHNICITY, _POLITICAL, _EDUCATION, _RANK, _CATEGORY))


def _enum(value: object, mapping: dict[str, str]) -> str | None:
    text = clean(value)
    if text in mapping:
        return mapping[text]
    return mapping.get(text.replace(" ", ""))


def _options(choices) -> str:
    return "、".join(label for _, label in choices.choices)


def clean_person(data: Mapping[str, object]) -> tuple[dict, list[FieldError]]:
    """Clean the fields every person has; gender and birth date must agree with the ID number."""
    errors: list[FieldError] = []
    out: dict = {}

    name = clean_name(data.get("name"))
    if not name:
        errors.append(FieldError("name", "必填"))
    elif len(name) > 50:
        errors.append(FieldError("name", "不能超过 50 个字", name))
    out["name"] = name

    parsed_id = None
    try:
        parsed_id = parse_id_number(data.get("id_number"))
        out["id_number"] = parsed_id.number
    except InvalidIdNumber as exc:
        errors.append(FieldError("id_number", str(exc), clean(data.get("id_number"))))

    raw_gender = clean(data.get("gender"))
    gender = _GENDER.get(raw_gender) if raw_gender else None
    if raw_gender and gender is None:
        errors.append(FieldError("gender", "应为“男”或“女”", raw_gender))
    if parsed_id:
        if gender and gender != parsed_id.gender:
            errors.append(FieldError("gender", "与身份证号不一致", raw_gender))
        out["gender"] = parsed_id.gender
    elif gender:
        out["gender"] = gender

    try:
        birth = parse_loose_date(data.get("birth_date"))
    except InvalidDate as exc:
        birth = None
        errors.append(FieldError("birth_date", str(exc), clean(data.get("birth_date"))))
    if parsed_id:
        if birth is not None and not birth.agrees_with(parsed_id.birth_date):
            errors.append(FieldError("birth_date", "与身份证号中的出生日期不一致", clean(data.get("birth_date"))))
        out["birth_date"] = parsed_id.birth_date
    elif birth is not None:
        out["birth_date"] = birth.date

    for field, mapping, choices, default in (
        ("ethnicity", _ETHNICITY, Ethnicity, "汉族"),
        ("political_status", _POLITICAL, PoliticalStatus, None),
        ("education", _EDUCATION, Education, None),
    ):
        raw = clean(data.get(field))
        if not raw:
            if default is None:
                errors.append(FieldError(field, "必填"))
            else:
                out[field] = default
            continue
        value = _enum(raw, mapping)
        if value is None:
            errors.append(FieldError(field, f"不是有效的取值，可选：{_options(choices)}", raw))
        else:
            out[field] = value

    phone = clean_phone(data.get("phone"))
    if phone and not is_valid_phone(phone):
        errors.append(FieldError("phone", "不是有效的手机号或固定电话", phone))
    out["phone"] = phone if phone and is_valid_phone(phone) else ""
    return out, errors


def _bool(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    text = clean(value).lower()
    if text in _YES:
        return True
    if text in _NO:
        return False
    return None


def _optional_date(field: str, value: object, errors: list[FieldError]) -> dt.date | None:
    try:
        parsed = parse_loose_date(value)
    except InvalidDate as exc:
        errors.append(FieldError(field, str(exc), clean(value)))
        return None
    if parsed is not None and parsed.date > dt.date.today():
        errors.append(FieldError(field, "不能晚于今天", clean(value)))
        return None
    return parsed.date if parsed else None


def clean_cadre(data: Mapping[str, object]) -> tuple[dict, list[FieldError]]:
    """Clean the cadre's post (the unit is resolved by the caller, who knows the scope)."""
    errors: list[FieldError] = []
    out: dict = {"position_title": clean(data.get("position_title"))[:100]}
    raw_rank = clean(data.get("rank"))
    rank = _enum(raw_rank, _RANK) if raw_rank else None
    if not raw_rank:
        errors.append(FieldError("rank", "必填"))
    elif rank is None:
        errors.append(FieldError("rank", f"不是有效的职级，可选：{_options(Rank)}", raw_rank))
    out["rank"] = rank
    is_leader = _bool(data.get("is_leader"))
    if is_leader is None:
        errors.append(FieldError("is_leader", "应为“是”或“否”", clean(data.get("is_leader"))))
    out["is_leader"] = bool(is_leader)
    raw_category = clean(data.get("category"))
    category = _enum(raw_category, _CATEGORY) if raw_category else None
    if not raw_category:
        errors.append(FieldError("category", "必填"))
    elif category is None:
        errors.append(FieldError("category", f"不是有效的干部类别，可选：{_options(Category)}", raw_category))
    out["category"] = category
    out["position_since"] = _optional_date("position_since", data.get("position_since"), errors)
    out["rank_since"] = _optional_date("rank_since", data.get("rank_since"), errors)
    return out, errors
