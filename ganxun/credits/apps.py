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

        # Annual plans drafted from a survey add the region's least-studied topics (planning is below).
        from ganxun.credits.selectors import topic_coverage_for
        from ganxun.planning.plan_services import register_coverage_source

        register_coverage_source(topic_coverage_for)
