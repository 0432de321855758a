from django.urls import path

from ganxun.people import views

app_name = "people"

urlpatterns = [
    path("cadres/", views.cadre_list_view, name="cadre_list"),
    path("cadres/new/", views.cadre_create_view, name="cadre_create"),
    path("cadres/<int:pk>/", views.cadre_detail_view, name="cadre_detail"),
    path("cadres/<int:pk>/edit/", views.cadre_edit_view, name="cadre_edit"),
    path("cadres/<int:pk>/reveal/", views.cadre_reveal_view, name="cadre_reveal"),
    path("cadres/<int:pk>/career/new/", views.career_add_view, name="career_add"),
    path("cadres/<int:pk>/active/", views.cadre_set_active_view, name="cadre_set_active"),
    path("teachers/", views.teacher_list_view, name="teacher_list"),
    path("teachers/new/", views.teacher_create_view, name="teacher_create"),
    path("teachers/<int:pk>/", views.teacher_detail_view, name="teacher_detail"),
    path("teachers/<int:pk>/edit/", views.teacher_edit_view, name="teacher_edit"),
    path("teachers/<int:pk>/reveal/", views.teacher_reveal_view, name="teacher_reveal"),
    path("teachers/<int:pk>/active/", views.teacher_set_active_view, name="teacher_set_active"),
    path("org/<int:pk>/summary/", views.org_summary_view, name="org_summary"),
]
