from django.apps import AppConfig


class ImportsConfig(AppConfig):
    name = "ganxun.imports"
    label = "imports"
    verbose_name = "数据导入导出"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.imports import jobs  # noqa: F401  (run_huey autoloads only modules named tasks)
        from ganxun.imports.models import ImportJob

        # A job lies where the role used to upload it is held; its owner is the uploader.
        scope.register(ImportJob, paths=("role__scope__path",), owner="created_by")
