from django.apps import AppConfig


class LrsConfig(AppConfig):
    name = "ganxun.lrs"
    label = "lrs"
    verbose_name = "学习记录库（xAPI）"
