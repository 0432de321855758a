from django.urls import path

from ganxun.topics import views

app_name = "topics"

urlpatterns = [
    path("", views.tree_view, name="tree"),
    path("new/", views.create_view, name="create"),
    path("<int:pk>/edit/", views.edit_view, name="edit"),
    path("<int:pk>/active/", views.set_active_view, name="set_active"),
]
