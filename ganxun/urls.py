"""URL map. Every view declares an access policy (access.policies); AccessMiddleware
refuses views without one and tests/test_policies.py proves there are none."""

from django.urls import include, path

urlpatterns = [
    # First: the LRS ingest path is the hottest route (resolving is a linear walk).
    path("xapi/", include("ganxun.lrs.urls")),
    path("", include("ganxun.portal.urls")),
    path("", include("ganxun.access.urls")),
    path("manage/org/", include("ganxun.org.urls")),
    path("manage/topics/", include("ganxun.topics.urls")),
    path("manage/people/", include("ganxun.people.urls")),
    path("manage/accounts/", include("ganxun.accounts.urls")),
    path("manage/imports/", include("ganxun.imports.urls")),
    path("manage/audit/", include("ganxun.audit.urls")),
    path("manage/lrs/", include("ganxun.lrs.manage_urls")),
    path("", include("ganxun.planning.urls")),
    path("", include("ganxun.classes.urls")),
    path("", include("ganxun.credits.urls")),
    path("", include("ganxun.learning.urls")),
    path("", include("ganxun.recognition.urls")),
    path("", include("ganxun.onlineclasses.urls")),
    path("", include("ganxun.coursework.urls")),
    path("", include("ganxun.roster.urls")),
    path("", include("ganxun.attendance.urls")),
    path("", include("ganxun.logistics.urls")),
    path("", include("ganxun.assessment.urls")),
    path("", include("ganxun.evaluation.urls")),
    path("", include("ganxun.archive.urls")),
    path("api/v1/", include("ganxun.api.urls")),
]
