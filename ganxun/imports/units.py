"""Unit rows: checking them and upserting them, keyed by unit code (统一社会信用代码).

A parent is a unit or a region inside the importer's scope, or a unit created
by an earlier row of the same file. Unit files are small (a county has
hundreds of units), so a file is checked as a whole, which lets a child row
fail when the row of its parent does. New units go through
org.services.organisation_create (placement rules, materialised path); a
changed parent goes through organisation_move, which rewrites the subtree.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from ganxun.core.errors import DomainError
from ganxun.core.text import clean
from ganxun.imports.cadres import Problem
from ganxun.imports.columns import UNIT_LAYOUT
from ganxun.imports.resolve import OrgIndex, code_of, name_key
from ganxun.org.models import Category, Organisation
from ganxun.org.services import check_placement, organisation_create, organisation_move
from ganxun.people.choices import label_to_value

Kind = Organisation.Kind
LAYOUT = UNIT_LAYOUT
HEADER = {c.key: c.header for c in LAYOUT.columns}
_CATEGORY = {**label_to_value(Category), "党政": "party_gov", "机关": "party_gov", "国企": "enterprise",
             "国有企业": "enterprise", "事业": "public_inst", "学校": "university", "乡镇": "grassroots"}
UPDATED_FIELDS = ("name", "category", "address", "sort_order")


@dataclass
class UnitRow:
    row: int
    name: str = ""
    code: str = ""
    category: str = ""
    address: str = ""
    sort_order: int = 0
    provided: frozenset[str] = frozenset()
    parent: Organisation | None = None
    parent_row: int | None = None  # the parent is created by this earlier row of the file
    parent_code: str = ""
    existing: Organisation | None = None
    problems: list[Problem] = field(default_factory=list)

    def add(self, key: str, value: object, reason: str) -> None:
        self.problems.append(Problem(self.row, HEADER.get(key, key), clean(value)[:200], reason[:300]))


def _filled(value: object) -> bool:
    return not (value is None or (isinstance(value, str) and not value.strip()))


def _int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    text = clean(value)
    try:
        return int(text)
    except ValueError:
        return None


class UnitFile:
    """The units defined so far by the file being checked: code → first row, name → new codes."""

    def __init__(self, index: OrgIndex):
        self.index = index
        self.row_of_code: dict[str, int] = {}
        self.new_codes_by_name: dict[str, list[str]] = {}

    def check(self, rows: list[tuple[int, dict[str, object]]], *, skip: set[int] = frozenset()) -> list[UnitRow]:
        """Check rows in file order; rows in `skip` (known bad) still define codes so children can point at them."""
        results: list[UnitRow] = []
        first_dup_reported: set[int] = set()
        for number, raw in rows:
            row = check_row(number, raw, self)
            results.append(row)
            if not row.code:
                continue
            first = self.row_of_code.setdefault(row.code, number)
            if first != number:
                row.add("code", row.code, f"与第 {first} 行的单位代码重复")
                if first not in first_dup_reported:
                    first_dup_reported.add(first)
                    earlier = next(r for r in results if r.row == first)
                    earlier.add("code", row.code, f"与第 {number} 行的单位代码重复")
            elif row.existing is None:
                self.new_codes_by_name.setdefault(name_key(row.name), []).append(row.code)
        bad = set(skip) | {r.row for r in results if r.problems}
        for row in results:  # parents precede children, so one pass in file order settles it
            if row.parent_row is not None and row.parent_row in bad and row.row not in bad:
                column = "parent_code" if "parent_code" in row.provided else "parent_name"
                row.add(column, row.parent_code, f"上级单位（第 {row.parent_row} 行）有错误，无法导入")
                bad.add(row.row)
        return results


def check_row(number: int, raw: dict[str, object], state: UnitFile) -> UnitRow:
    """One row against the scope's organisations and the units defined by earlier rows."""
    index = state.index
    row = UnitRow(number, provided=frozenset(k for k, v in raw.items() if _filled(v)))
    row.name = clean(raw.get("name"))
    if not row.name:
        row.add("name", "", "必填")
    elif len(row.name) > 100:
        row.add("name", row.name, "不能超过 100 个字")
    row.code = code_of(raw.get("code"))
    if not row.code:
        row.add("code", "", "必填")
    elif len(row.code) > 18:
        row.add("code", row.code, "不能超过 18 位")
    raw_category = clean(raw.get("category")).replace(" ", "")
    if raw_category:
        row.category = _CATEGORY.get(raw_category, "")
        if not row.category:
            row.add("category", raw_category, "不是有效的单位类别，可选：" + "、".join(Category.labels))
    row.address = clean(raw.get("address"))
    if len(row.address) > 200:
        row.add("address", row.address, "不能超过 200 个字")
    if "sort_order" in row.provided:
        sort_order = _int(raw.get("sort_order"))
        if sort_order is None or abs(sort_order) > 1_000_000:
            row.add("sort_order", raw.get("sort_order"), "应为整数")
        else:
            row.sort_order = sort_order
    if row.code and len(row.code) <= 18:
        _check_existing(row, index)
    _resolve_parent(row, raw, state)
    return row


def _check_existing(row: UnitRow, index: OrgIndex) -> None:
    existing = index.by_code.get(row.code)
    if existing is None:
        if index.code_outside(row.code):
            row.add("code", row.code, "该代码已被其他地区的组织使用")
        return
    if existing.kind != Kind.UNIT:
        row.add("code", row.code, f"该代码属于{Kind(existing.kind).label}，不能作为参训单位导入")
    elif not existing.is_active:
        row.add("code", row.code, "该单位已停用，请先在组织机构中启用")
    else:
        row.existing = existing


