"""Back-office pages of the topic taxonomy: the three-level tree, and its upkeep by the system admin.

The tree page is guarded by `topics.view`: every role that holds `topics.manage`
also holds `topics.view` in access.roles (tests/test_views.py keeps it so), so
the one permission of the policy decorator is exact and fails closed.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ganxun.access import scope
from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.topics import services
from ganxun.topics.forms import TopicEditForm, TopicForm
from ganxun.topics.selectors import topic_get_for, topic_tree


def _get_topic(request, pk):
    try:
        return topic_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None


def _tree_anchor(topic) -> str:
    return f"{reverse('topics:tree')}#topic-{topic.pk}"


@requires("topics.view")
def tree_view(request):
    """Readers see the topics in use (inactive ones on request); the maintainer sees all."""
    can_manage = scope.can(request.user, "topics.manage")
    include_inactive = can_manage or request.GET.get("inactive") == "1"
    return render(request, "topics/tree.html", {
        "roots": topic_tree(include_inactive=include_inactive),
        "can_manage": can_manage,
        "include_inactive": include_inactive,
    })


@requires("topics.manage")
def create_view(request):
    """A root topic, or a child of ?parent=<id> (three levels at most: the service refuses deeper)."""
    parent_id = request.POST.get("parent") or request.GET.get("parent")
    parent = _get_topic(request, parent_id) if parent_id else None
    form = TopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            topic = services.topic_create(actor=request.user, parent=parent, name=form.cleaned_data["name"],
                                          description=form.cleaned_data["description"], request=request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已新增分类 {topic.code} {topic.name}。")
            return redirect(_tree_anchor(topic))
    return render(request, "topics/form.html", {"form": form, "parent": parent, "topic": None})


@requires("topics.manage")
def edit_view(request, pk):
    topic = _get_topic(request, pk)
    form = TopicEditForm(request.POST or None, initial={
        "name": topic.name, "description": topic.description, "sort_order": topic.sort_order})
    if request.method == "POST" and form.is_valid():
        try:
            services.topic_update(actor=request.user, topic=topic, name=form.cleaned_data["name"],
                                  description=form.cleaned_data["description"],
                                  sort_order=form.cleaned_data["sort_order"], request=request)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已保存分类 {topic.code}。")
            return redirect(_tree_anchor(topic))
    return render(request, "topics/form.html", {"form": form, "parent": topic.parent, "topic": topic})


@require_POST
@requires("topics.manage")
def set_active_view(request, pk):
    topic = _get_topic(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.topic_set_active(actor=request.user, topic=topic, active=active, request=request)
    except DomainError as exc:
        messages.error(request, f"未能{'启用' if active else '停用'}“{topic.name}”：{exc.message}")
    else:
        messages.success(request, f"已{'启用' if active else '停用'}“{topic.name}”"
                                  f"{'' if active else '及其下级分类'}。")
    return redirect(_tree_anchor(topic))
