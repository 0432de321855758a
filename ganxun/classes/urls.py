from django.urls import path

from ganxun.classes import views

app_name = "classes"

urlpatterns = [
    path("manage/classes/", views.class_list_view, name="list"),
    path("manage/classes/new/", views.class_create_view, name="create"),
    path("manage/classes/rooms/", views.room_list_view, name="rooms"),
    path("manage/classes/rooms/<int:pk>/", views.room_edit_view, name="room_edit"),
    path("manage/classes/<int:pk>/", views.class_detail_view, name="detail"),
    path("manage/classes/<int:pk>/edit/", views.class_edit_view, name="edit"),
    path("manage/classes/<int:pk>/status/", views.class_transition_view, name="transition"),
    path("manage/classes/<int:pk>/start/", views.class_start_view, name="start"),
    path("manage/classes/<int:pk>/timetable/", views.timetable_view, name="timetable"),
    path("manage/classes/<int:pk>/timetable/add/", views.session_add_view, name="session_add"),
    path("manage/classes/<int:pk>/timetable/print/", views.timetable_print_view, name="timetable_print"),
    path("manage/classes/<int:pk>/timetable/<int:session_pk>/edit/", views.session_edit_view, name="session_edit"),
    path("manage/classes/<int:pk>/timetable/<int:session_pk>/remove/", views.session_remove_view,
         name="session_remove"),
]
