from django.urls import path

from ganxun.accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_list_view, name="list"),
    path("open/", views.account_open_view, name="open"),
    path("open/<int:person_id>/", views.account_open_person_view, name="open_person"),
    path("new/", views.account_create_external_view, name="create_external"),
    path("scope-options/", views.scope_options_view, name="scope_options"),
    path("<int:pk>/", views.account_detail_view, name="detail"),
    path("<int:pk>/roles/assign/", views.role_assign_view, name="role_assign"),
    path("<int:pk>/roles/<int:assignment_id>/revoke/", views.role_revoke_view, name="role_revoke"),
    path("<int:pk>/password/reset/", views.reset_password_view, name="reset_password"),
    path("<int:pk>/unlock/", views.unlock_view, name="unlock"),
    path("<int:pk>/active/", views.set_active_view, name="set_active"),
    path("<int:pk>/totp/reset/", views.totp_reset_view, name="totp_reset"),
    path("<int:pk>/tokens/new/", views.token_create_view, name="token_create"),
    path("<int:pk>/tokens/<int:token_id>/revoke/", views.token_revoke_view, name="token_revoke"),
]
