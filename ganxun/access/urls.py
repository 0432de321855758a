from django.urls import path

from ganxun.access import views

app_name = "access"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("login/totp/", views.login_totp_view, name="login_totp"),
    path("login/totp/setup/", views.login_totp_setup_view, name="login_totp_setup"),
    path("logout/", views.logout_view, name="logout"),
    path("account/password/", views.password_change_view, name="password_change"),
    path("account/security/", views.security_view, name="security"),
    path("account/role/", views.role_switch_view, name="role_switch"),
]
