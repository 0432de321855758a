from django.apps import AppConfig


class LrsConfig(AppConfig):
    name = "ganxun.lrs"
    label = "lrs"
    verbose_name = "学习记录库（xAPI）"

    def ready(self):
        from ganxun.lrs import jobs  # noqa: F401  (run_huey autoloads only modules named tasks)
