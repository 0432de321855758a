"""URLs of /api/v1/. The access middleware wants a policy on every view: all ninja views
get policies.API, meaning "the operation checks its own permission" (api.auth.permission)."""

from django.urls import URLPattern, URLResolver

from ganxun.access.policies import API
from ganxun.api.main import api

app_name = "api"


def _with_policy(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            _with_policy(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            entry.callback.access_policy = API
    return patterns


urlpatterns = _with_policy(api.urls[0])
