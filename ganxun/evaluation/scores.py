"""L2 test scores in Excel: the class's template (its roster by seat number) and reading an upload.

Reading is all or nothing: every problem of the sheet is reported (row, column, reason) and
nothing is saved while any remains. A blank score cell leaves the cadre's score as it is, so a
sheet with only the post-test column filled never erases the pre-test scores.
"""

from __future__ import annotations

import tempfile
from decimal import Decimal
from zipfile import BadZipFile

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils.exceptions import InvalidFileException

from ganxun.classes.models import TrainingClass
from ganxun.core.errors import DomainError
from ganxun.core.text import clean
from ganxun.evaluation.services import KEEP, ScoreError, ScoreErrors, parse_test_score
from ganxun.roster.models import Enrollment

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000
HEADERS = {
    "seat_no": ("学号", "座号", "序号学号"),
    "name": ("姓名", "学员姓名"),
    "pre_score": ("训前成绩", "训前测试", "训前测试成绩", "前测", "前测成绩"),
    "post_score": ("训后成绩", "训后测试", "训后测试成绩", "后测", "后测成绩"),
}
LABELS = {"seat_no": "学号", "name": "姓名", "pre_score": "训前成绩", "post_score": "训后成绩"}


def _header(value) -> str:
    return clean(value).replace(" ", "").replace("（", "(").split("(")[0]


def scores_template(training_class: TrainingClass, roster: list[Enrollment]) -> bytes:
    """An .xlsx with the class's roster (seat number, name, unit) and the two score columns."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "训前训后测试成绩"
    bold = Font(bold=True)
    fill = PatternFill("solid", fgColor="E8EEF7")
    sheet.append(["学号", "姓名", "单位", "训前成绩", "训后成绩"])
    for cell in sheet[1]:
        cell.font, cell.fill = bold, fill
    for enrollment in roster:
        score = getattr(enrollment, "learning_score", None)
        sheet.append([enrollment.seat_no, enrollment.cadre.person.name, enrollment.unit.name,
                      score.pre_score if score and score.pre_score is not None else None,
                      score.post_score if score and score.post_score is not None else None])
    for column, width in zip("ABCDE", (8, 12, 30, 12, 12), strict=True):
        sheet.column_dimensions[column].width = width
    notes = workbook.create_sheet("填写说明")
    for line in (
        f"{training_class.title}：按学号填写训前、训后测试成绩（0–100 分，最多一位小数）。",
        "学号必填；姓名如填写须与学号一致；单位列仅供核对，不会导入。",
        "成绩单元格留空表示保留平台上已有的成绩，不会清除。",
        "上传后系统逐行校验，有任何问题时不保存，并列出行号、列和原因。",
    ):
        notes.append([line])
    notes.column_dimensions["A"].width = 100
    with tempfile.TemporaryFile() as handle:
        workbook.save(handle)
        handle.seek(0)
        return handle.read()


def read_scores(upload, roster: list[Enrollment]) -> dict[int, tuple]:
    """{enrollment id: (pre, post)} from an uploaded workbook, each value a Decimal or KEEP.
    Raises ScoreErrors with every problem, or DomainError when the file cannot be read."""
    if upload is None:
        raise DomainError("请选择要上传的 Excel 文件。", field="file")
    if upload.size > MAX_BYTES:
        raise DomainError("文件不能超过 5 MB。", field="file")
    try:
        workbook = load_workbook(upload, read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, ValueError, KeyError, IndexError):
        raise DomainError("无法读取文件，请上传 .xlsx 格式的 Excel 文件。", field="file") from None
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        return _read_rows(rows, roster)
    finally:
        workbook.close()


def _read_rows(rows, roster: list[Enrollment]) -> dict[int, tuple]:
    by_seat = {e.seat_no: e for e in roster if e.seat_no is not None}
    columns: dict[str, int] = {}
    header_row = 0
    errors: list[ScoreError] = []
    result: dict[int, tuple] = {}
    seats_seen: dict[int, int] = {}
    for number, row in enumerate(rows, start=1):
        cells = list(row or ())
        if not columns:
            if not any(c not in (None, "") for c in cells):
                continue
            lookup = {alias: key for key, aliases in HEADERS.items() for alias in aliases}
            for index, value in enumerate(cells):
                key = lookup.get(_header(value))
                if key and key not in columns:
                    columns[key] = index
            header_row = number
            if "seat_no" not in columns:
                raise DomainError(f"第 {number} 行表头中没有“学号”列。", field="file")
            if "pre_score" not in columns and "post_score" not in columns:
                raise DomainError(f"第 {number} 行表头中没有“训前成绩”或“训后成绩”列。", field="file")
            continue
        if number - header_row > MAX_ROWS:
            raise DomainError(f"数据行不能超过 {MAX_ROWS} 行。", field="file")

        values_of = {key: cells[index] if index < len(cells) else None for key, index in columns.items()}
        cell = values_of.get
        if all(cell(k) in (None, "") for k in columns):
            continue
        where = f"第 {number} 行"
        seat_raw = cell("seat_no")
        seat = _seat(seat_raw)
        if seat is None:
            errors.append(ScoreError(where, "seat_no", f"学号“{clean(seat_raw)}”应为整数" if seat_raw not in (None, "")
                                     else "学号必填"))
            continue
        enrollment = by_seat.get(seat)
        if enrollment is None:
            errors.append(ScoreError(where, "seat_no", f"本班没有学号为 {seat} 的学员"))
            continue
        if seat in seats_seen:
            errors.append(ScoreError(where, "seat_no", f"学号 {seat} 重复（第 {seats_seen[seat]} 行已填写）"))
            continue
        seats_seen[seat] = number
        name = clean(cell("name"))
        if name and name != enrollment.cadre.person.name:
            errors.append(ScoreError(where, "name", f"姓名“{name}”与学号 {seat} 的学员不一致"))
        values = []
        for key in ("pre_score", "post_score"):
            raw = cell(key)
            if key not in columns or raw in (None, ""):
                values.append(KEEP)
                continue
            try:
                values.append(parse_test_score(raw if not isinstance(raw, float) else Decimal(str(raw))))
            except ValueError as exc:
                errors.append(ScoreError(where, key, f"{LABELS[key]}“{clean(raw)}”{exc}"))
                values.append(KEEP)
        result[enrollment.pk] = tuple(values)
    if not columns:
        raise DomainError("文件中没有数据。", field="file")
    if errors:
        raise ScoreErrors(errors)
    if not result:
        raise DomainError("文件中没有成绩数据。", field="file")
    return result


def _seat(value) -> int | None:
    if isinstance(value, bool) or value in (None, ""):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() and value > 0 else None
    if isinstance(value, int):
        return value if value > 0 else None
    text = clean(value)
    return int(text) if text.isdigit() and int(text) > 0 else None
