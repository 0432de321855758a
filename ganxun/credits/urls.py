from django.urls import path

from ganxun.credits import views

app_name = "credits"

urlpatterns = [
    path("manage/credits/cadres/<int:cadre_pk>/", views.ledger_view, name="ledger"),
    path("manage/credits/records/<int:pk>/correct/", views.correct_view, name="correct"),
]
