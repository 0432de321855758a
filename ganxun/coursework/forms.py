"""Input of the coursework pages (the services re-check every rule)."""

from __future__ import annotations

from django import forms

from ganxun.coursework.models import QuestionKind, ReflectionGrade


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label="题型", choices=QuestionKind.choices)
    stem = forms.CharField(label="题干", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    options = forms.CharField(label="选项（每行一个，依次为 A、B、C…；判断题不填）", required=False,
                              widget=forms.Textarea(attrs={"rows": 5}))
    answer = forms.CharField(label="正确答案", max_length=20,
                             help_text="选择题填字母，如 B 或 AC；判断题填 对 或 错")
    explanation = forms.CharField(label="解析（交卷后向学员显示）", required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 2}))

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        kind = data["kind"]
        raw = data["answer"].strip().upper()
        if kind == QuestionKind.TRUE_FALSE:
            answer = {"对": ["true"], "正确": ["true"], "TRUE": ["true"], "错": ["false"], "错误": ["false"],
                      "FALSE": ["false"]}.get(raw, [raw])
            options = []
        else:
            answer = [ch for ch in raw if ch.strip() and ch not in ",，、 "]
            options = data["options"].replace("\r\n", "\n").split("\n")
        return {"kind": kind, "stem": data["stem"], "options": options, "answer": answer,
                "explanation": data["explanation"]}

    @staticmethod
    def initial_of(question) -> dict:
        if question.kind == QuestionKind.TRUE_FALSE:
            answer = "对" if question.answer == ["true"] else "错"
        else:
            answer = "".join(question.answer)
        return {"kind": question.kind, "stem": question.stem, "options": "\n".join(question.options),
                "answer": answer, "explanation": question.explanation}


class TestSettingsForm(forms.Form):
    draw_count = forms.IntegerField(label="每次抽题数", min_value=1, max_value=200, initial=10)
    time_limit_minutes = forms.IntegerField(label="限时（分钟）", min_value=1, max_value=600, initial=20)
    pass_mark = forms.IntegerField(label="合格线（百分制）", min_value=1, max_value=100, initial=60)
    max_attempts = forms.IntegerField(label="最多作答次数", min_value=1, max_value=50, initial=3)
    is_open = forms.BooleanField(label="开放作答", required=False)


class ReflectionRuleForm(forms.Form):
    is_open = forms.BooleanField(label="接收学习心得", required=False, initial=True)
    min_length = forms.IntegerField(label="最少字数（不计空白）", min_value=1, max_value=10000, initial=300)


class ReflectionForm(forms.Form):
    text = forms.CharField(label="学习心得", max_length=20000, widget=forms.Textarea(attrs={"rows": 12}))


class GradeForm(forms.Form):
    grade = forms.ChoiceField(label="评定", choices=[("", "—")] + ReflectionGrade.choices, required=False)
    comment = forms.CharField(label="评语 / 修改意见", max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))


class PostForm(forms.Form):
    text = forms.CharField(label="内容", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    parent = forms.IntegerField(required=False, min_value=1)


class HideForm(forms.Form):
    reason = forms.CharField(label="隐藏原因", max_length=200, required=False)


def answers_from_post(attempt, data) -> dict[str, list[str]]:
    """The paper's answers from a POST: field q<id> (one value, or several for multiple choice)."""
    answers = {}
    for question in attempt.questions:
        given = [value for value in data.getlist(f"q{question['id']}") if value]
        if given:
            answers[str(question["id"])] = given
    return answers


