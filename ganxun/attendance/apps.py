from django.apps import AppConfig


class AttendanceConfig(AppConfig):
    name = "ganxun.attendance"
    label = "attendance"
    verbose_name = "签到、请假与食宿"

    def ready(self) -> None:
        from ganxun.access import scope
        from ganxun.attendance.models import AttendanceRecord, LeaveRequest, WithdrawalReview
        from ganxun.attendance.panels import render_learner_panel
        from ganxun.roster.panels import register_learner_panel

        paths = ("enrollment__unit__path", "enrollment__training_class__institution__path",
                 "enrollment__training_class__organiser__path")
        scope.register(AttendanceRecord, paths=paths, owner="enrollment__cadre__person__account")
        scope.register(LeaveRequest, paths=paths, owner="enrollment__cadre__person__account")
        scope.register(WithdrawalReview, paths=paths, owner="enrollment__cadre__person__account")
        register_learner_panel("attendance", order=10, render=render_learner_panel)
