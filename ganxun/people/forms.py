"""Input forms of the people pages. CadreFilterForm is shared by the list page and the export."""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet

from ganxun.core.errors import NotFound
from ganxun.org.models import Category
from ganxun.org.selectors import organisation_get_for
from ganxun.people.choices import Gender, Rank
from ganxun.people.models import Cadre
from ganxun.people.selectors import cadre_list_for


class CadreFilterForm(forms.Form):
    """GET parameters of the cadre list (and of its export, which must select the same rows).

    q: name, or an exact ID number / phone; unit: organisation id (its sub-units
    included unless subunits=0); rank, category, gender: enum values;
    leader: "1" leaders only, "0" non-leaders; inactive=1 includes those who left.
    """

    q = forms.CharField(required=False, max_length=50, label="姓名/身份证号/手机号")
    unit = forms.IntegerField(required=False, min_value=1, label="单位")
    subunits = forms.ChoiceField(required=False, choices=[("1", "含下级单位"), ("0", "仅本单位")], label="范围")
    rank = forms.ChoiceField(required=False, choices=[("", "全部职级")] + list(Rank.choices), label="职级")
    category = forms.ChoiceField(required=False, choices=[("", "全部类别")] + list(Category.choices), label="干部类别")
    leader = forms.ChoiceField(required=False, choices=[("", "全部"), ("1", "领导职务"), ("0", "非领导职务")],
                               label="领导职务")
    gender = forms.ChoiceField(required=False, choices=[("", "全部")] + list(Gender.choices), label="性别")
    inactive = forms.BooleanField(required=False, label="含离职人员")

    def cadres(self, actor) -> QuerySet[Cadre]:
        """The selected cadres, through the scope gate. Invalid filters or an
        out-of-scope unit select nothing: a bad parameter never widens the list."""
        if not self.is_valid():
            return Cadre.objects.none()
        data = self.cleaned_data
        unit = None
        if data.get("unit"):
            try:
                unit = organisation_get_for(actor, data["unit"])
            except NotFound:
                return Cadre.objects.none()
        return cadre_list_for(
            actor,
            q=data.get("q") or "",
            unit=unit,
            include_subunits=data.get("subunits") != "0",
            rank=data.get("rank") or "",
            category=data.get("category") or "",
            is_leader={"1": True, "0": False}.get(data.get("leader") or ""),
            gender=data.get("gender") or "",
            include_inactive=bool(data.get("inactive")),
        )
