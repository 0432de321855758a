"""/xapi/ — the Learning Record Store's resources."""

from django.urls import path

from ganxun.lrs import document_views, views

app_name = "lrs"

urlpatterns: list = [
    path("statements", views.statements, name="statements"),
    path("about", views.about, name="about"),
    path("activities/state", document_views.state_view, name="state"),
    path("activities/profile", document_views.activity_profile_view, name="activity_profile"),
    path("activities", document_views.activities_view, name="activities"),
    path("agents/profile", document_views.agent_profile_view, name="agent_profile"),
    path("agents", document_views.agents_view, name="agents"),
]
