from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "ganxun.evaluation"
    label = "evaluation"
    verbose_name = "培训评估"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.evaluation import jobs  # noqa: F401  (run_huey autoloads only modules named tasks)
        from ganxun.evaluation.models import (
            ClassRating,
            EvaluationSettings,
            FollowUp,
            LearningScore,
            RectificationItem,
            RectificationNote,
            SessionRating,
        )
        from ganxun.evaluation.panels import render_learner_panel
        from ganxun.roster.panels import register_learner_panel

        klass = ("training_class__institution__path", "training_class__organiser__path")
        scope.register(EvaluationSettings, paths=klass)
        # Ratings are seen along their class; the owner (the rating cadre) sees their own only.
        scope.register(SessionRating, paths=("session__training_class__institution__path",
                                             "session__training_class__organiser__path"),
                       owner="enrollment__cadre__person__account")
        scope.register(ClassRating, paths=klass, owner="enrollment__cadre__person__account")
        scope.register(LearningScore, paths=klass, owner="enrollment__cadre__person__account")
        # A follow-up is also seen along the nominating unit: the liaison answers for their unit.
        scope.register(FollowUp, paths=("unit__path", *klass))
        scope.register(RectificationItem, paths=("institution__path", "training_class__organiser__path",
                                                 "owner_org__path"))
        scope.register(RectificationNote, paths=("item__institution__path", "item__training_class__organiser__path",
                                                 "item__owner_org__path"))
        register_learner_panel("evaluation", order=50, render=render_learner_panel)
