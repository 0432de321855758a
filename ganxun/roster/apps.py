from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "ganxun.roster"
    label = "roster"
    verbose_name = "调训与名单"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.roster.models import Enrollment, TrainingCall, UnitQuota

        # A call is seen along its class's paths; a unit's quota and its enrollments also along
        # the unit (the liaison's scope). An enrollment keeps the unit that nominated the cadre,
        # so a later transfer does not move the record out of that liaison's view.
        scope.register(TrainingCall, paths=("training_class__institution__path", "training_class__organiser__path"))
        scope.register(UnitQuota, paths=("unit__path", "call__training_class__institution__path",
                                         "call__training_class__organiser__path"))
        scope.register(Enrollment, paths=("unit__path", "training_class__institution__path",
                                          "training_class__organiser__path"), owner="cadre__person__account")
