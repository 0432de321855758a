from django.urls import path

from ganxun.logistics import learn_views, views

app_name = "logistics"

urlpatterns = [
    path("manage/classes/<int:pk>/logistics/", views.settings_view, name="settings"),
    path("manage/classes/<int:pk>/dining/", views.dining_view, name="dining"),
    path("manage/classes/<int:pk>/dining/set/", views.dining_set_view, name="dining_set"),
    path("manage/classes/<int:pk>/dining/print/", views.dining_print_view, name="dining_print"),
    path("manage/classes/<int:pk>/dining/export/", views.dining_export_view, name="dining_export"),
    path("manage/classes/<int:pk>/dining/<int:enrollment_pk>/diet/", views.diet_edit_view, name="diet_edit"),
    path("manage/classes/<int:pk>/lodging/", views.lodging_view, name="lodging"),
    path("manage/classes/<int:pk>/lodging/assign/", views.lodging_assign_view, name="lodging_assign"),
    path("manage/classes/<int:pk>/lodging/auto/", views.lodging_auto_view, name="lodging_auto"),
    path("manage/classes/<int:pk>/lodging/need/", views.lodging_need_view, name="lodging_need"),
    path("manage/classes/<int:pk>/lodging/print/", views.lodging_print_view, name="lodging_print"),
    path("manage/classes/<int:pk>/lodging/export/", views.lodging_export_view, name="lodging_export"),
    path("manage/logistics/rooms/", views.rooms_view, name="rooms"),
    path("manage/logistics/rooms/<int:pk>/", views.room_edit_view, name="room_edit"),
    path("learn/logistics/<int:pk>/", learn_views.own_page_view, name="learn"),
    path("learn/logistics/<int:pk>/meal/", learn_views.own_meal_view, name="learn_meal"),
    path("learn/logistics/<int:pk>/diet/", learn_views.own_diet_view, name="learn_diet"),
    path("learn/logistics/<int:pk>/lodging/", learn_views.own_lodging_view, name="learn_lodging"),
]
