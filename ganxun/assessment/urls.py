from django.urls import path

from ganxun.assessment import views

app_name = "assessment"

urlpatterns = [
    path("manage/classes/<int:pk>/assessment/", views.table_view, name="table"),
    path("manage/classes/<int:pk>/assessment/export/", views.export_view, name="export"),
    path("manage/classes/<int:pk>/assessment/rule/", views.rule_view, name="rule"),
    path("manage/classes/<int:pk>/assessment/exam/", views.exam_view, name="exam"),
    path("manage/classes/<int:pk>/assessment/exam/template/", views.exam_template_view, name="exam_template"),
    path("manage/classes/<int:pk>/assessment/exam/upload/", views.exam_upload_view, name="exam_upload"),
    path("manage/classes/<int:pk>/assessment/reflections/", views.reflections_view, name="reflections"),
    path("manage/classes/<int:pk>/assessment/reflections/<int:reflection_pk>/", views.reflection_view,
         name="reflection"),
    path("manage/classes/<int:pk>/assessment/discipline/", views.discipline_view, name="discipline"),
    path("manage/classes/<int:pk>/assessment/discipline/<int:note_pk>/withdraw/", views.discipline_withdraw_view,
         name="discipline_withdraw"),
    path("manage/classes/<int:pk>/close/", views.close_view, name="close"),
    path("manage/classes/<int:pk>/certificates/", views.certificates_view, name="certificates"),
    path("manage/classes/<int:pk>/certificates/<int:enrollment_pk>/", views.certificate_view, name="certificate"),
    path("learn/classes/<int:class_pk>/reflection/", views.learn_reflection_view, name="learn_reflection"),
    path("learn/classes/<int:class_pk>/certificate/", views.learn_certificate_view, name="learn_certificate"),
]
