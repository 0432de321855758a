from django.apps import AppConfig


class CourseworkConfig(AppConfig):
    name = "ganxun.coursework"
    label = "coursework"
    verbose_name = "课程测试、心得与讨论"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.coursework.models import CourseReflection, DiscussionPost, Question, TestAttempt

        # Everything here hangs on its course, and the course on its owner (learning's rule).
        scope.register(Question, paths=("course__owner__path",))
        scope.register(TestAttempt, paths=("course__owner__path",), owner="account")
        scope.register(CourseReflection, paths=("course__owner__path",), owner="account")
        scope.register(DiscussionPost, paths=("course__owner__path",), owner="author")
