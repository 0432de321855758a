# TEMPORARY: replaced by the real views of this app (work in progress).
from django.http import HttpResponse
from django.urls import path

from ganxun.access.policies import login_required

app_name = "people"


@login_required
def _wip(request):
    return HttpResponse("wip")


urlpatterns = [
    path("cadre_list/", _wip, name="cadre_list"),
    path("teacher_list/", _wip, name="teacher_list"),
]
