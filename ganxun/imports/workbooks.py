"""Writing workbooks: import templates, exports (the same layout, so they can be edited and imported
again) and problem reports. Everything is written with openpyxl in write-only mode into a temporary
file, so a 50,000-row export streams through constant memory.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterable, Iterator

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from ganxun.imports.columns import Layout

OPTIONS_SHEET = "选项"
INSTRUCTIONS_SHEET = "填写说明"
VALIDATION_ROWS = 100_000  # dropdowns cover this many data rows
_HEADER_FILL = PatternFill("solid", fgColor="E8EEF7")
_REQUIRED_FONT = Font(bold=True, color="C00000")
_HEADER_FONT = Font(bold=True)

EXAMPLES = {
    "cadres": {
        "name": "张三", "id_number": "110101198003070017", "gender": "男", "birth_date": "1980-03-07",
        "ethnicity": "汉族", "political_status": "中共党员", "education": "大学本科", "phone": "13800138000",
        "unit_code": "11110000000000000X", "unit_name": "某某区发展和改革局", "position_title": "副局长",
        "rank": "乡科级", "is_leader": "是", "category": "党政机关", "position_since": "2019.06",
        "rank_since": "2019年6月",
    },
    "units": {
        "name": "某某区发展和改革局", "code": "11110000000000000X", "parent_code": "", "parent_name": "某某区",
        "region_code": "110101", "category": "党政机关", "address": "某某区人民路 1 号", "sort_order": 10,
    },
}

NOTES = {
    "cadres": [
        "数据填写在第一个工作表中：第一行为表头，从第二行起每行一名干部。列的顺序可以调整，表头前后的空格、全角字符不影响识别，"
        "多余的列（如序号、备注）会被忽略。",
        "日期可写 1975-03-01、1975.03、1975年3月，也可以使用 Excel 的日期格式。",
        "身份证号、手机号、单位代码请设为“文本”格式（模板已设置）：以数值保存的 18 位身份证号会被表格软件截断末几位。",
        "以身份证号为准：已登记在您管理范围内的干部按表格更新（只更新有变化的项，空白单元格保留原有数据），"
        "未登记的新增；已登记在其他单位的会被拒绝。职务、职级或单位有变化时自动记入任职经历（日期取任现职时间，未填为导入当天）。",
        "从平台导出的文件中身份证号和手机号已脱敏（含*），含*的身份证号不能用于导入。如需修改后重新导入，"
        "请由有权查看完整信息的角色在导出时勾选“含完整身份证号和手机号”。",
        "上传后系统会逐行校验并列出问题（行号、列、原因），确认后才会导入有效的行。",
    ],
    "units": [
        "数据填写在第一个工作表中：第一行为表头，从第二行起每行一个单位。列的顺序可以调整，多余的列会被忽略。",
        "以单位代码（统一社会信用代码）为准：已存在的单位按表格更新，新的代码新增单位。",
        "上级可以是您管理范围内的参训单位或行政区域，也可以是本表中排在前面的单位；上级为行政区域时填写所属区域代码即可。",
        "上级单位和所属区域代码都不填时，单位挂在您所管理的区域下。已停用的单位不能作为上级。",
    ],
}


def _header_cell(ws, column) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=column.header)
    cell.font = _REQUIRED_FONT if column.required else _HEADER_FONT
    cell.fill = _HEADER_FILL
    cell.alignment = Alignment(horizontal="center", vertical="center")
    if column.help:
        cell.comment = Comment(("必填。" if column.required and not column.help.startswith("必填") else "")
                               + column.help, "干训平台", width=260, height=120)
    return cell


def _option_ranges(layout: Layout) -> dict[str, str]:
    """Dropdown values live on a hidden sheet (inline lists are limited to 255 characters): key → range."""
    listed = [c for c in layout.columns if c.options]
    return {
        column.key: f"'{OPTIONS_SHEET}'!${get_column_letter(i)}$2:${get_column_letter(i)}${len(column.options) + 1}"
        for i, column in enumerate(listed, start=1)
    }


def _options_sheet(workbook: Workbook, layout: Layout) -> None:
    sheet = workbook.create_sheet(OPTIONS_SHEET)
    listed = [c for c in layout.columns if c.options]
    longest = max((len(c.options) for c in listed), default=0)
    sheet.append([c.header for c in listed])
    for index in range(longest):
        sheet.append([c.options[index] if index < len(c.options) else None for c in listed])
    sheet.sheet_state = "hidden"


def _instructions(workbook: Workbook, layout: Layout) -> None:
    sheet = workbook.create_sheet(INSTRUCTIONS_SHEET)
    sheet.column_dimensions["A"].width = 16
    sheet.column_dimensions["B"].width = 10
    sheet.column_dimensions["C"].width = 100
    title = WriteOnlyCell(sheet, value=f"{layout.sheet_title}导入说明")
    title.font = Font(bold=True, size=14)
    sheet.append([title])
    for note in NOTES[layout.kind]:
        sheet.append(["", "", note])
    sheet.append([])
    sheet.append([_bold(sheet, "列名"), _bold(sheet, "是否必填"), _bold(sheet, "说明")])
    for column in layout.columns:
        required = "必填" if column.required else ""
        if any(column.key in group for group in layout.one_of):
            required = "二选一"
        sheet.append([column.header, required, column.help])
    sheet.append([])
    sheet.append([_bold(sheet, "示例（仅供参考，请在第一个工作表中填写）")])
    sheet.append(layout.headers)
    example = EXAMPLES[layout.kind]
    sheet.append([example.get(c.key, "") for c in layout.columns])


def _bold(sheet, value: str) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=value)
    cell.font = _HEADER_FONT
    return cell


def write_layout_workbook(layout: Layout, rows: Iterable[list]) -> tuple[tempfile.SpooledTemporaryFile, int]:
    """The data sheet (header + rows) first, then instructions and the hidden options; returns (file, rows)."""
    workbook = Workbook(write_only=True)
    data = workbook.create_sheet(layout.sheet_title)
    ranges = _option_ranges(layout)
    for position, column in enumerate(layout.columns, start=1):
        letter = get_column_letter(position)
        data.column_dimensions[letter].width = column.width
        if column.text:
            data.column_dimensions[letter].number_format = "@"
        if column.key in ranges:
            rule = DataValidation(type="list", formula1=ranges[column.key], allow_blank=True, showErrorMessage=True,
                                  errorTitle="取值无效", error=f"请从下拉列表中选择“{column.header}”。")
            rule.add(f"{letter}2:{letter}{VALIDATION_ROWS + 1}")
            data.data_validations.append(rule)
    data.freeze_panes = "A2"
    data.append([_header_cell(data, column) for column in layout.columns])
    count = 0
    for row in rows:
        data.append(row)
        count += 1
    # The data sheet stays first: the import reads the first sheet.
    _instructions(workbook, layout)
    _options_sheet(workbook, layout)
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(handle)
    handle.seek(0)
    return handle, count


def iso(value: dt.date | None) -> str:
    return value.isoformat() if value else ""


def write_problem_workbook(
    problems: Iterable, original: Iterator[tuple[int, list]] | None, headers: list[str], reasons_by_row: dict[int, str],
) -> tempfile.SpooledTemporaryFile:
    """Sheet 1: the rows that have problems, as uploaded, with a 问题 column (fix and upload again);
    sheet 2: the list of problems. Without the original file (discarded job) only the list."""
    workbook = Workbook(write_only=True)
    if original is not None:
        rows_sheet = workbook.create_sheet("待修改数据")
        rows_sheet.freeze_panes = "A2"
        rows_sheet.append([_bold(rows_sheet, h) for h in headers] + [_bold(rows_sheet, "问题"),
                                                                      _bold(rows_sheet, "原行号")])
        width = len(headers)
        for number, cells in original:
            if number in reasons_by_row:
                values = [_plain(c) for c in cells[:width]] + [""] * max(0, width - len(cells))
                rows_sheet.append(values + [reasons_by_row[number], number])
    listing = workbook.create_sheet("问题清单")
    listing.append([_bold(listing, h) for h in ("行号", "列", "值", "问题", "阶段")])
    for problem in problems:
        listing.append([problem.row, problem.column, problem.value, problem.reason, problem.get_stage_display()])
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(handle)
    handle.seek(0)
    return handle


def _plain(cell: object) -> object:
    """A cell value as written back: whole floats (ID numbers, phones typed as numbers) without '.0'."""
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e15:
        return int(cell)
    return cell
