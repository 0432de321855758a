"""Back-office pages of the organisation tree: browse (lazy, with htmx), search, detail,
create, edit, move and (de)activate. Nothing is ever deleted."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from ganxun.access.policies import requires
from ganxun.core.errors import DomainError, Forbidden, NotFound
from ganxun.core.forms import add_domain_error
from ganxun.org import services
from ganxun.org.forms import (
    OrganisationCreateForm,
    OrganisationEditForm,
    OrganisationMoveForm,
    OrganisationSearchForm,
)
from ganxun.org.models import Organisation
from ganxun.org.selectors import (
    organisation_ancestors_for,
    organisation_children_for,
    organisation_get_for,
    organisation_list_for,
    organisation_move_candidates_for,
    organisation_paths_for,
)

SEARCH_PAGE_SIZE = 50
MOVE_CANDIDATE_LIMIT = 200


def _get_org(request, pk) -> Organisation:
    try:
        return organisation_get_for(request.user, pk)
    except NotFound:
        raise Http404() from None


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode() + "&" if query else ""


def _forbidden(request):
    return render(request, "errors/403.html", status=403)


@requires("org.view")
def tree_view(request):
    """The actor's scope node with its first level open; a filter turns it into a flat search list."""
    form = OrganisationSearchForm(request.GET or None)
    context = {"form": form}
    if form.is_search:
        data = form.cleaned_data
        hits = organisation_list_for(request.user, q=data["q"], kind=data["kind"], include_inactive=data["inactive"])
        page = Paginator(hits, SEARCH_PAGE_SIZE).get_page(request.GET.get("page"))
        paths = organisation_paths_for(request.user, page.object_list)
        context.update(searching=True, page_obj=page, query_without_page=_query_without_page(request),
                       results=[(org, paths[org.pk]) for org in page.object_list])
    else:
        include_inactive = bool(form.is_bound and form.is_valid() and form.cleaned_data["inactive"])
        root = (organisation_children_for(request.user, None, include_inactive=include_inactive).first()
                or organisation_children_for(request.user, None, include_inactive=True).first())
        context.update(root=root, children=(
            organisation_children_for(request.user, root, include_inactive=include_inactive) if root else []
        ), include_inactive=include_inactive)
    return render(request, "org/tree.html", context)


@requires("org.view")
def children_view(request, pk):
    """htmx fragment: the children of one node, as a <ul> of the same nodes as the tree page."""
    parent = _get_org(request, pk)
    include_inactive = request.GET.get("inactive") == "1"
    children = organisation_children_for(request.user, parent, include_inactive=include_inactive)
    return render(request, "org/_children.html", {"children": children, "include_inactive": include_inactive})


@requires("org.view")
def detail_view(request, pk):
    org = _get_org(request, pk)
    can_manage = services.organisation_can_manage(request.user, org.kind)
    return render(request, "org/detail.html", {
        "org": org,
        "ancestors": organisation_ancestors_for(request.user, org),
        "children": organisation_children_for(request.user, org, include_inactive=True),
        "can_manage": can_manage,
        "child_kinds": services.organisation_child_kinds(request.user, org),
        "is_scope_root": org.path == request.user.active_role.scope.path,
    })


@requires("org.manage_units")
def create_view(request):
    """A new node under ?parent=<id>; the kinds offered are those the role may create there.

    The policy is the smaller of the two manage permissions (every role with
    org.manage has org.manage_units); the service decides per kind."""
    parent = _get_org(request, request.POST.get("parent") or request.GET.get("parent"))
    kinds = services.organisation_child_kinds(request.user, parent)
    if not kinds:
        messages.error(request, f"不能在“{parent.name}”下新建组织。")
        return redirect("org:detail", pk=parent.pk)
    form = OrganisationCreateForm(request.POST or None, kinds=kinds)
    if request.method == "POST" and form.is_valid():
        try:
            org = services.organisation_create(actor=request.user, parent=parent, request=request,
                                               **form.service_kwargs())
        except Forbidden:
            return _forbidden(request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已新建“{org.name}”。")
            return redirect("org:detail", pk=org.pk)
    return render(request, "org/form.html", {"form": form, "parent": parent, "org": None,
                                             "ancestors": organisation_ancestors_for(request.user, parent)})


@requires("org.manage_units")
def edit_view(request, pk):
    org = _get_org(request, pk)
    if not services.organisation_can_manage(request.user, org.kind):
        return _forbidden(request)
    initial = {"name": org.name, "short_name": org.short_name, "code": org.code or "", "category": org.category,
               "address": org.address, "sort_order": org.sort_order}
    form = OrganisationEditForm(request.POST or None, initial=initial)
    if org.kind != Organisation.Kind.UNIT:
        del form.fields["category"]
    if request.method == "POST" and form.is_valid():
        try:
            services.organisation_update(actor=request.user, org=org, request=request, **form.service_kwargs())
        except Forbidden:
            return _forbidden(request)
        except NotFound:
            raise Http404() from None
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "已保存。")
            return redirect("org:detail", pk=org.pk)
    return render(request, "org/form.html", {"form": form, "org": org, "parent": org.parent,
                                             "ancestors": organisation_ancestors_for(request.user, org)})


@requires("org.manage_units")
def move_view(request, pk):
    """Re-hang a node (with its subtree): search the candidates, pick one; the service checks."""
    org = _get_org(request, pk)
    if not services.organisation_can_manage(request.user, org.kind):
        return _forbidden(request)
    q = request.GET.get("q", "")
    form = OrganisationMoveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_parent = organisation_get_for(request.user, form.cleaned_data["new_parent"])
            services.organisation_move(actor=request.user, org=org, new_parent=new_parent, request=request)
        except NotFound:
            form.add_error("new_parent", "未找到该上级，或不在您的管理范围内。")
        except Forbidden:
            return _forbidden(request)
        except DomainError as exc:
            # The service names the parent; on this form it is the chosen new parent.
            form.add_error("new_parent" if exc.field == "parent" else None, exc.message)
        else:
            messages.success(request, f"已将“{org.name}”移到“{new_parent.name}”下。")
            return redirect("org:detail", pk=org.pk)
    candidates = organisation_move_candidates_for(request.user, org, q=q, limit=MOVE_CANDIDATE_LIMIT)
    paths = organisation_paths_for(request.user, candidates)
    return render(request, "org/move.html", {
        "org": org, "form": form, "q": q,
        "ancestors": organisation_ancestors_for(request.user, org),
        "candidates": [(c, paths[c.pk]) for c in candidates],
        "truncated": len(candidates) >= MOVE_CANDIDATE_LIMIT,
    })


@require_POST
@requires("org.manage_units")
def set_active_view(request, pk):
    org = _get_org(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.organisation_set_active(actor=request.user, org=org, active=active, request=request)
    except Forbidden:
        return _forbidden(request)
    except NotFound:
        raise Http404() from None
    except DomainError as exc:
        messages.error(request, f"未能{'启用' if active else '停用'}“{org.name}”：{exc.message}")
    else:
        messages.success(request, f"已{'启用' if active else '停用'}“{org.name}”。")
    return redirect("org:detail", pk=org.pk)
