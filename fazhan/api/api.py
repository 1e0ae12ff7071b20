"""The JSON API (django-ninja): token authentication, one error shape, and the routers of each resource.

Every operation reads through the same scoped selectors and writes through the same services as the pages,
so scoping (404 outside the user's subtrees), role rules and the procedure's refusals are the pages' own.
"""

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from fazhan.api import cases, findings, forms_register, me, notices, orgs, persons, plans
from fazhan.api.selectors import apitoken_active_for_key
from fazhan.api.services import apitoken_authenticates, apitoken_mark_used
from fazhan.procedure.definition import RULES_BY_ID
from fazhan.procedure.engine import refusal_text
from fazhan.procedure.services import StepRefused

MSG_UNAUTHORIZED = "未提供有效的接口令牌（Authorization: Bearer <令牌>），或令牌已吊销、已过期。"
MSG_READ_ONLY = "该令牌为只读令牌，不能修改数据。"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MSG_NOT_FOUND = "未找到，或不在您的管辖范围内。"
MSG_FORBIDDEN = "您的角色不能进行此操作。"
MSG_INVALID = "请求内容有误。"
MSG_REFUSED = "该步骤不符合发展党员工作程序，未予录入。"


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        if not token or len(token) > 200 or "\x00" in token:
            return None
        found = apitoken_active_for_key(token)
        if found is None or not apitoken_authenticates(found):
            return None
        if found.read_only and request.method not in SAFE_METHODS:
            raise PermissionDenied(_(MSG_READ_ONLY))
        apitoken_mark_used(token=found)
        request.user = found.user
        return found.user


class ReadableJSON(JSONRenderer):
    """Chinese as characters, not \\u escapes: the responses are read by people debugging a script too."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(
    title="Fazhan 发展党员全程纪实 API",
    version="1",
    description=(
        "人员、发展档案与步骤记录、组织树、年度发展计划、入党志愿书登记簿、预审批次、公示、检查与问题整改。"
        "列表分页（limit、offset），顺序固定。认证：`Authorization: Bearer <令牌>`"
        "（令牌由 `fazhan apitoken 用户名` 或“接口令牌”页面生成）。"
        "数据范围与页面相同：管辖范围以外的对象一律 404；"
        "身份证号和电话默认遮蔽，角色有权查看时人员详情显示原文并记入审计日志。"
        "错误统一为 `{detail, errors[{field, message}], refusals[{rule, article, message, earliest}]}`。"
    ),
    auth=TokenAuth(),
    renderer=ReadableJSON(),
    urls_namespace="api-v1",
)


def _error(request, status: int, detail: str, errors=(), refusals=()) -> HttpResponse:
    body = {"detail": detail, "errors": list(errors), "refusals": list(refusals)}
    return api.create_response(request, body, status=status)


def _field_of(loc) -> str:
    """`date`, `details.talkers`, `limit`: the field as the client named it; `body` for the body itself."""
    parts = [str(p) for p in loc]
    where = parts[0] if parts else ""
    if parts and parts[0] in ("body", "query", "path"):
        parts = parts[1:]
    if parts and parts[0] == "payload":
        parts = parts[1:]
    return ".".join(parts) or where


# pydantic's error types in the UI's language; anything else keeps pydantic's own (English) message.
SHAPE_MESSAGES = {
    "missing": "必填",
    "string_too_long": "不超过%(max_length)s个字符",
    "string_too_short": "不少于%(min_length)s个字符",
    "string_pattern_mismatch": "格式不符",
    "string_type": "应为文本",
    "enum": "应为以下之一：%(expected)s",
    "literal_error": "应为以下之一：%(expected)s",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为是或否（true/false）",
    "bool_type": "应为是或否（true/false）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "greater_than_equal": "不小于%(ge)s",
    "less_than_equal": "不大于%(le)s",
    "dict_type": "应为对象（{...}）",
    "list_type": "应为列表（[...]）",
    "too_long": "最多%(max_length)s项",
    "extra_forbidden": "没有此项",
}


def _shape_message(error: dict) -> str:
    template = SHAPE_MESSAGES.get(error.get("type", ""))
    if template is None:
        return str(error.get("msg", "")).removeprefix("Value error, ")
    try:
        return _(template) % dict(error.get("ctx") or {})
    except (KeyError, TypeError, ValueError):
        return str(error.get("msg", ""))


@api.exception_handler(NinjaValidationError)
def _on_shape_error(request, exc: NinjaValidationError):
    errors = [{"field": _field_of(e.get("loc", ())), "message": _shape_message(e)} for e in exc.errors]
    return _error(request, 422, _(MSG_INVALID), errors)


@api.exception_handler(StepRefused)
def _on_refusal(request, exc: StepRefused):
    refusals = [
        {
            "rule": f.rule,
            "title": str(RULES_BY_ID[f.rule].title),
            "article": f.citation(exc.on_date),
            "message": str(f.message),
            "earliest": f.earliest,
        }
        for f in exc.findings
    ]
    errors = [{"field": r.field, "message": refusal_text(r.finding)} for r in exc.refusals]
    return _error(request, 422, _(MSG_REFUSED), errors, refusals)


@api.exception_handler(DjangoValidationError)
def _on_service_error(request, exc: DjangoValidationError):
    if hasattr(exc, "error_dict"):
        errors = [
            {"field": "" if field == "__all__" else field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"field": "", "message": str(m)} for m in exc.messages]
    return _error(request, 422, _(MSG_INVALID), errors)


@api.exception_handler(PermissionDenied)
def _on_forbidden(request, exc: PermissionDenied):
    return _error(request, 403, str(exc) or _(MSG_FORBIDDEN))


@api.exception_handler(Http404)
def _on_not_found(request, exc: Http404):
    return _error(request, 404, _(MSG_NOT_FOUND))


@api.exception_handler(AuthenticationError)
def _on_unauthenticated(request, exc: AuthenticationError):
    response = _error(request, 401, _(MSG_UNAUTHORIZED))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(HttpError)
def _on_http_error(request, exc: HttpError):
    return _error(request, exc.status_code, str(exc))


api.add_router("/me", me.router)
api.add_router("/orgs", orgs.router)
api.add_router("/persons", persons.router)
api.add_router("/", cases.router)
api.add_router("/", findings.router)
api.add_router("/plans", plans.router)
api.add_router("/", forms_register.router)
api.add_router("/notices", notices.router)
