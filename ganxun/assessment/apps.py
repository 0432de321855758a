from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "ganxun.assessment"
    label = "assessment"
    verbose_name = "考核与结业"
