"""Input forms of the organisation pages: rendering and basic typing only.

The tree's rules (who may create what where, unique codes, placement) are the
services'; their DomainError is put back on the form with `add_domain_error`.
"""

from __future__ import annotations

from django import forms

from ganxun.core.forms import TablerForm
from ganxun.org.models import Category, Organisation

Kind = Organisation.Kind
Level = Organisation.RegionLevel


class OrganisationSearchForm(TablerForm):
    q = forms.CharField(required=False, max_length=100, label="名称/简称/代码")
    kind = forms.ChoiceField(required=False, choices=[("", "全部类型")] + list(Kind.choices), label="类型")
    inactive = forms.BooleanField(required=False, label="含已停用")

    @property
    def is_search(self) -> bool:
        """A flat result list instead of the tree when a name or kind is asked for
        (the inactive toggle alone keeps the tree and shows its inactive nodes)."""
        return self.is_valid() and bool(self.cleaned_data["q"] or self.cleaned_data["kind"])


class OrganisationEditForm(TablerForm):
    """The fields an existing node may change (its kind and level are fixed)."""

    name = forms.CharField(label="名称", max_length=200, required=False)
    name.show_required = True  # the service requires it; the form stays lenient
    short_name = forms.CharField(label="简称", max_length=40, required=False)
    code = forms.CharField(label="代码", max_length=40, required=False,
                           help_text="行政区域填区划代码，其他组织填统一社会信用代码，可留空。")
    category = forms.ChoiceField(label="单位类别", required=False, choices=[("", "—")] + list(Category.choices))
    address = forms.CharField(label="地址", max_length=200, required=False)
    sort_order = forms.IntegerField(label="排序", required=False, initial=0,
                                    help_text="数字小的排在前面。")

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {"name": data["name"], "code": data["code"] or None, "category": data.get("category") or "",
                "short_name": data["short_name"], "address": data["address"], "sort_order": data["sort_order"] or 0}


class OrganisationCreateForm(OrganisationEditForm):
    """A new node under a given parent; `kind_level` offers only what the actor may create there."""

    kind_level = forms.ChoiceField(label="类型")

    field_order = ["kind_level", "name", "short_name", "code", "category", "address", "sort_order"]

    def __init__(self, *args, kinds: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind_level"].choices = [
            (f"{kind}:{level}", f"{Kind(kind).label}（{Level(level).label}）" if level else Kind(kind).label)
            for kind, level in kinds
        ]

    def service_kwargs(self) -> dict:
        kwargs = super().service_kwargs()
        kind, _, level = self.cleaned_data["kind_level"].partition(":")
        kwargs.update(kind=kind, region_level=level)
        return kwargs


class OrganisationMoveForm(TablerForm):
    """The new parent, by id: the page offers the candidates, the service checks placement."""

    new_parent = forms.IntegerField(label="新的上级", min_value=1, error_messages={
        "required": "请选择新的上级。", "invalid": "请选择新的上级。"})
