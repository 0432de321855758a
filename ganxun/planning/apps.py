from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "ganxun.planning"
    label = "planning"
    verbose_name = "需求调研与培训计划"
