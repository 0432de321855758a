from django.urls import path

from ganxun.recognition import views

app_name = "recognition"

urlpatterns = [
    path("manage/recognition/", views.claim_list_view, name="claims"),
    path("manage/recognition/approve/", views.approve_view, name="approve"),
    path("manage/recognition/claims/<int:pk>/reject/", views.reject_view, name="reject"),
    path("manage/recognition/sources/", views.source_list_view, name="sources"),
    path("manage/recognition/sources/new/", views.source_create_view, name="source_create"),
    path("manage/recognition/sources/<int:pk>/", views.source_detail_view, name="source_detail"),
    path("manage/recognition/sources/<int:pk>/pull/", views.source_pull_view, name="source_pull"),
    path("manage/recognition/uploads/", views.upload_list_view, name="uploads"),
    path("manage/recognition/uploads/<int:pk>/", views.upload_detail_view, name="upload_detail"),
    path("manage/recognition/uploads/<int:pk>/commit/", views.upload_commit_view, name="upload_commit"),
    path("manage/recognition/uploads/<int:pk>/discard/", views.upload_discard_view, name="upload_discard"),
    path("manage/recognition/uploads/<int:pk>/problems.xlsx", views.upload_problems_view, name="upload_problems"),
    path("manage/recognition/cadres/<int:cadre_pk>/xapi.json", views.cadre_export_view, name="cadre_export"),
    path("learn/recognition/", views.my_claims_view, name="mine"),
    path("learn/recognition/xapi.json", views.my_export_view, name="my_export"),
]
