from django.apps import AppConfig


class CreditsConfig(AppConfig):
    name = "ganxun.credits"
    label = "credits"
    verbose_name = "学时账本"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.credits.models import CreditRecord

        # A cadre's ledger is seen along the cadre's current unit; the cadre sees their own.
        scope.register(CreditRecord, paths=("cadre__unit__path",), owner="cadre__person__account")
