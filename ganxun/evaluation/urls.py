from django.urls import path

from ganxun.evaluation import panels, views

app_name = "evaluation"

urlpatterns = [
    path("manage/evaluation/", views.index_view, name="index"),
    path("manage/evaluation/overview/", views.overview_view, name="overview"),
    path("manage/evaluation/rankings/", views.rankings_view, name="rankings"),
    path("manage/evaluation/mine/", views.mine_view, name="mine"),
    path("manage/evaluation/classes/<int:pk>/", views.class_detail_view, name="class_detail"),
    path("manage/evaluation/classes/<int:pk>/settings/", views.class_settings_view, name="class_settings"),
    path("manage/evaluation/classes/<int:pk>/check/", views.class_check_view, name="class_check"),
    path("manage/evaluation/classes/<int:pk>/scores/", views.scores_view, name="scores"),
    path("manage/evaluation/classes/<int:pk>/scores/enable/", views.scores_enable_view, name="scores_enable"),
    path("manage/evaluation/classes/<int:pk>/scores/template/", views.scores_template_view, name="scores_template"),
    path("manage/evaluation/classes/<int:pk>/scores/upload/", views.scores_upload_view, name="scores_upload"),
    path("manage/evaluation/followups/", views.followups_view, name="followups"),
    path("manage/evaluation/followups/overview/", views.followup_overview_view, name="followup_overview"),
    path("manage/evaluation/followups/classes/<int:pk>/", views.followup_class_view, name="followup_class"),
    path("manage/rectifications/", views.rectification_list_view, name="rectifications"),
    path("manage/rectifications/new/", views.rectification_create_view, name="rectification_create"),
    path("manage/rectifications/<int:pk>/", views.rectification_detail_view, name="rectification_detail"),
    path("learn/evaluation/", panels.learn_view, name="learn"),
    path("learn/evaluation/sessions/<int:pk>/", panels.learn_session_rate_view, name="learn_session_rate"),
    path("learn/evaluation/classes/<int:pk>/", panels.learn_class_rate_view, name="learn_class_rate"),
]
