"""Input forms of the import pages (the cadre export reuses people.forms.CadreFilterForm)."""

from __future__ import annotations

from django import forms

from ganxun.imports.models import ImportJob


class UploadForm(forms.Form):
    kind = forms.ChoiceField(choices=ImportJob.Kind.choices, label="导入类型")
    file = forms.FileField(label="Excel 文件（.xlsx）")


class UnitExportForm(forms.Form):
    inactive = forms.BooleanField(required=False, label="含已停用单位")