def _resolve_parent(row: UnitRow, raw: dict[str, object], state: UnitFile) -> None:
    index = state.index
    parent_code, parent_name = code_of(raw.get("parent_code")), name_key(raw.get("parent_name"))
    region_code = code_of(raw.get("region_code"))
    region = None
    if region_code:
        region = index.by_code.get(region_code)
        if region is None or region.kind != Kind.REGION:
            outside = region is None and index.code_outside(region_code)
            row.add("region_code", region_code, "该区域不在您的管理范围内" if outside else "不是有效的区域代码")
            return
    if parent_code:
        key, value = "parent_code", parent_code
        if parent_code == row.code:
            row.add(key, value, "上级单位不能是本单位")
            return
        parent = index.by_code.get(parent_code)
        if parent is None:
            if parent_code in state.row_of_code:
                row.parent_row, row.parent_code = state.row_of_code[parent_code], parent_code
                return
            row.add(key, value, "上级单位不在您的管理范围内" if index.code_outside(parent_code) else "上级单位代码不存在")
            return
    elif region is not None and (not parent_name or parent_name == name_key(region.name)):
        key, value, parent = "region_code", region_code, region
    elif parent_name:
        key, value = "parent_name", parent_name
        # Units and regions may be parents; another kind found by the name still resolves, so that
        # the placement rule below can say precisely why it cannot be one.
        matches = (index.by_name_of_kinds(parent_name, (Kind.UNIT, Kind.REGION))
                   or index.by_name.get(parent_name, [])[:1])
        pending = state.new_codes_by_name.get(parent_name, [])
        if len(matches) + len(pending) > 1:
            row.add(key, value, "您的管理范围内有多个同名组织，请填写上级单位代码")
            return
        if pending:
            row.parent_row, row.parent_code = state.row_of_code[pending[0]], pending[0]
            return
        if not matches:
            row.add(key, value, "上级单位不在您的管理范围内" if index.name_outside(parent_name) else "找不到该上级单位")
            return
        parent = matches[0]
    elif row.existing is not None:
        return  # a registered unit without parent columns keeps its place
    else:
        key, value = "parent_code", ""
        parent = index.by_id.get(_root_id(index))
        if parent is None or parent.kind != Kind.REGION:
            row.add(key, value, "请填写上级单位代码、上级单位名称或所属区域代码")
            return
    if not parent.is_active:
        row.add(key, value, "上级单位已停用，不能在其下导入")
        return
    try:
        check_placement(kind=Kind.UNIT, region_level="", parent=parent)
    except DomainError as exc:
        row.add(key, value, exc.message)
        return
    if region is not None and not parent.path.startswith(region.path):
        row.add("region_code", region_code, "上级单位不在该区域内")
        return
    if row.existing is not None and parent.path.startswith(row.existing.path):
        row.add(key, value, "不能把单位挂到自身或其下级之下")
        return
    row.parent = parent


def _root_id(index: OrgIndex) -> int:
    return int(index.scope_path.strip("/").split("/")[-1])


@dataclass
class UnitOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)


def apply_row(row: UnitRow, *, actor, index: OrgIndex, outcome: UnitOutcome) -> None:
    """Create or update one checked unit inside the caller's transaction; refusals become problems."""
    try:
        parent_id = row.parent.pk if row.parent is not None else None
        if parent_id is None and row.parent_code:
            created_parent = index.by_code.get(row.parent_code)
            if created_parent is None:
                row.add("parent_code", row.parent_code, f"上级单位（第 {row.parent_row} 行）未能导入")
                outcome.problems.extend(row.problems)
                return
            parent_id = created_parent.pk
        # Paths change when a unit moves: always place under the parent as the database has it now.
        parent = Organisation.objects.get(pk=parent_id) if parent_id is not None else None
        if row.existing is None:
            org = organisation_create(
                actor=None, parent=parent, kind=Kind.UNIT, name=row.name, code=row.code, category=row.category,
                address=row.address, sort_order=row.sort_order, audit=False,
            )
            index.add(org)
            outcome.created += 1
            return
        changed = _update_fields(row, index)
        if parent is not None and parent.pk != row.existing.parent_id:
            organisation_move(actor=actor, org=Organisation.objects.get(pk=row.existing.pk), new_parent=parent)
            changed.append("parent")
        if changed:
            outcome.updated += 1
        else:
            outcome.unchanged += 1
    except DomainError as exc:
        key = {"parent": "parent_code", "name": "name", "category": "category"}.get(exc.field or "", "code")
        row.add(key, row.code if key == "code" else "", exc.message)
        outcome.problems.extend(row.problems)


def _update_fields(row: UnitRow, index: OrgIndex) -> list[str]:
    org = row.existing
    wanted = {"name": row.name}
    for key in ("category", "address", "sort_order"):
        if key in row.provided:
            wanted[key] = getattr(row, key)
    changes = {key: value for key, value in wanted.items() if getattr(org, key) != value}
    if changes:
        Organisation.objects.filter(pk=org.pk).update(**changes, updated_at=timezone.now())
        if "name" in changes:
            index.forget_name(org, org.name)
        for key, value in changes.items():
            setattr(org, key, value)
        if "name" in changes:
            index.by_name[name_key(org.name)].append(org)
    return list(changes)
