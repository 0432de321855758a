from django.urls import path

from ganxun.coursework import views

app_name = "coursework"

urlpatterns = [
    path("learn/courses/<int:pk>/test/", views.test_view, name="learn_test"),
    path("learn/courses/<int:pk>/test/start/", views.test_start_view, name="learn_test_start"),
    path("learn/test-attempts/<int:pk>/", views.attempt_view, name="learn_attempt"),
    path("learn/test-attempts/<int:pk>/submit/", views.attempt_submit_view, name="learn_attempt_submit"),
    path("learn/courses/<int:pk>/reflection/", views.reflection_view, name="learn_reflection"),
    path("learn/courses/<int:pk>/discussion/", views.discussion_view, name="learn_discussion"),
    path("manage/courses/<int:pk>/coursework/", views.manage_view, name="manage"),
    path("manage/courses/<int:pk>/coursework/test/", views.manage_test_view, name="manage_test"),
    path("manage/courses/<int:pk>/coursework/reflection-rule/", views.manage_reflection_rule_view,
         name="manage_reflection_rule"),
    path("manage/courses/<int:pk>/coursework/questions/new/", views.manage_question_create_view,
         name="manage_question_create"),
    path("manage/course-questions/<int:pk>/", views.manage_question_edit_view, name="manage_question_edit"),
    path("manage/course-questions/<int:pk>/active/", views.manage_question_active_view, name="manage_question_active"),
    path("manage/courses/<int:pk>/discussion/", views.manage_discussion_view, name="manage_discussion"),
    path("manage/course-posts/<int:pk>/hide/", views.manage_post_hide_view, name="manage_post_hide"),
    path("manage/course-reflections/", views.grading_queue_view, name="grading_queue"),
    path("manage/course-reflections/<int:pk>/", views.grading_view, name="grading"),
]
