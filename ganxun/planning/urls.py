from django.urls import path

from ganxun.planning import views

app_name = "planning"

urlpatterns = [
    path("manage/surveys/", views.survey_list_view, name="list"),
    path("manage/surveys/new/", views.survey_create_view, name="create"),
    path("manage/surveys/cadre-search/", views.named_cadre_search_view, name="cadre_search"),
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

# The annual training plan (年度培训计划).
from ganxun.planning import plan_views  # noqa: E402

urlpatterns += [
    path("manage/plans/", plan_views.plan_list_view, name="plan_list"),
    path("manage/plans/new/", plan_views.plan_create_view, name="plan_create"),
    path("manage/plans/generate/", plan_views.plan_generate_view, name="plan_generate"),
    path("manage/plans/<int:pk>/", plan_views.plan_detail_view, name="plan_detail"),
    path("manage/plans/<int:pk>/items/add/", plan_views.plan_item_add_view, name="plan_item_add"),
    path("manage/plans/<int:pk>/submit/", plan_views.plan_submit_view, name="plan_submit"),
    path("manage/plans/<int:pk>/approve/", plan_views.plan_approve_view, name="plan_approve"),
    path("manage/plans/<int:pk>/return/", plan_views.plan_return_view, name="plan_return"),
    path("manage/plans/<int:pk>/adjust/", plan_views.plan_adjust_view, name="plan_adjust"),
    path("manage/plans/<int:pk>/history/", plan_views.plan_history_view, name="plan_history"),
    path("manage/plans/<int:pk>/plan.xlsx", plan_views.plan_export_view, name="plan_export"),
    path("manage/plans/items/<int:pk>/edit/", plan_views.plan_item_edit_view, name="plan_item_edit"),
    path("manage/plans/items/<int:pk>/withdraw/", plan_views.plan_item_withdraw_view, name="plan_item_withdraw"),
]
