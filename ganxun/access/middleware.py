"""Per-request access: idle timeout, active role, forced password change, view policies."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseForbidden, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from ganxun.access import policies
from ganxun.access.models import RoleAssignment
from ganxun.access.roles import role_has
from ganxun.access.services import SESSION_LAST_SEEN_KEY, SESSION_ROLE_KEY


class AccessMiddleware:
    # Paths a logged-in account with a pending password change may still use.
    PASSWORD_CHANGE_EXEMPT = ("access:password_change", "access:logout")
    # "Last seen" is written into the session at most this often: the idle timeout keeps a
    # minute's precision, and most requests no longer end with an UPDATE of the session row.
    LAST_SEEN_RESOLUTION = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.active_role = None
        user = request.user
        if user.is_authenticated:
            now = timezone.now().timestamp()
            last_seen = request.session.get(SESSION_LAST_SEEN_KEY)
            idle_limit = settings.GANXUN_SESSION_IDLE_MINUTES * 60
            if last_seen is not None and now - last_seen > idle_limit:
                logout(request)
                messages.info(request, "长时间未操作，已自动退出，请重新登录。")
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return redirect(f"{reverse('access:login')}?next={request.get_full_path()}")
            if last_seen is None or now - last_seen >= self.LAST_SEEN_RESOLUTION:
                request.session[SESSION_LAST_SEEN_KEY] = now
            request.active_role = self._active_role(request)
            user.active_role = request.active_role
        return self.get_response(request)

    @staticmethod
    def _active_role(request) -> RoleAssignment | None:
        current = RoleAssignment.objects.current().filter(account=request.user).select_related("scope")
        role_id = request.session.get(SESSION_ROLE_KEY)
        assignment = current.filter(pk=role_id).first() if role_id else None
        if assignment is None:
            assignment = current.order_by("id").first()
            if assignment is not None:
                request.session[SESSION_ROLE_KEY] = assignment.pk
        return assignment

    def process_view(self, request, view_func, view_args, view_kwargs):
        policy = policies.policy_of(view_func)
        if policy is None:
            # Static files are served by whitenoise before reaching here.
            return HttpResponseForbidden("no access policy for this address")
        if policy in (policies.PUBLIC, policies.API):
            return None
        if not request.user.is_authenticated:
            if request.htmx:
                response = JsonResponse({"detail": "login required"}, status=401)
                response["HX-Redirect"] = reverse("access:login")
                return response
            return redirect(f"{reverse('access:login')}?next={request.get_full_path()}")
        match = request.resolver_match
        view_name = match.view_name if match else ""
        if request.user.must_change_password and view_name not in self.PASSWORD_CHANGE_EXEMPT:
            return redirect("access:password_change")
        if policy == policies.AUTHENTICATED:
            return None
        role = request.active_role
        if role is None or not role_has(role.role, policy):
            return render(request, "errors/403.html", status=403)
        return None
