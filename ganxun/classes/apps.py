from django.apps import AppConfig


class ClassesConfig(AppConfig):
    name = "ganxun.classes"
    label = "classes"
    verbose_name = "班次与课程安排"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.classes import jobs  # noqa: F401  (run_huey autoloads only modules named tasks)
        from ganxun.classes.models import Room, Session, TrainingClass

        # A class is seen along its institution's path and along the path of the region that
        # runs it; teachers and head teachers are narrowed further in the selectors.
        scope.register(TrainingClass, paths=("institution__path", "organiser__path"),
                       owner="sessions__teacher__person__account")
        scope.register(Session, paths=("training_class__institution__path", "training_class__organiser__path"),
                       owner="teacher__person__account")
        scope.register(Room, paths=("institution__path",))
