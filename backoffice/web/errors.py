"""One handler renders an OperationError as JSON (API) or a page (browser)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import OperationError

STATUS = {"FORBIDDEN": 403, "NOT_LOGGED_IN": 401, "NOT_FOUND": 404, "INVALID_INPUT": 400, "CLOCK_HORIZON": 400,
          "REQUEST_TOO_LARGE": 413, "IDEMPOTENCY_KEY_REUSED": 422}
# Codes that refine INVALID_INPUT (seed_data/failures.yaml ``refines``) are domain refusals: 409.


# HTTP refusals in the one error shape, with a Chinese name for each status (never werkzeug's
# English inside message_zh).
HTTP_ZH = {400: "请求有误", 401: "未登录", 403: "禁止访问", 404: "未找到", 405: "不允许的请求方法",
           406: "无法提供所要求的格式", 408: "请求超时", 409: "冲突", 411: "缺少请求体长度", 413: "请求体过大",
           414: "网址过长", 415: "不支持的内容类型", 416: "范围无法满足", 422: "无法处理的请求",
           429: "请求过于频繁", 431: "请求头过大"}
HTTP_CODES = {403: "FORBIDDEN", 404: "NOT_FOUND", 413: "REQUEST_TOO_LARGE"}


def http_error_body(exc: HTTPException) -> tuple[dict, dict]:
    """(body, headers) of a werkzeug HTTP refusal for the API: 405 keeps its Allow header."""
    err, headers = http_error(exc)
    return err.to_dict(), headers


def http_error(exc: HTTPException) -> tuple[OperationError, dict]:
    """A werkzeug HTTP refusal as the one error (code, zh and en message, field) and its headers."""
    status = exc.code or 400
    code = HTTP_CODES.get(status, "INVALID_INPUT")
    field = "method" if status == 405 else ("body" if status in (413, 415) else None)
    zh = HTTP_ZH.get(status, "请求有误")
    if code == "INVALID_INPUT":
        err = OperationError(code, field=field, reason=f"{status} {exc.name}: {request.method} {request.path[:200]}",
                             reason_zh=f"{status} {zh}：“{request.method} {request.path[:200]}”")
    else:
        err = OperationError(code, field=field, reason=f"{status} {exc.name}", reason_zh=f"{status} {zh}")
    headers = {k: v for k, v in exc.get_headers() if k.lower() not in ("content-type", "content-length")}
    return err, headers


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_error_handlers(app: Flask) -> None:
    @app.errorhandler(OperationError)
    def _operation_error(exc: OperationError):
        status = STATUS.get(exc.code, 409)
        if wants_json():
            return jsonify(exc.to_dict()), status
        return render_template("error.html", error=exc), status

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        if wants_json():
            return jsonify({"code": "CSRF", "message_zh": "表单已过期或无效（CSRF），请刷新后重试",
                            "message_en": exc.description, "field": "csrf_token"}), 400
        return render_template("error.html", error=None, message=_("表单已过期或无效，请刷新页面后重试")), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # Every refusal in the one error shape, a wrong method included: JSON for the API, a page in
        # the page's language for a browser (never werkzeug's English page). Redirects pass through.
        if exc.code is None or exc.code < 400 or exc.code >= 500:
            return exc
        err, headers = http_error(exc)
        if wants_json():
            return jsonify(err.to_dict()), exc.code, headers
        return render_template("error.html", error=err), exc.code, headers

    @app.errorhandler(404)
    def _404(exc):
        if wants_json():
            return jsonify({"code": "NOT_FOUND", "message_zh": "未找到", "message_en": "not found", "field": None}), 404
        # the same words whether the thing is missing or hidden from this user: ids cannot be probed
        return render_template("error.html", error=None,
                               message=_("404 未找到：没有这个页面，或您无权查看它")), 404
