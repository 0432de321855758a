"""Searches by a full ID number or phone without putting the number into a URL.

List pages (cadres, teachers, accounts) let people type a full ID number or phone into
their search box. Such a number must not end up in address bars, browser history or
the access logs of the server and its proxies: the search form posts, and a search
for a number continues as a GET that carries only its keyed hash (`qh`, see
people.selectors.identity_token); any other search continues as a plain GET
(post/redirect/get). An old link with the number in `q` is redirected the same way.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import redirect

from ganxun.people.selectors import identity_token

IDENTITY_PARAM = "qh"


def identity_field() -> forms.RegexField:
    return forms.RegexField(required=False, regex=r"^[0-9a-f]{64}$", label="身份证号/手机号（已隐藏）")


def search_redirect(request):
    """The redirect that puts a search into its URL form, or None when the GET is already clean."""
    data = request.POST if request.method == "POST" else request.GET
    q = (data.get("q") or "").strip()
    token = identity_token(q) if q else None
    if request.method != "POST" and token is None:
        return None
    query = data.copy()
    for key in ("csrfmiddlewaretoken", "page"):
        query.pop(key, None)
    if q:
        query.pop(IDENTITY_PARAM, None)  # a new search replaces a hidden one
    if token:
        query.pop("q", None)
        query[IDENTITY_PARAM] = token
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
