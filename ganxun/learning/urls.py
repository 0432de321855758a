from django.urls import path

from ganxun.learning import conversion_views, views

app_name = "learning"

urlpatterns = [
    path("learn/courses/", views.catalogue_view, name="learn_catalogue"),
    path("learn/courses/mine/", views.my_courses_view, name="learn_mine"),
    path("learn/courses/<int:pk>/", views.course_view, name="learn_course"),
    path("learn/courses/<int:pk>/rate/", views.rate_view, name="learn_rate"),
    path("learn/courses/<int:pk>/media/<int:media_pk>/", views.learn_media_view, name="learn_media"),
    path("manage/courses/", views.manage_list_view, name="manage_list"),
    path("manage/courses/new/", views.manage_create_view, name="manage_create"),
    path("manage/courses/<int:pk>/", views.manage_detail_view, name="manage_detail"),
    path("manage/courses/<int:pk>/edit/", views.manage_edit_view, name="manage_edit"),
    path("manage/courses/<int:pk>/media/", views.manage_upload_view, name="manage_upload"),
    path("manage/courses/<int:pk>/media/<int:media_pk>/", views.manage_media_view, name="manage_media"),
    path("manage/courses/<int:pk>/publish/", views.manage_publish_view, name="manage_publish"),
    path("manage/courses/<int:pk>/withdraw/", views.manage_withdraw_view, name="manage_withdraw"),
    path("manage/courses/<int:pk>/submit/", views.manage_submit_view, name="manage_submit"),
    path("manage/courses/<int:pk>/confirm/", views.manage_confirm_view, name="manage_confirm"),
    path("manage/course-reviews/", views.manage_review_queue_view, name="manage_review_queue"),
    path("manage/course-reviews/<int:pk>/", views.manage_review_view, name="manage_review"),
    path("manage/course-reviews/<int:pk>/media/<int:media_pk>/", views.manage_review_media_view,
         name="manage_review_media"),
    path("manage/conversion-rules/", conversion_views.rule_list_view, name="conversion_rules"),
    path("manage/conversion-rules/new/", conversion_views.rule_create_view, name="conversion_rule_create"),
    path("manage/conversion-rules/preview/", conversion_views.rule_preview_view, name="conversion_rule_preview"),
    path("manage/conversion-rules/<int:pk>/edit/", conversion_views.rule_edit_view, name="conversion_rule_edit"),
    path("manage/conversion-rules/<int:pk>/delete/", conversion_views.rule_delete_view,
         name="conversion_rule_delete"),
]
