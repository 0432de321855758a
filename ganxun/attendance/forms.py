"""Input forms of the attendance and leave pages: typing and choices only; the rules are the services'."""

from __future__ import annotations

from django import forms

from ganxun.attendance.models import AttendanceStatus, WithdrawalDecision
from ganxun.core.forms import TablerForm


class CorrectionForm(TablerForm):
    enrollment = forms.TypedChoiceField(coerce=int, label="学员")
    status = forms.ChoiceField(choices=AttendanceStatus.choices, label="更正为")
    reason = forms.CharField(max_length=200, label="更正原因", widget=forms.TextInput(attrs={"placeholder": "如：手机没电，现场核实到课"}))

    def __init__(self, *args, roster, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrollment"].choices = [("", "请选择学员")] + [
            (e.pk, f"{e.seat_no or '—'} {e.cadre.person.name}") for e in roster]


class LeaveDecisionForm(TablerForm):
    decision = forms.ChoiceField(choices=[("approve", "批准"), ("reject", "不批准")], label="审批")
    note = forms.CharField(max_length=300, required=False, label="审批意见")


class LeaveRequestForm(TablerForm):
    sessions = forms.ModelMultipleChoiceField(queryset=None, label="请假课程", widget=forms.CheckboxSelectMultiple,
                                              error_messages={"required": "请选择请假的课程。"})
    reason = forms.CharField(max_length=300, label="事由", widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": "请填写请假事由。"})

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["sessions"].queryset = sessions
        self.fields["sessions"].label_from_instance = (
            lambda s: f"{s.date:%m-%d} {s.get_slot_display()} {s.start_time:%H:%M} {s.title}")


class WithdrawalDecisionForm(TablerForm):
    decision = forms.ChoiceField(choices=WithdrawalDecision.choices, label="处理结果")
    note = forms.CharField(max_length=300, label="理由", error_messages={"required": "请填写理由。"})
