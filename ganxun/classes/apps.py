from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "ganxun.classes"
    label = "classes"
    verbose_name = "班次与课程安排"
