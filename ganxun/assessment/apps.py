from django.apps import AppConfig


class AssessmentConfig(AppConfig):
    name = "ganxun.assessment"
    label = "assessment"
    verbose_name = "考核与结业"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.assessment.models import (
            AssessmentResult,
            ClassClosing,
            CompletionRule,
            DisciplineNote,
            ExamScore,
            Reflection,
        )
        from ganxun.assessment.panels import render_learner_panel
        from ganxun.roster.panels import register_learner_panel

        # Assessment data is seen along its class (institution, organiser region); a closed
        # result also along the cadre's current unit (the training archive), and by the cadre.
        class_paths = ("training_class__institution__path", "training_class__organiser__path")
        enrollment_paths = tuple(f"enrollment__{p}" for p in class_paths)
        scope.register(CompletionRule, paths=class_paths)
        scope.register(ClassClosing, paths=class_paths)
        scope.register(ExamScore, paths=enrollment_paths, owner="enrollment__cadre__person__account")
        scope.register(Reflection, paths=enrollment_paths, owner="enrollment__cadre__person__account")
        scope.register(DisciplineNote, paths=enrollment_paths)
        scope.register(AssessmentResult, paths=(*class_paths, "cadre__unit__path"), owner="cadre__person__account")
        register_learner_panel("assessment", order=40, render=render_learner_panel)
