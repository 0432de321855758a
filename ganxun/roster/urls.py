from django.urls import path

from ganxun.roster import views

app_name = "roster"

urlpatterns = [
    # The org department's calls (调训) and the notice.
    path("manage/roster/calls/", views.call_list_view, name="call_list"),
    path("manage/roster/classes/<int:class_pk>/call/", views.call_view, name="call"),
    path("manage/roster/classes/<int:class_pk>/call/new/", views.call_create_view, name="call_create"),
    path("manage/roster/calls/<int:pk>/edit/", views.call_edit_view, name="call_edit"),
    path("manage/roster/calls/<int:pk>/issue/", views.call_issue_view, name="call_issue"),
    path("manage/roster/calls/<int:pk>/notice.pdf", views.notice_view, name="notice"),
    path("manage/roster/calls/<int:pk>/quotas/", views.quota_save_view, name="quota_save"),
    path("manage/roster/calls/<int:pk>/named/", views.named_view, name="named"),
    path("manage/roster/calls/<int:pk>/named/<int:cadre_pk>/remove/", views.named_remove_view, name="named_remove"),
    # The liaisons' quotas and nominations.
    path("manage/roster/quotas/", views.quota_list_view, name="quota_list"),
    path("manage/roster/quotas/<int:pk>/", views.nominate_view, name="nominate"),
    path("manage/roster/nominations/<int:pk>/withdraw/", views.withdraw_view, name="withdraw"),
    # The org department's review.
    path("manage/roster/classes/<int:class_pk>/review/", views.review_view, name="review"),
    path("manage/roster/classes/<int:class_pk>/review/approve/", views.bulk_approve_view, name="bulk_approve"),
    path("manage/roster/nominations/<int:pk>/approve/", views.approve_view, name="approve"),
    path("manage/roster/nominations/<int:pk>/reject/", views.reject_view, name="reject"),
    path("manage/roster/nominations/<int:pk>/substitute/", views.substitute_view, name="substitute"),
    # The roster of a class.
    path("manage/roster/classes/<int:class_pk>/", views.roster_view, name="roster"),
    path("manage/roster/classes/<int:class_pk>/roster.xlsx", views.roster_export_view, name="export"),
    path("manage/roster/classes/<int:class_pk>/sign-in/", views.sign_in_sheet_view, name="sign_in_sheet"),
    # The cadre's own classes (我的班次).
    path("learn/classes/", views.learn_list_view, name="learn_list"),
    path("learn/classes/<int:class_pk>/", views.learn_class_view, name="learn_class"),
]
