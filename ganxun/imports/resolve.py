"""Finding organisations named in a workbook, inside the importer's scope, without a query per row."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from ganxun.core.idcard import id_from_cell
from ganxun.core.text import clean
from ganxun.org.models import Organisation

Kind = Organisation.Kind
_FIELDS = ("id", "name", "code", "kind", "region_level", "is_active", "path", "depth", "parent_id", "category",
           "address", "sort_order", "short_name")


def code_of(cell: object) -> str:
    """A code as a cell holds it: text, or a number (339101.0 → "339101")."""
    if isinstance(cell, str) and cell.isascii() and cell.isalnum():
        return cell.upper()  # the common case, without the full cleaning
    return id_from_cell(cell)


def name_key(cell: object) -> str:
    return clean(cell).replace(" ", "")


@dataclass(frozen=True)
class Miss:
    """Why a reference did not resolve: the column it came from, its value and the reason."""

    column: str
    value: str
    reason: str


class OrgIndex:
    """Organisations of one scope subtree by code and by name, loaded once per pass.

    Look-ups outside the scope (to say "not yours" rather than "missing") are
    single queries, cached, and only happen for rows that are wrong anyway.
    """

    def __init__(self, scope_path: str):
        self.scope_path = scope_path
        self.by_id: dict[int, Organisation] = {}
        self.by_code: dict[str, Organisation] = {}
        self.by_name: dict[str, list[Organisation]] = defaultdict(list)
        for org in Organisation.objects.filter(path__startswith=scope_path).only(*_FIELDS).iterator(chunk_size=2000):
            self.add(org)
        self._code_outside: dict[str, bool] = {}
        self._name_outside: dict[str, bool] = {}

    def add(self, org: Organisation) -> None:
        self.by_id[org.pk] = org
        if org.code:
            self.by_code[org.code] = org
        self.by_name[name_key(org.name)].append(org)

    def forget_name(self, org: Organisation, old_name: str) -> None:
        entries = self.by_name.get(name_key(old_name), [])
        if org in entries:
            entries.remove(org)

    def code_outside(self, code: str) -> bool:
        if code not in self._code_outside:
            self._code_outside[code] = Organisation.objects.filter(code=code).exists()
        return self._code_outside[code]

    def name_outside(self, name: str) -> bool:
        if name not in self._name_outside:
            self._name_outside[name] = Organisation.objects.filter(name=name).exists()
        return self._name_outside[name]

    def by_name_of_kinds(self, name: str, kinds: tuple[str, ...]) -> list[Organisation]:
        found = [o for o in self.by_name.get(name, []) if o.kind in kinds]
        active = [o for o in found if o.is_active]
        return active or found

    def unit_for_cadre(self, code_cell: object, name_cell: object) -> tuple[Organisation | None, Miss | None]:
        """The unit a cadre row names: by 单位代码 (wins) or by a name unique in the scope."""
        code = code_of(code_cell)
        name = "" if code else name_key(name_cell)
        if code:
            column, value = "单位代码", code
            org = self.by_code.get(code)
            if org is None:
                if self.code_outside(code):
                    return None, Miss(column, value, "该单位不在您的管理范围内")
                return None, Miss(column, value, "单位代码不存在")
        elif name:
            column, value = "单位名称", name
            matches = self.by_name_of_kinds(name, (Kind.UNIT,))
            if not matches:
                if self.by_name.get(name):
                    return None, Miss(column, value, "干部只能登记在参训单位下")
                if self.name_outside(name):
                    return None, Miss(column, value, "该单位不在您的管理范围内")
                return None, Miss(column, value, "在您的管理范围内找不到该单位")
            if len(matches) > 1:
                return None, Miss(column, value, "您的管理范围内有多个同名单位，请填写单位代码")
            org = matches[0]
        else:
            return None, Miss("单位名称", "", "单位代码或单位名称必填")
        if org.kind != Kind.UNIT:
            return None, Miss(column, value, "干部只能登记在参训单位下")
        if not org.is_active:
            return None, Miss(column, value, "单位已停用")
        return org, None
