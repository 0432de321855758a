from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "ganxun.logistics"
    label = "logistics"
    verbose_name = "就餐与住宿"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.logistics.learn_views import render_panel
        from ganxun.logistics.models import (
            ClassLogistics,
            EnrollmentLogistics,
            LodgingAssignment,
            LodgingRoom,
            MealChoice,
        )
        from ganxun.roster.panels import register_learner_panel

        # Settings hang on the class (its institution and organiser); a cadre's meals, needs and
        # room on the enrollment, like attendance (the unit's liaison, the institution, the
        # organiser; the cadre owns them). Guest rooms belong to their institution.
        class_paths = ("training_class__institution__path", "training_class__organiser__path")
        enrollment_paths = ("enrollment__unit__path", "enrollment__training_class__institution__path",
                            "enrollment__training_class__organiser__path")
        owner = "enrollment__cadre__person__account"
        scope.register(ClassLogistics, paths=class_paths)
        scope.register(MealChoice, paths=enrollment_paths, owner=owner)
        scope.register(EnrollmentLogistics, paths=enrollment_paths, owner=owner)
        scope.register(LodgingAssignment, paths=enrollment_paths, owner=owner)
        scope.register(LodgingRoom, paths=("institution__path",))

        register_learner_panel("logistics", order=30, render=render_panel)
