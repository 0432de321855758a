"""Input of the account pages. Rules of the domain stay in the services; these only parse."""

from __future__ import annotations

from django import forms

from ganxun.access.roles import Role
from ganxun.accounts.selectors import Status
from ganxun.accounts.services import TOKEN_MAX_DAYS
from ganxun.people.search import identity_field

ROLE_CHOICES = [("", "全部角色"), *Role.choices]


class AccountFilterForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="关键词")
    qh = identity_field()
    role = forms.ChoiceField(required=False, choices=ROLE_CHOICES, label="角色")
    status = forms.ChoiceField(required=False, choices=[("", "全部状态"), *Status.CHOICES], label="状态")


class PersonSearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label="姓名或身份证号")
    qh = identity_field()
    without_account = forms.BooleanField(required=False, label="只看未开通账号的人员")


class OpenAccountForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="字母、数字和 _ . @ -，3–150 位。")


class ExternalAccountForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150, help_text="字母、数字和 _ . @ -，3–150 位。")
    # Checked by the service, whose message says why a name is needed.
    full_name = forms.CharField(label="姓名", max_length=100, required=False)
    role = forms.ChoiceField(label="角色", choices=[("", "请选择角色"), *Role.choices])
    scope = forms.IntegerField(label="范围", error_messages={"required": "请选择角色的范围。",
                                                           "invalid": "请选择角色的范围。"})
    note = forms.CharField(label="备注", max_length=200, required=False)


class RoleAssignForm(forms.Form):
    role = forms.ChoiceField(label="角色", choices=[("", "请选择角色"), *Role.choices])
    scope = forms.IntegerField(label="范围", error_messages={"required": "请选择角色的范围。",
                                                           "invalid": "请选择角色的范围。"})
    note = forms.CharField(label="备注", max_length=200, required=False)


class RoleRevokeForm(forms.Form):
    reason = forms.CharField(label="撤销原因", max_length=200, error_messages={"required": "请填写撤销原因。"})


class ActiveForm(forms.Form):
    active = forms.TypedChoiceField(choices=[("1", "启用"), ("0", "停用")], coerce=lambda v: v == "1")


class TokenCreateForm(forms.Form):
    assignment = forms.ModelChoiceField(queryset=None, label="令牌使用的角色", empty_label=None,
                                        error_messages={"required": "请选择令牌使用的角色。",
                                                        "invalid_choice": "令牌的角色必须是该账号当前持有的角色。"})
    name = forms.CharField(label="名称（用途）", max_length=100)
    expires_days = forms.IntegerField(label="有效期（天）", min_value=1, max_value=TOKEN_MAX_DAYS, initial=90)

    def __init__(self, *args, roles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignment"].queryset = roles
        self.fields["assignment"].label_from_instance = lambda a: f"{a.get_role_display()} · {a.scope.name}"
