from django.urls import path

from ganxun.planning import views

app_name = "planning"

urlpatterns = [
    path("manage/surveys/", views.survey_list_view, name="list"),
    path("manage/surveys/new/", views.survey_create_view, name="create"),
    path("manage/surveys/<int:pk>/", views.survey_detail_view, name="detail"),
    path("manage/surveys/<int:pk>/edit/", views.survey_edit_view, name="edit"),
    path("manage/surveys/<int:pk>/questions/add/", views.question_add_view, name="question_add"),
    path("manage/surveys/<int:pk>/open/", views.survey_open_view, name="open"),
    path("manage/surveys/<int:pk>/close/", views.survey_close_view, name="close"),
    path("manage/surveys/<int:pk>/results/", views.survey_results_view, name="results"),
    path("manage/surveys/<int:pk>/results.xlsx", views.survey_export_view, name="export"),
    path("manage/surveys/questions/<int:pk>/edit/", views.question_edit_view, name="question_edit"),
    path("manage/surveys/questions/<int:pk>/remove/", views.question_remove_view, name="question_remove"),
    path("manage/surveys/questions/<int:pk>/move/", views.question_move_view, name="question_move"),
    path("learn/surveys/", views.learn_list_view, name="learn_list"),
    path("learn/surveys/<int:pk>/", views.learn_answer_view, name="learn_answer"),
]
