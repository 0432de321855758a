from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "ganxun.imports"
    label = "imports"
    verbose_name = "数据导入导出"
