from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "ganxun.org"
    label = "org"
    verbose_name = "组织机构"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.org.models import Organisation

        scope.register(Organisation, paths=("path",))
