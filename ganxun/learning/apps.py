from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "ganxun.learning"
    label = "learning"
    verbose_name = "网络学习"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.learning import jobs  # noqa: F401  (run_huey autoloads only modules named tasks)
        from ganxun.learning.models import Course, CourseMedia, StudyProgress

        # A course belongs to the org department or institution that publishes it; learners reach
        # published courses through selectors.course_get_for_learner, not through this rule.
        scope.register(Course, paths=("owner__path",))
        scope.register(CourseMedia, paths=("course__owner__path",))
        # Progress is seen along the learner's unit and the course owner; a learner sees their own.
        scope.register(StudyProgress, paths=("cadre__unit__path", "course__owner__path"), owner="account")
