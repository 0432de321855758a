from django.urls import path

from ganxun.archive import views

app_name = "archive"

urlpatterns = [
    path("manage/archive/cadres/<int:pk>/", views.cadre_archive_view, name="cadre"),
    path("manage/archive/cadres/<int:pk>/pdf/", views.cadre_archive_pdf_view, name="cadre_pdf"),
    path("manage/archive/cadres/<int:pk>/certificates/<int:result_pk>/", views.cadre_certificate_view,
         name="cadre_certificate"),
    path("learn/archive/", views.learn_archive_view, name="learn"),
    path("learn/archive/pdf/", views.learn_archive_pdf_view, name="learn_pdf"),
]
