from django.apps import AppConfig


class RosterConfig(AppConfig):
    name = "ganxun.roster"
    label = "roster"
    verbose_name = "调训与名单"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.classes.services import register_transition_guard, register_update_guard
        from ganxun.roster import hooks
        from ganxun.roster.models import Enrollment, NamedCadre, QuotaChange, TrainingCall, UnitQuota

        # A call is seen along its class's paths (the org department, the institution, leaders)
        # and along the units it gives a quota to or names cadres of (the liaisons); the
        # selectors keep drafts to the class's side. A unit's quota and its enrollments are also
        # seen along the unit (the liaison's scope). An enrollment keeps the unit that nominated
        # the cadre, so a later transfer does not move the record out of that liaison's view.
        scope.register(TrainingCall, paths=("training_class__institution__path", "training_class__organiser__path",
                                            "quotas__unit__path", "named__unit__path"))
        scope.register(UnitQuota, paths=("unit__path", "call__training_class__institution__path",
                                         "call__training_class__organiser__path"))
        scope.register(QuotaChange, paths=("unit__path", "call__training_class__institution__path",
                                           "call__training_class__organiser__path"))
        scope.register(NamedCadre, paths=("unit__path", "call__training_class__institution__path",
                                          "call__training_class__organiser__path"))
        scope.register(Enrollment, paths=("unit__path", "training_class__institution__path",
                                          "training_class__organiser__path"), owner="cadre__person__account")
        register_update_guard(hooks.capacity_below_roster)
        register_update_guard(hooks.dates_overlap_roster)
        register_transition_guard(hooks.draft_after_issued_call)
