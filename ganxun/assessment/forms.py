"""Input forms of the assessment pages: typing and choices only; the rules are the services'."""

from __future__ import annotations

from django import forms

from ganxun.assessment.models import ExamPolicy, ReflectionGrade, Severity
from ganxun.core.forms import TablerForm

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
PASSING_GRADES = [(value, label) for value, label in ReflectionGrade.choices if value != ReflectionGrade.FAIL]


class RuleForm(TablerForm):
    min_attendance_rate = forms.DecimalField(max_digits=5, decimal_places=1, label="最低出勤率（%）",
                                             help_text="出勤率 = 出勤（含迟到）节数 ÷ 课程节数；请假计为未出勤")
    exam_policy = forms.ChoiceField(choices=ExamPolicy.choices, label="考试要求")
    exam_full_mark = forms.DecimalField(max_digits=5, decimal_places=1, label="考试满分")
    exam_pass_mark = forms.DecimalField(max_digits=5, decimal_places=1, label="考试合格分")
    reflection_required = forms.BooleanField(required=False, label="要求提交学习心得")
    reflection_min_length = forms.IntegerField(label="学习心得最少字数", help_text="不计空白字符")
    reflection_min_grade = forms.ChoiceField(choices=PASSING_GRADES, label="学习心得最低评定")

    def service_data(self) -> dict:
        return dict(self.cleaned_data)


class GradeForm(TablerForm):
    grade = forms.ChoiceField(choices=ReflectionGrade.choices, widget=forms.RadioSelect, label="评定")
    comment = forms.CharField(required=False, max_length=500, label="评语",
                              widget=forms.Textarea(attrs={"rows": 3}), help_text="评定为不合格时必填")


class DisciplineForm(TablerForm):
    enrollment = forms.TypedChoiceField(coerce=int, label="学员")
    date = forms.DateField(widget=DATE, label="日期")
    severity = forms.ChoiceField(choices=Severity.choices, label="性质",
                                 help_text="有“严重”违纪记录的学员不能结业")
    text = forms.CharField(max_length=500, label="情况", widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, enrollments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrollment"].choices = [("", "请选择")] + [
            (e.pk, f"{e.seat_no or '—'} {e.cadre.person.name}（{e.unit.name}）") for e in enrollments]


class WithdrawForm(TablerForm):
    reason = forms.CharField(max_length=200, label="撤销原因")


class ScoreUploadForm(TablerForm):
    file = forms.FileField(label="成绩表（.xlsx）")


class ReflectionForm(TablerForm):
    title = forms.CharField(required=False, max_length=100, label="标题")
    text = forms.CharField(label="正文", max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 14, "data-count-target": "reflection-count"}))
