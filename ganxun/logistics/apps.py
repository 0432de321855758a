from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "ganxun.logistics"
    label = "logistics"
    verbose_name = "就餐与住宿"
