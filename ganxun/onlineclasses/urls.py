from django.urls import path

from ganxun.onlineclasses import views

app_name = "onlineclasses"

urlpatterns = [
    path("manage/themed-classes/", views.manage_list_view, name="manage_list"),
    path("manage/themed-classes/new/", views.manage_create_view, name="manage_create"),
    path("manage/themed-classes/course-search/", views.manage_course_search_view, name="manage_course_search"),
    path("manage/themed-classes/<int:pk>/", views.manage_detail_view, name="manage_detail"),
    path("manage/themed-classes/<int:pk>/edit/", views.manage_edit_view, name="manage_edit"),
    path("manage/themed-classes/<int:pk>/open/", views.manage_open_view, name="manage_open"),
    path("manage/themed-classes/<int:pk>/close/", views.manage_close_view, name="manage_close"),
    path("manage/themed-classes/<int:pk>/members/", views.manage_add_members_view, name="manage_add_members"),
    path("manage/themed-classes/<int:pk>/completion/", views.manage_completion_view, name="manage_completion"),
    path("manage/themed-classes/<int:pk>/completion.xlsx", views.manage_export_view, name="manage_export"),
    path("learn/themed-classes/", views.learn_list_view, name="learn_list"),
    path("learn/themed-classes/<int:pk>/", views.learn_detail_view, name="learn_detail"),
]
