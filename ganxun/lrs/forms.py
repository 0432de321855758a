"""Input of the LRS client pages. Rules of the domain stay in `lrs.clients`; these only parse."""

from __future__ import annotations

from django import forms


class ClientCreateForm(forms.Form):
    name = forms.CharField(label="名称", max_length=100, help_text="对接的系统或应用，例如“某某市网络学院”。")
    can_write = forms.BooleanField(label="可写入语句", required=False, initial=True)
    can_read_own = forms.BooleanField(label="可读本客户端写入的语句", required=False, initial=True)
    can_read_all = forms.BooleanField(label="可读全部语句", required=False, initial=False)
    can_documents = forms.BooleanField(label="可读写文档（状态、档案）", required=False, initial=True)
    scope = forms.ModelChoiceField(queryset=None, label="数据范围", required=False, empty_label="全平台（不限）",
                                   error_messages={"invalid_choice": "该地区不在您的管理范围内。"})

    def __init__(self, *args, scope_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].queryset = scope_choices
        self.fields["scope"].label_from_instance = lambda org: "　" * max(org.depth - 1, 0) + org.name


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "启用"), ("0", "停用")], coerce=lambda v: v == "1")
