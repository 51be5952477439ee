"""One handler renders an OperationError as JSON (API) or a page (browser)."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..errors import OperationError

STATUS = {"FORBIDDEN": 403, "NOT_LOGGED_IN": 401, "NOT_FOUND": 404, "INVALID_INPUT": 400, "CLOCK_HORIZON": 400,
          "REQUEST_TOO_LARGE": 413, "LOGIN_THROTTLED": 429, "IDEMPOTENCY_KEY_REUSED": 422}


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
        return render_template("error.html", error=None, message=exc.description), 400

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        # The API answers every refusal in its one error shape, a wrong method included.
        if not request.path.startswith("/api/") or exc.code is None or exc.code >= 500:
            return exc
        field = "method" if exc.code == 405 else None
        err = OperationError("INVALID_INPUT", field=field, reason=f"{exc.code} {exc.name}: {request.method} {request.path}",
                             reason_zh=f"{exc.code} {exc.name}：{request.method} {request.path}")
        return jsonify(err.to_dict()), exc.code

    @app.errorhandler(404)
    def _404(exc):
        if wants_json():
            return jsonify({"code": "NOT_FOUND", "message_zh": "未找到", "message_en": "not found", "field": None}), 404
        return render_template("error.html", error=None, message="404"), 404
