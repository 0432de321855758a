from django.urls import path

from ganxun.org import views

app_name = "org"

urlpatterns = [
    path("", views.tree_view, name="tree"),
    path("new/", views.create_view, name="create"),
    path("<int:pk>/", views.detail_view, name="detail"),
    path("<int:pk>/children/", views.children_view, name="children"),
    path("<int:pk>/edit/", views.edit_view, name="edit"),
    path("<int:pk>/move/", views.move_view, name="move"),
    path("<int:pk>/active/", views.set_active_view, name="set_active"),
]
