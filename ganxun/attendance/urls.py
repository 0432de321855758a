from django.urls import path

from ganxun.attendance import views

app_name = "attendance"

urlpatterns = [
    path("manage/classes/<int:pk>/attendance/", views.class_attendance_view, name="class"),
    path("manage/classes/<int:pk>/attendance/export/", views.class_attendance_export_view, name="export"),
    path("manage/classes/<int:pk>/attendance/sessions/<int:session_pk>/", views.session_screen_view, name="session"),
    path("manage/classes/<int:pk>/attendance/sessions/<int:session_pk>/qr/", views.session_qr_view, name="qr"),
    path("manage/classes/<int:pk>/attendance/sessions/<int:session_pk>/roll/", views.session_roll_view, name="roll"),
    path("manage/classes/<int:pk>/attendance/sessions/<int:session_pk>/correct/", views.session_correct_view,
         name="correct"),
    path("manage/classes/<int:pk>/leave/", views.leave_list_view, name="leave_list"),
    path("manage/classes/<int:pk>/leave/<int:leave_pk>/decide/", views.leave_decide_view, name="leave_decide"),
    path("manage/attendance/withdrawals/", views.withdrawal_list_view, name="withdrawals"),
    path("manage/attendance/withdrawals/<int:enrollment_pk>/", views.withdrawal_decide_view,
         name="withdrawal_decide"),
    path("learn/checkin/", views.learn_checkin_view, name="learn_checkin"),
    path("learn/attendance/<int:enrollment_pk>/", views.learn_class_view, name="learn_class"),
    path("learn/attendance/<int:enrollment_pk>/leave/", views.learn_leave_view, name="learn_leave"),
    path("learn/attendance/leave/<int:leave_pk>/cancel/", views.learn_leave_cancel_view, name="learn_leave_cancel"),
]
