"""The JSON API at /api/v1/: one NinjaAPI, the routers of the apps mounted on it.

Every operation declares its permission (api.auth.permission), answers refusals
with one error body (api.errors.ErrorOut) and documents every status it can give.
The OpenAPI document is at /api/v1/openapi.json. Interactive docs (Swagger UI) are
served from ninja's bundled static files — never from a CDN, the deployment network
is closed — and so only when "ninja" is in INSTALLED_APPS (which is what lets
Django find those files); otherwise they are off.
"""

from __future__ import annotations

from collections.abc import Iterator

from django.conf import settings
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from ganxun.api.auth import UNDECLARED, ApiRateThrottle
from ganxun.api.errors import install_handlers


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese stays readable in the body


class GanxunAPI(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None):
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        # Answers hold personal data (masked, or revealed in full): no browser or proxy keeps them.
        response["Cache-Control"] = "no-store"
        return response

    def get_openapi_operation_id(self, operation) -> str:
        # Function names are unique across the routers (cadre_list, teacher_reveal…).
        return operation.view_func.__name__


DESCRIPTION = """干训平台对外接口（其他省市平台、单位人事系统、移动端）。

认证：`Authorization: Bearer gx_…`（令牌绑定账号的一个角色，按该角色的范围访问数据），
或本站已登录的会话（非 GET 请求须带 CSRF 令牌）。

错误统一为 `{"code", "message", "field", "errors"}`：400 输入有误（含所有字段错误）、
401 未认证、403 当前角色无此权限、404 不存在或不在数据范围内（两者相同）、429 请求过于频繁。
身份证号、手机号只返回脱敏值；完整值只能通过 reveal 接口获取，每次都会记入审计日志。
"""

api = GanxunAPI(
    title="干训平台 API",
    version="1.0.0",
    description=DESCRIPTION,
    urls_namespace="api",
    auth=UNDECLARED,
    throttle=[ApiRateThrottle()],
    renderer=Renderer(),
    docs_url="/docs" if "ninja" in settings.INSTALLED_APPS else None,
)
install_handlers(api)

api.add_router("", "ganxun.api.me.router")
api.add_router("", "ganxun.api.organisations.router")
api.add_router("", "ganxun.api.topics.router")
api.add_router("", "ganxun.api.people.router")
api.add_router("", "ganxun.planning.api.router")
api.add_router("", "ganxun.planning.plan_api.router")
api.add_router("", "ganxun.classes.api.router")
api.add_router("", "ganxun.credits.api.router")
api.add_router("", "ganxun.learning.api.router")
api.add_router("", "ganxun.recognition.api.router")
api.add_router("", "ganxun.onlineclasses.api.router")
api.add_router("", "ganxun.coursework.api.router")
api.add_router("", "ganxun.assessment.api.router")
api.add_router("", "ganxun.archive.api.router")
api.add_router("", "ganxun.attendance.api.router")
api.add_router("", "ganxun.logistics.api.router")
api.add_router("", "ganxun.roster.api.router")
api.add_router("", "ganxun.evaluation.api.router")


def operations(ninja_api: NinjaAPI = api) -> Iterator[tuple[str, object]]:
    """(path, operation) of every operation as it is served (bound to the API)."""
    for bound in ninja_api._get_bound_routers():
        for path, path_view in bound.path_operations.items():
            for operation in path_view.operations:
                yield f"{bound.prefix}{path}", operation
