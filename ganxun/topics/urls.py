# TEMPORARY: replaced by the real views of this app (work in progress).
from django.http import HttpResponse
from django.urls import path

from ganxun.access.policies import login_required

app_name = "topics"


@login_required
def _wip(request):
    return HttpResponse("wip")


urlpatterns = [
    path("tree/", _wip, name="tree"),
]
