"""Uploaded workbooks at rest (encrypted) and their rows, streamed with python-calamine.

An uploaded roster is a file of ID numbers and phones, so it is sealed with
AES-256-GCM under the data key before it touches MEDIA_ROOT, like the
encrypted columns (core.crypto). It is opened in memory only while a job
reads it (the upload limit keeps that small).
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.files.base import ContentFile
from python_calamine import CalamineError, CalamineWorkbook

from ganxun.imports.columns import HeaderError, HeaderMap, Layout, match_headers

_MAGIC = b"GXIMP1"
_AAD = b"ganxun-import-file"
XLSX_SIGNATURE = b"PK\x03\x04"
HEADER_SEARCH_ROWS = 10


def seal(data: bytes) -> bytes:
    nonce = os.urandom(12)
    return _MAGIC + nonce + AESGCM(settings.GANXUN_DATA_KEY).encrypt(nonce, data, _AAD)


def unseal(blob: bytes) -> bytes:
    if not blob.startswith(_MAGIC):
        raise ValueError("not a sealed import file")
    body = blob[len(_MAGIC):]
    return AESGCM(settings.GANXUN_DATA_KEY).decrypt(body[:12], body[12:], _AAD)


def sealed_content(data: bytes) -> ContentFile:
    """The sealed file under a random name: the original name (with a unit's name in it) stays in the database."""
    return ContentFile(seal(data), name=f"{uuid.uuid4().hex}.xlsx.enc")


def read_plain(job) -> bytes:
    with job.file.open("rb") as handle:
        blob = handle.read()
    try:
        return unseal(blob)
    except (InvalidTag, ValueError):
        raise UnreadableFile("上传的文件已损坏或无法解密，请重新上传。") from None


class UnreadableFile(ValueError):
    """The file is not a workbook we can read; the message is for the user."""


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


@dataclass
class Sheet:
    """The first worksheet of a workbook: its header and a stream of data rows as {key: raw cell}."""

    header: HeaderMap
    last_row: int  # Excel number of the last used row (for progress estimates)
    _rows: Iterator[list]
    _workbook: CalamineWorkbook

    def data_rows(self, *, after_row: int = 0) -> Iterator[tuple[int, dict[str, object]]]:
        """(Excel row number, cells by column key) for non-blank rows below the header."""
        positions = self.header.positions.items()
        start = max(after_row, self.header.row)
        for number, cells in enumerate(self._rows, start=self.header.row + 1):
            if number <= start or all(_is_blank(c) for c in cells):
                continue
            width = len(cells)
            yield number, {key: (cells[index] if index < width else "") for key, index in positions}

    def raw_rows(self) -> Iterator[tuple[int, list]]:
        """Every row below the header as written (for the problem workbook)."""
        for number, cells in enumerate(self._rows, start=self.header.row + 1):
            yield number, cells

    def close(self) -> None:
        self._workbook.close()


def open_sheet(data: bytes, layout: Layout) -> Sheet:
    """Open the first worksheet and find its header; UnreadableFile / HeaderError say what is wrong."""
    if not data.startswith(XLSX_SIGNATURE):
        raise UnreadableFile("文件不是 Excel .xlsx 格式（旧版 .xls 请在 Excel 中另存为 .xlsx）。")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = iter(sheet.iter_rows())
        head: list[tuple[int, list]] = []
        for number in range(1, HEADER_SEARCH_ROWS + 1):
            cells = next(rows, None)
            if cells is None:
                break
            head.append((number, cells))
    except CalamineError as exc:
        raise UnreadableFile(f"无法读取该 Excel 文件（{exc.__class__.__name__}），请确认文件未加密、未损坏。") from None
    except Exception as exc:  # calamine raises several pyo3 error types for broken zips
        raise UnreadableFile(f"无法读取该 Excel 文件（{exc.__class__.__name__}），请确认文件未加密、未损坏。") from None
    header = match_headers(head, layout)
    # Put back the rows read past the header: they are data.
    remaining = [cells for number, cells in head if number > header.row]

    def chained() -> Iterator[list]:
        yield from remaining
        yield from rows

    end = sheet.end
    return Sheet(header=header, last_row=(end[0] + 1) if end else 0, _rows=chained(), _workbook=workbook)


__all__ = ["HeaderError", "Sheet", "UnreadableFile", "open_sheet", "read_plain", "sealed_content", "seal", "unseal"]
