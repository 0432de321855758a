"""Uploading a platform's export (Excel .xlsx or CSV): validate every row, then import the valid
rows as claims — or nothing — at the uploader's choice (as the cadre import does).

Rows name the cadre by ID number (found by keyed hash, never by name); 姓名, when present, must
match. A row is refused with its row number, column and reason when the cadre is unknown, outside
the uploader's scope or outside the source's region, the amount or date is bad, no rule is in force
on the date, or the record number repeats (in the file, or a record of the source claimed already).
Only masked ID numbers are kept in the report; the file itself is not stored.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import tempfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from openpyxl import Workbook

from ganxun.access import scope
from ganxun.audit.services import audit_record
from ganxun.core.crypto import keyed_hash
from ganxun.core.dates import InvalidDate, parse_loose_date
from ganxun.core.errors import Conflict, DomainError, NotFound
from ganxun.core.idcard import InvalidIdNumber, parse_id_number
from ganxun.core.masking import mask_id_number
from ganxun.core.text import clean
from ganxun.imports.columns import Column, HeaderError, Layout, match_headers
from ganxun.imports.storage import XLSX_SIGNATURE, UnreadableFile, open_sheet
from ganxun.people.models import Cadre
from ganxun.recognition.models import ClaimOrigin, ClaimStatus, RecognitionClaim, RecognitionSource, RecognitionUpload
from ganxun.recognition.selectors import sources_usable_by
from ganxun.recognition.services import MAX_AMOUNT, ClaimInput, claims_create, rule_in_force

MAX_ROWS = 20_000
HEADER_SEARCH_ROWS = 10

LAYOUT = Layout(
    kind="recognition",
    sheet_title="学习记录",
    columns=(
        Column("id_number", "身份证号", True, ("身份证号码", "公民身份号码", "身份证", "证件号码"), text=True),
        Column("name", "姓名", aliases=("学员姓名", "干部姓名")),
        Column("external_ref", "记录编号", True, ("记录号", "记录ID", "学习记录编号", "流水号", "编号", "证书编号")),
        Column("amount", "数量", True, ("学习积分", "积分", "学时", "学时数", "分钟", "学习时长", "学习时长(分钟)", "学分")),
        Column("earned_on", "取得日期", True, ("日期", "完成日期", "学习日期", "获得日期", "完成时间")),
        Column("title", "学习内容", aliases=("课程名称", "课程", "内容", "项目名称")),
    ),
)
STATUS_LABELS = dict(ClaimStatus.choices)


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    value: str
    reason: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "value": self.value[:200], "reason": self.reason}


def _read_rows(name: str, data: bytes) -> list[tuple[int, dict]]:
    """(row number, cells by column key) of the non-blank data rows; HeaderError/UnreadableFile say why not."""
    if name.lower().endswith(".csv"):
        for encoding in ("utf-8-sig", "gb18030"):
            try:
                text = data.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
        else:
            raise UnreadableFile("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码。")
        lines = list(csv.reader(io.StringIO(text)))
        header = match_headers([(i + 1, cells) for i, cells in enumerate(lines[:HEADER_SEARCH_ROWS])], LAYOUT)
        rows = []
        for number, cells in enumerate(lines[header.row:], start=header.row + 1):
            if all(not str(c).strip() for c in cells):
                continue
            rows.append((number, {k: (cells[i] if i < len(cells) else "") for k, i in header.positions.items()}))
            if len(rows) > MAX_ROWS:
                break
        return rows
    if not data.startswith(XLSX_SIGNATURE):
        raise UnreadableFile("文件内容不是 Excel .xlsx 格式。")
    sheet = open_sheet(data, LAYOUT)
    try:
        rows = []
        for row in sheet.data_rows():
            rows.append(row)
            if len(rows) > MAX_ROWS:
                break
        return rows
    finally:
        sheet.close()


def _amount(cell) -> Decimal:
    if isinstance(cell, bool):
        raise ValueError
    try:
        number = Decimal(str(cell).strip().replace(",", "")) if not isinstance(cell, float) else Decimal(repr(cell))
    except InvalidOperation:
        raise ValueError from None
    if not number.is_finite() or number <= 0 or number > MAX_AMOUNT or number != number.quantize(Decimal("0.01")):
        raise ValueError
    return number.quantize(Decimal("0.01"))


def validate_rows(*, actor, source: RecognitionSource, rows: list[tuple[int, dict]], today: dt.date
                  ) -> tuple[list[dict], list[Problem]]:
    """The valid rows as stored on the upload, and the problems of the others."""
    header = {c.key: c.header for c in LAYOUT.columns}
    problems: list[Problem] = []
    parsed = []
    for number, cells in rows:
        bad = []
        try:
            id_number = parse_id_number(cells.get("id_number"), today=today).number
        except InvalidIdNumber as exc:
            bad.append(Problem(number, header["id_number"], mask_id_number(clean(cells.get("id_number"))), str(exc)))
            id_number = None
        ref = clean(cells.get("external_ref"))
        if isinstance(cells.get("external_ref"), float) and cells["external_ref"].is_integer():
            ref = str(int(cells["external_ref"]))
        if not ref:
            bad.append(Problem(number, header["external_ref"], "", "记录编号为空"))
        elif len(ref) > 120:
            bad.append(Problem(number, header["external_ref"], ref[:40], "记录编号不能超过 120 个字符"))
        try:
            amount = _amount(cells.get("amount"))
        except ValueError:
            amount = None
            bad.append(Problem(number, header["amount"], clean(cells.get("amount"))[:40],
                               f"数量应为大于 0 的数字（最多两位小数，单位：{source.get_unit_display()}）"))
        earned_on = None
        try:
            loose = parse_loose_date(cells.get("earned_on"))
            if loose is None:
                bad.append(Problem(number, header["earned_on"], "", "取得日期为空"))
            elif not loose.has_day:
                bad.append(Problem(number, header["earned_on"], clean(cells.get("earned_on")), "取得日期须精确到日"))
            elif loose.date > today:
                bad.append(Problem(number, header["earned_on"], loose.date.isoformat(), "取得日期不能晚于今天"))
            else:
                earned_on = loose.date
        except InvalidDate as exc:
            bad.append(Problem(number, header["earned_on"], clean(cells.get("earned_on"))[:40], str(exc)))
        if earned_on is not None and rule_in_force(source, earned_on) is None:
            bad.append(Problem(number, header["earned_on"], earned_on.isoformat(), "该日期不在该平台任何认定规则的有效期内"))
        parsed.append((number, cells, id_number, ref, amount, earned_on, bad))

    hashes = {keyed_hash(p[2]) for p in parsed if p[2]}
    cadres = {}
    for start in range(0, len(hashes), 500):
        chunk = list(hashes)[start:start + 500]
        for cadre in Cadre.objects.filter(person__id_number_hash__in=chunk).select_related("person", "unit"):
            cadres[cadre.person.id_number_hash] = cadre
    refs = [p[3] for p in parsed if p[3]]
    claimed: dict[str, str] = {}
    for start in range(0, len(refs), 500):
        claimed.update(RecognitionClaim.objects.filter(source=source, external_ref__in=refs[start:start + 500])
                       .values_list("external_ref", "status"))
    first_row: dict[str, int] = {}
    valid = []
    for number, cells, id_number, ref, amount, earned_on, bad in parsed:
        cadre = None
        if id_number:
            cadre = cadres.get(keyed_hash(id_number))
            masked = mask_id_number(id_number)
            if cadre is None:
                bad.append(Problem(number, header["id_number"], masked, "未找到该身份证号的干部"))
            elif not scope.path_within(actor, cadre.unit.path):
                bad.append(Problem(number, header["id_number"], masked, "该干部不在您的管理范围内"))
                cadre = None
            elif not cadre.unit.path.startswith(source.owner.path):
                bad.append(Problem(number, header["id_number"], masked, "该干部不在该平台的适用区域内"))
                cadre = None
            else:
                name = clean(cells.get("name")).replace(" ", "")
                if name and name != cadre.person.name.replace(" ", ""):
                    bad.append(Problem(number, header["name"], name, "姓名与身份证号不符"))
        if ref:
            if ref in first_row:
                bad.append(Problem(number, header["external_ref"], ref[:40],
                                   f"记录编号与第 {first_row[ref]} 行重复"))
            else:
                first_row[ref] = number
                if ref in claimed:
                    bad.append(Problem(number, header["external_ref"], ref[:40],
                                       f"该记录已提交过（{STATUS_LABELS[claimed[ref]]}），不会重复认定"))
        problems.extend(bad)
        if not bad:
            valid.append({"row": number, "cadre_id": cadre.pk, "ref": ref, "amount": str(amount),
                          "earned_on": earned_on.isoformat(), "title": clean(cells.get("title"))[:200]})
    return valid, problems


@transaction.atomic
def upload_create(*, actor, source: RecognitionSource, upload, request=None) -> RecognitionUpload:
    """Validate an uploaded export and keep its report (nothing is imported yet)."""
    scope.require(actor, "recognition.upload")
    if not sources_usable_by(actor, "recognition.upload").filter(pk=source.pk).exists():
        raise NotFound()
    name = clean(getattr(upload, "name", ""))[:255]
    if not name.lower().endswith((".xlsx", ".csv")):
        raise DomainError("请上传 Excel .xlsx 或 CSV 文件（旧版 .xls 请另存为 .xlsx）。", field="file")
    limit = settings.GANXUN_IMPORT_MAX_BYTES
    if upload.size > limit:
        raise DomainError(f"文件超过 {limit // (1024 * 1024)} MB 的上限，请拆分后上传。", field="file")
    if upload.size == 0:
        raise DomainError("文件是空的。", field="file")
    try:
        rows = _read_rows(name, upload.read())
    except (HeaderError, UnreadableFile) as exc:
        raise DomainError(str(exc), field="file") from None
    if not rows:
        raise DomainError("文件中没有数据行：请在表头下方逐行填写。", field="file")
    if len(rows) > MAX_ROWS:
        raise DomainError(f"单个文件不能超过 {MAX_ROWS:,} 行，请拆分后上传。", field="file")
    valid, problems = validate_rows(actor=actor, source=source, rows=rows, today=timezone.localdate())
    record = RecognitionUpload.objects.create(
        source=source, original_name=name, created_by=actor, scope=actor.active_role.scope, data_rows=len(rows),
        valid_rows=len(valid), rows=valid, problems=[p.as_dict() for p in problems])
    audit_record(action="recognition.upload", actor=actor, request=request, target=record, target_repr=name,
                 detail={"source": source.pk, "rows": len(rows), "valid": len(valid)})
    return record


@transaction.atomic
def upload_commit(*, actor, upload: RecognitionUpload, request=None) -> RecognitionUpload:
    """Turn the valid rows into claims (one transaction). Each row is checked again: the cadre may
    have moved out of scope, or the record been claimed by a push, since validation."""
    scope.require(actor, "recognition.upload")
    source = RecognitionSource.objects.select_for_update().select_related("owner").get(pk=upload.source_id)
    moved = RecognitionUpload.objects.filter(pk=upload.pk, status=RecognitionUpload.Status.VALIDATED,
                                             valid_rows__gt=0).update(status=RecognitionUpload.Status.COMMITTED,
                                                                      finished_at=timezone.now())
    upload.refresh_from_db()
    if not moved:
        if upload.status == RecognitionUpload.Status.VALIDATED:
            raise Conflict("没有可导入的有效行。", code="nothing_to_import")
        raise Conflict(f"该上传当前状态为“{upload.get_status_display()}”，不能再次导入。", code="already_done")
    if not source.is_active:
        raise DomainError("该互认平台已停用。", code="source_inactive")
    paths = dict(Cadre.objects.filter(pk__in={r["cadre_id"] for r in upload.rows}).values_list("pk", "unit__path"))
    items, dropped = [], []
    for row in upload.rows:
        path = paths.get(row["cadre_id"], "")
        if not path or not scope.path_within(actor, path) or not path.startswith(source.owner.path):
            dropped.append(Problem(row["row"], "身份证号", "", "导入时复核：该干部已不在您的管理范围内"))
            continue
        items.append(ClaimInput(cadre_id=row["cadre_id"], external_ref=row["ref"], amount=Decimal(row["amount"]),
                                earned_on=dt.date.fromisoformat(row["earned_on"]), title=row["title"]))
    batch = claims_create(actor=actor, source=source, items=items, origin=ClaimOrigin.UPLOAD, upload=upload,
                          request=request)
    upload.claims_created = len(batch.created)
    upload.problems = upload.problems + [p.as_dict() for p in dropped]
    upload.save(update_fields=["claims_created", "problems"])
    audit_record(action="recognition.upload_commit", actor=actor, request=request, target=upload,
                 detail={"claims": len(batch.created), "duplicates": batch.duplicates, "dropped": len(dropped)})
    return upload


@transaction.atomic
def upload_discard(*, actor, upload: RecognitionUpload, request=None) -> RecognitionUpload:
    """Import nothing from the upload; its valid rows are dropped."""
    scope.require(actor, "recognition.upload")
    moved = RecognitionUpload.objects.filter(pk=upload.pk, status=RecognitionUpload.Status.VALIDATED).update(
        status=RecognitionUpload.Status.DISCARDED, finished_at=timezone.now(), rows=[])
    upload.refresh_from_db()
    if not moved:
        raise Conflict(f"该上传当前状态为“{upload.get_status_display()}”，不能放弃。", code="already_done")
    audit_record(action="recognition.upload_discard", actor=actor, request=request, target=upload)
    return upload


def problem_workbook(upload: RecognitionUpload) -> tempfile.SpooledTemporaryFile:
    """The report of an upload: row, column, value (ID numbers masked), reason."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("问题清单")
    sheet.append(["行号", "列", "值", "问题"])
    for problem in sorted(upload.problems, key=lambda p: p["row"]):
        sheet.append([problem["row"], problem["column"], problem["value"], problem["reason"]])
    handle = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    workbook.save(handle)
    handle.seek(0)
    return handle
