"""The columns of the cadre and unit workbooks, and how a messy header row is matched to them.

Templates, exports and imports share these definitions, so an exported file
can be edited and imported again. Headers are matched after cleaning
(full-width → half-width, blanks removed, a leading "*" and a trailing
"（说明）" dropped) and through common aliases; column order is free, unknown
columns (序号, 备注…) are ignored.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ganxun.core.text import clean
from ganxun.org.models import Category
from ganxun.people.choices import Education, Ethnicity, PoliticalStatus, Rank


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool = False
    aliases: tuple[str, ...] = ()
    text: bool = False  # formatted as text in templates (long digit strings must not become numbers)
    options: tuple[str, ...] = ()  # dropdown values of the template
    width: int = 14
    help: str = ""


@dataclass(frozen=True)
class Layout:
    kind: str
    sheet_title: str
    columns: tuple[Column, ...]
    # Groups of which at least one column must be present (单位代码 or 单位名称).
    one_of: tuple[tuple[str, ...], ...] = field(default=())

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def _labels(choices) -> tuple[str, ...]:
    return tuple(label for _, label in choices.choices)


DATE_HELP = "可写 1975-03-01、1975.03、1975年3月 或 Excel 日期"

CADRE_LAYOUT = Layout(
    kind="cadres",
    sheet_title="干部信息",
    columns=(
        Column("name", "姓名", True, ("干部姓名",), width=10, help="必填"),
        Column("id_number", "身份证号", True, ("身份证号码", "公民身份号码", "身份证", "证件号码"), text=True, width=22,
               help="必填，18 位（旧 15 位号码自动升位）；请设为文本格式，以数值保存的 18 位号码末几位会被截断。"
                    "导出文件中的身份证号已脱敏（含*），不能直接用于导入"),
        Column("gender", "性别", options=("男", "女"), width=6, help="可空（按身份证号确定）；填写时须与身份证号一致"),
        Column("birth_date", "出生日期", aliases=("出生年月",), width=12,
               help="可空（按身份证号确定）；填写时须与身份证号一致。" + DATE_HELP),
        Column("ethnicity", "民族", options=_labels(Ethnicity), width=10, help="可空，默认汉族"),
        Column("political_status", "政治面貌", True, options=_labels(PoliticalStatus), width=14,
               help="必填：" + "、".join(_labels(PoliticalStatus))),
        Column("education", "学历", True, ("文化程度", "最高学历"), options=_labels(Education), width=14,
               help="必填：" + "、".join(_labels(Education))),
        Column("phone", "手机号", aliases=("手机", "手机号码", "联系电话", "联系方式"), text=True, width=14,
               help="可空；手机号或带区号的固定电话。留空不会清除已登记的号码；含*的脱敏号码会被拒绝"),
        Column("unit_code", "单位代码", aliases=("统一社会信用代码", "单位统一社会信用代码"), text=True, width=20,
               help="单位代码（统一社会信用代码）与单位名称至少填一项，两者都填时以代码为准"),
        Column("unit_name", "单位名称", aliases=("工作单位", "所在单位", "单位"), width=24,
               help="须是您管理范围内名称唯一的参训单位"),
        Column("position_title", "职务", aliases=("现任职务", "现职务"), width=18, help="可空"),
        Column("rank", "职级", True, ("层级", "职务层级", "级别"), options=_labels(Rank), width=10,
               help="必填：" + "、".join(_labels(Rank)) + "（也可写正处级、副科级、科员等）"),
        Column("is_leader", "是否领导职务", aliases=("领导职务",), options=("是", "否"), width=12, help="是 / 否，空白为否"),
        Column("category", "干部类别", True, ("类别",), options=_labels(Category), width=12,
               help="必填：" + "、".join(_labels(Category))),
        Column("position_since", "任现职时间", aliases=("任现职务时间",), width=12, help="可空。" + DATE_HELP),
        Column("rank_since", "任现职级时间", aliases=("任现级时间",), width=12, help="可空。" + DATE_HELP),
    ),
    one_of=(("unit_code", "unit_name"),),
)

UNIT_LAYOUT = Layout(
    kind="units",
    sheet_title="参训单位",
    columns=(
        Column("name", "单位名称", True, ("名称",), width=28, help="必填，不超过 100 字"),
        Column("code", "单位代码", True, ("统一社会信用代码",), text=True, width=20,
               help="必填，统一社会信用代码（不超过 18 位）；已存在的代码会更新该单位"),
        Column("parent_code", "上级单位代码", text=True, width=20,
               help="上级参训单位或行政区域的代码；与上级单位名称都填时以代码为准"),
        Column("parent_name", "上级单位名称", width=28, help="须是您管理范围内名称唯一的参训单位或行政区域"),
        Column("region_code", "所属区域代码", ("区域代码", "行政区划代码"), text=True, width=14,
               help="上级为行政区域时填写区域代码；上级单位和区域代码都空时，挂在您所管理的区域下"),
        Column("category", "单位类别", options=_labels(Category), width=12, help="可空：" + "、".join(_labels(Category))),
        Column("address", "地址", ("单位地址",), width=30, help="可空"),
        Column("sort_order", "排序", ("排序号",), width=8, help="可空，整数，越小越靠前"),
    ),
)

LAYOUTS = {"cadres": CADRE_LAYOUT, "units": UNIT_LAYOUT}

_BRACKETED = re.compile(r"\([^)]*\)$")


def normalise_header(value: object) -> str:
    """'＊ 身份证号（18位）' → '身份证号'."""
    text = clean(value).replace(" ", "").strip("*")
    text = _BRACKETED.sub("", text)
    return text.lower()


class HeaderError(ValueError):
    """The header row cannot be used; the message names the columns (Chinese)."""


@dataclass(frozen=True)
class HeaderMap:
    row: int  # Excel row number of the header
    positions: dict[str, int]  # column key → index in the row
    headers: list[str]  # the header cells as written, for the problem workbook


def _lookup(layout: Layout) -> dict[str, str]:
    table: dict[str, str] = {}
    for column in layout.columns:
        for name in (column.header, *column.aliases):
            table[normalise_header(name)] = column.key
    return table


def match_headers(rows: list[tuple[int, list]], layout: Layout) -> HeaderMap:
    """Find the header among the first rows (titles above it are common) and map columns to keys."""
    table = _lookup(layout)
    best: tuple[int, int, list] | None = None
    for number, cells in rows:
        hits = sum(1 for cell in cells if normalise_header(cell) in table)
        if hits >= 2 and (best is None or hits > best[1]):
            best = (number, hits, cells)
    if best is None:
        raise HeaderError(f"未找到表头行：第一个工作表的前几行中应有“{'”“'.join(layout.headers[:3])}”等列名。")
    number, _, cells = best
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = table.get(normalise_header(cell))
        if key is None:
            continue
        if key in positions:
            header = layout.column(key).header
            raise HeaderError(f"“{header}”列出现了不止一次（第 {positions[key] + 1} 列和第 {index + 1} 列），请只保留一列。")
        positions[key] = index
    missing = [c.header for c in layout.columns if c.required and c.key not in positions]
    for group in layout.one_of:
        if not any(key in positions for key in group):
            missing.append("或".join(layout.column(key).header for key in group))
    if missing:
        raise HeaderError(f"缺少必填列：{'、'.join(missing)}。请使用导入模板的表头。")
    return HeaderMap(row=number, positions=positions, headers=[clean(c) for c in cells])
