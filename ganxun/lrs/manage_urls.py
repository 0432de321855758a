"""/manage/lrs/ — the system administrator's pages of the Learning Record Store."""

from django.urls import path

from ganxun.lrs import manage_views

app_name = "lrs_manage"

urlpatterns = [
    path("clients/", manage_views.client_list_view, name="client_list"),
    path("clients/new/", manage_views.client_create_view, name="client_create"),
    path("clients/<int:pk>/active/", manage_views.client_set_active_view, name="client_set_active"),
    path("clients/<int:pk>/rotate/", manage_views.client_rotate_view, name="client_rotate"),
    path("outbox/", manage_views.outbox_view, name="outbox"),
    path("outbox/resend/", manage_views.outbox_resend_all_view, name="outbox_resend_all"),
    path("outbox/<int:pk>/resend/", manage_views.outbox_resend_view, name="outbox_resend"),
]
