from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "ganxun.archive"
    label = "archive"
    verbose_name = "培训档案"
