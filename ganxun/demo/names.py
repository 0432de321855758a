"""Invented personal details: names, phones, ID numbers, organisation codes.

Everything draws from the random.Random handed in, never from the global one,
so a seed gives the same people on every run. Names are common surnames with
given names built from everyday characters; the few combinations that name
national leaders are skipped.
"""

from __future__ import annotations

import datetime as dt
import random

from ganxun.core.idcard import make_id_number

# The commonest surnames with rough relative frequencies (per mille of the population).
_SURNAMES = [
    ("王", 72), ("李", 72), ("张", 68), ("刘", 54), ("陈", 46), ("杨", 32), ("黄", 23), ("赵", 22),
    ("吴", 21), ("周", 20), ("徐", 17), ("孙", 15), ("马", 14), ("朱", 13), ("胡", 13), ("郭", 12),
    ("何", 12), ("林", 11), ("高", 11), ("罗", 10), ("郑", 10), ("梁", 9), ("谢", 8), ("宋", 7),
    ("唐", 7), ("许", 7), ("韩", 7), ("冯", 7), ("邓", 7), ("曹", 6), ("彭", 6), ("曾", 6), ("肖", 6),
    ("田", 5), ("董", 5), ("潘", 5), ("袁", 5), ("蔡", 5), ("蒋", 5), ("余", 5), ("于", 5), ("杜", 4),
    ("叶", 4), ("程", 4), ("魏", 4), ("苏", 4), ("吕", 4), ("丁", 4), ("任", 4), ("卢", 4), ("姚", 4),
    ("沈", 4), ("钟", 3), ("姜", 3), ("崔", 3), ("谭", 3), ("陆", 3), ("范", 3), ("汪", 3), ("廖", 3),
    ("石", 3), ("金", 3), ("韦", 3), ("贾", 3), ("夏", 3), ("付", 3), ("方", 3), ("邹", 2), ("熊", 2),
    ("白", 2), ("孟", 2), ("秦", 2), ("邱", 2), ("侯", 2), ("江", 2), ("尹", 2), ("薛", 2), ("闫", 2),
    ("段", 2), ("雷", 2), ("龙", 2), ("黎", 2), ("史", 2), ("陶", 2), ("贺", 2), ("毛", 2), ("郝", 2),
    ("顾", 2), ("龚", 2), ("邵", 2), ("万", 2), ("覃", 1), ("武", 2), ("钱", 2), ("戴", 2), ("严", 2),
    ("欧阳", 1), ("诸葛", 1), ("上官", 1),
]
_SURNAME_VALUES = [s for s, _ in _SURNAMES]
_SURNAME_WEIGHTS = [w for _, w in _SURNAMES]

_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁健浩宇俊峰建国志文林海东亮龙凯晨阳翔博昊钧毅诚锋立新荣"
_FEMALE = "芳娜敏静丽艳娟霞燕玲婷雪琳慧颖洁倩萍红梅莉丹晶蕾欣怡佳雯瑶璐薇岚琪悦彤菲琴"
_EITHER = "晓春秋思雨家子嘉一若志永小文明安心天乐云金宏"

# Two-character combinations that would read as a national leader's name.
_AVOID = frozenset({
    "李强", "李希", "蔡奇", "韩正", "汪洋", "王岐山", "李克强", "习近平", "赵乐际", "王沪宁", "丁薛祥",
    "栗战书", "胡锦涛", "温家宝", "江泽民", "朱镕基", "毛泽东", "周恩来", "邓小平", "刘少奇", "朱德",
})


def person_name(rng: random.Random, gender: str) -> str:
    while True:
        surname = rng.choices(_SURNAME_VALUES, _SURNAME_WEIGHTS)[0]
        pool = (_MALE if gender == "M" else _FEMALE) + _EITHER
        given = rng.choice(pool)
        if rng.random() < 0.72:
            given = rng.choice(_EITHER + pool) + given if rng.random() < 0.4 else given + rng.choice(pool)
        name = surname + given
        if name not in _AVOID and len(set(given)) == len(given):
            return name


# Mobile number blocks in use (GB: 1 + carrier block).
_PHONE_BLOCKS = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "180", "181", "182", "183",
    "184", "185", "186", "187", "188", "189", "191", "195", "198", "199",
]


class Registry:
    """What has been handed out in one generation run: ID numbers, phones and codes are unique."""

    def __init__(self) -> None:
        self.id_numbers: set[str] = set()
        self.phones: set[str] = set()
        self.codes: set[str] = set()

    def phone(self, rng: random.Random) -> str:
        while True:
            number = rng.choice(_PHONE_BLOCKS) + f"{rng.randrange(100_000_000):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def id_number(self, rng: random.Random, region_code: str, birth: dt.date, gender: str) -> str:
        while True:
            number = make_id_number(region_code, birth, rng.randrange(500), gender)
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                return number

    def credit_code(self, rng: random.Random, prefix: str, region_code: str) -> str:
        """A unified social credit code (GB 32100-2015) with valid check characters.

        prefix: "11" organ of the state/party, "12" public institution, "13" mass
        organisation, "91" enterprise.
        """
        while True:
            body = "".join(rng.choice("0123456789") for _ in range(8))
            code = prefix + region_code + body + _org_code_check(body)
            code += _credit_check(code)
            if code not in self.codes:
                self.codes.add(code)
                return code


def _org_code_check(body: str) -> str:
    """Check character of a GB 11714 organisation code."""
    total = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2)))
    value = 11 - total % 11
    return {10: "X", 11: "0"}.get(value, str(value))


_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def _credit_check(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def credit_code_valid(code: str) -> bool:
    """For tests: both check characters of a unified social credit code are right."""
    return (len(code) == 18 and _org_code_check(code[8:16]) == code[16]
            and _credit_check(code[:17]) == code[17])


def birth_for_age(rng: random.Random, age: int, today: dt.date) -> dt.date:
    """A birth date making the person exactly `age` on `today`."""
    latest = _years_before(today, age)  # turned `age` today at the latest
    return latest - dt.timedelta(days=rng.randrange(365))


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def add_years(day: dt.date, years: float) -> dt.date:
    return day + dt.timedelta(days=round(years * 365.25))


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
