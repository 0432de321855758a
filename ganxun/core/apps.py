from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "ganxun.core"
    label = "core"
    verbose_name = "核心"
