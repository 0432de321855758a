from django.urls import path

from ganxun.imports import views

app_name = "imports"

urlpatterns = [
    path("", views.index_view, name="index"),
    path("upload/", views.upload_view, name="upload"),
    path("template/<str:kind>/", views.template_view, name="template"),
    path("jobs/<int:pk>/", views.detail_view, name="detail"),
    path("jobs/<int:pk>/progress/", views.progress_view, name="progress"),
    path("jobs/<int:pk>/problems.xlsx", views.problems_xlsx_view, name="problems_xlsx"),
    path("jobs/<int:pk>/commit/", views.commit_view, name="commit"),
    path("jobs/<int:pk>/discard/", views.discard_view, name="discard"),
    path("jobs/<int:pk>/revalidate/", views.revalidate_view, name="revalidate"),
    # The cadre list links here with its own query string (people.forms.CadreFilterForm).
    path("export/cadres/", views.cadre_export_view, name="cadre_export"),
    path("export/units/", views.unit_export_view, name="unit_export"),
]
