"""Input forms of the ledger pages: typing only; the rules are credits.services'."""

from __future__ import annotations

from django import forms

from ganxun.core.forms import TablerForm


class CorrectionForm(TablerForm):
    reason = forms.CharField(max_length=300, label="更正原因", widget=forms.Textarea(attrs={"rows": 2}),
                             help_text="写入冲销记录和审计日志，不能省略")
    new_hours = forms.DecimalField(required=False, max_digits=6, decimal_places=2, min_value=0,
                                   label="更正后的学时", help_text="留空表示只冲销（这条学时全部取消）")
    new_earned_on = forms.DateField(required=False, label="更正后的日期",
                                    widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                    help_text="留空则沿用原日期")
