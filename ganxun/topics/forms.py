"""Input forms of the topic pages (rendering and typing; the rules are topics.services')."""

from __future__ import annotations

from django import forms

from ganxun.core.forms import TablerForm


class TopicForm(TablerForm):
    name = forms.CharField(label="名称", max_length=120, required=False)
    name.show_required = True  # the service requires it; the form stays lenient
    description = forms.CharField(label="说明", max_length=600, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TopicEditForm(TopicForm):
    sort_order = forms.IntegerField(label="排序", required=False, help_text="同一上级下数字小的排在前面；编码不随之改变。")
