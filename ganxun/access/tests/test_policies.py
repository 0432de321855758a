"""Every URL declares an access policy; a view without one is refused."""

from django.urls import URLPattern, URLResolver, get_resolver

from ganxun.access.policies import ALL_POLICY_KINDS, policy_of
from ganxun.access.roles import ALL_PERMISSIONS


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_every_url_has_an_access_policy():
    missing = [route for route, view in _walk(get_resolver().url_patterns) if policy_of(view) is None]
    assert missing == []


def test_every_policy_names_a_known_permission():
    unknown = [
        (route, policy_of(view))
        for route, view in _walk(get_resolver().url_patterns)
        if policy_of(view) not in ALL_POLICY_KINDS and policy_of(view) not in ALL_PERMISSIONS
    ]
    assert unknown == []


def test_it_refuses_a_view_without_policy(client, settings, db):
    from django.http import HttpResponse
    from django.urls import path

    import ganxun.urls

    def bare(request):
        return HttpResponse("should not be reached")

    class Urls:
        urlpatterns = [path("bare/", bare)] + ganxun.urls.urlpatterns

    settings.ROOT_URLCONF = Urls
    response = client.get("/bare/")
    assert response.status_code == 403
    assert b"should not be reached" not in response.content
