"""Input of the recognition pages (the services check the rules again)."""

from __future__ import annotations

from django import forms

from ganxun.core.forms import TablerForm
from ganxun.recognition.models import AmountUnit, ClaimStatus


class RuleFields(TablerForm):
    effective_from = forms.DateField(label="生效日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    amount_per_hour = forms.DecimalField(label="折合 1 学时所需数量", min_value=0.01, max_digits=10, decimal_places=2,
                                         help_text="如 30 积分 = 1 学时，填 30；按分钟计量时 45 分钟 = 1 学时，填 45")
    yearly_cap_hours = forms.DecimalField(label="每人每年认定上限（学时）", required=False, min_value=0, max_digits=6,
                                          decimal_places=2, help_text="空表示不设上限；按该平台、每个干部、取得日期所在年度计算")
    needs_approval = forms.BooleanField(label="需组织部门审核", required=False, initial=True,
                                        help_text="不勾选时按规则自动认定")


class SourceForm(RuleFields):
    name = forms.CharField(label="平台名称", max_length=100)
    unit = forms.ChoiceField(label="计量单位", choices=AmountUnit.choices)
    owner = forms.ModelChoiceField(label="管理区域", queryset=None, empty_label=None)
    client = forms.ModelChoiceField(label="推送客户端（xAPI）", queryset=None, required=False,
                                    empty_label="不推送，仅表格上传")
    field_order = ["name", "unit", "owner", "client", "effective_from", "amount_per_hour", "yearly_cap_hours",
                   "needs_approval"]

    def __init__(self, *args, owners, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        self.fields["client"].queryset = clients


class SourceEditForm(TablerForm):
    name = forms.CharField(label="平台名称", max_length=100)
    client = forms.ModelChoiceField(label="推送客户端（xAPI）", queryset=None, required=False,
                                    empty_label="不推送，仅表格上传")
    is_active = forms.BooleanField(label="启用", required=False)

    def __init__(self, *args, clients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class UploadForm(TablerForm):
    source = forms.ModelChoiceField(label="平台", queryset=None, empty_label=None)
    file = forms.FileField(label="导出文件（.xlsx 或 .csv）")

    def __init__(self, *args, sources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = sources


class RejectForm(TablerForm):
    reason = forms.CharField(label="不予认定的原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", "全部")] + list(ClaimStatus.choices), required=False)
    source = forms.IntegerField(required=False, min_value=1)
    q = forms.CharField(required=False, max_length=50)
