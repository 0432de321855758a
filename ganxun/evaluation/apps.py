from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "ganxun.evaluation"
    label = "evaluation"
    verbose_name = "培训评估"
