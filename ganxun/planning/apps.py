from django.apps import AppConfig


class PlanningConfig(AppConfig):
    name = "ganxun.planning"
    label = "planning"
    verbose_name = "需求调研与培训计划"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.planning.models import Answer, Survey, SurveyInvitation, SurveyResponse

        # A survey is seen by the owner's subtree, by roles whose scope holds invited units
        # (liaisons), and by the invited cadres themselves (the selector adds distinct()).
        scope.register(Survey, paths=("owner_org__path", "invitations__unit__path"),
                       owner="invitations__cadre__person__account")
        scope.register(SurveyInvitation, paths=("unit__path",), owner="cadre__person__account")
        scope.register(SurveyResponse, paths=("invitation__unit__path",), owner="invitation__cadre__person__account")
        scope.register(Answer, paths=("response__invitation__unit__path",),
                       owner="response__invitation__cadre__person__account")

        # Annual plans hang on their region; an institution's staff also see plans with a
        # class assigned to their institution (selectors add distinct()).
        from ganxun.planning.models import AnnualPlan, PlanAdjustment, PlanItem

        scope.register(AnnualPlan, paths=("region__path", "items__institution__path"))
        scope.register(PlanItem, paths=("plan__region__path", "institution__path"))
        scope.register(PlanAdjustment, paths=("plan__region__path", "item__institution__path"))
