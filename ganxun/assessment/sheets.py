"""Reading a filled exam-score sheet (.xlsx): the header row and the raw rows, nothing else.

The rows are matched to the class's roster and checked by services.exam_scores_import.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from zipfile import BadZipFile

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from ganxun.core.errors import DomainError
from ganxun.core.text import clean, clean_name

HEADER_SEARCH_ROWS = 10
SEAT_HEADERS = ("学号", "座号")
SCORE_HEADERS = ("成绩", "考试成绩", "分数")
NAME_HEADERS = ("姓名",)
MAX_ROWS = 5000


@dataclass(frozen=True)
class ScoreRow:
    number: int      # the row number as Excel shows it
    seat: object     # raw cell values
    name: str
    score: object


def _find_columns(rows: list[tuple]) -> tuple[int, dict[str, int]]:
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [clean(value) for value in row]
        columns = {}
        for key, names in (("seat", SEAT_HEADERS), ("score", SCORE_HEADERS), ("name", NAME_HEADERS)):
            for position, cell in enumerate(cells):
                if cell in names:
                    columns[key] = position
                    break
        if "seat" in columns and "score" in columns:
            return index, columns
    raise DomainError("没有找到表头：需要“学号”和“成绩”两列（可下载成绩表模板填写）。", field="file")


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def read_score_rows(data: bytes) -> list[ScoreRow]:
    """The non-empty rows under the header of the first sheet."""
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, OSError, KeyError, ValueError, TypeError) as exc:
        raise DomainError("无法读取该文件，请上传 Excel 工作簿（.xlsx）。", field="file") from exc
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True, max_row=MAX_ROWS + HEADER_SEARCH_ROWS + 1))
    finally:
        workbook.close()
    header, columns = _find_columns(rows)
    body = rows[header + 1:]
    if len(body) > MAX_ROWS:
        raise DomainError(f"文件超过 {MAX_ROWS} 行，请分批上传。", field="file")
    out = []
    for number, row in enumerate(body, start=header + 2):
        cells = list(row) + [None] * (max(columns.values()) + 1)
        seat, score = cells[columns["seat"]], cells[columns["score"]]
        name = clean_name(cells[columns["name"]]) if "name" in columns else ""
        if _blank(seat) and _blank(score) and not name:
            continue
        out.append(ScoreRow(number, seat, name, score))
    return out
