from django.urls import path

from ganxun.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home_view, name="home"),
    path("healthz", views.healthz_view, name="healthz"),
    path("learn/", views.learn_home_view, name="learn_home"),
    path("learn/profile/", views.learn_profile_view, name="learn_profile"),
    path("learn/profile/reveal/", views.learn_reveal_view, name="learn_reveal"),
    path("manage/system/", views.system_view, name="system"),
]
