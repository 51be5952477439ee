"""What every response and request of the app gets, whatever blueprint serves it:

- security headers: a Content-Security-Policy allowing this site's own files only (no inline
  scripts: confirmations use ``data-confirm`` and static/confirm.js), frame-ancestors 'none' and
  X-Frame-Options, Referrer-Policy, X-Content-Type-Options nosniff;
- ids in URLs bounded to the database's integer range (``/worlds/2147483648`` is a plain 404) and
  written in ASCII digits only;
- control characters (NUL included) in the path, the query or a form refused with INVALID_INPUT
  before any view runs, so no database is ever handed one;
- a request body limit (MAX_REQUEST_BYTES, Flask's MAX_CONTENT_LENGTH), answered 413 with
  REQUEST_TOO_LARGE;
- behind a reverse proxy, TRUSTED_PROXIES hops of X-Forwarded-For (so login throttling sees the
  client's address, not the proxy's);
- an SQLite database file readable by its owner only.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from flask import Flask, request
from sqlalchemy.engine import make_url
from werkzeug.routing import IntegerConverter

from ..config import normalize_database_url
from ..errors import OperationError

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
       "frame-ancestors 'none'")
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_FORM_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")   # forms may hold line breaks and tabs


class BoundedInt(IntegerConverter):
    """``<int:…>`` with ASCII digits only and at most 2³¹−1 (every id column's range)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = 2**31 - 1,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)


def refuse_control_characters() -> None:
    where = None
    if _CONTROL.search(request.path):
        where = "path"
    else:
        for key, value in request.args.items(multi=True):
            if _CONTROL.search(key) or _CONTROL.search(value):
                where = key if not _CONTROL.search(key) else "query"
                break
    if where is None and request.method in ("POST", "PUT", "PATCH") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            if _FORM_CONTROL.search(key) or _FORM_CONTROL.search(value):
                where = key if not _FORM_CONTROL.search(key) else "form"
                break
    if where is not None:
        raise OperationError("INVALID_INPUT", field=where[:60], reason="control characters (NUL …) are not accepted",
                             reason_zh="不接受控制字符（如空字符）")


def add_security_headers(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def protect_sqlite_file(url: str) -> None:
    """Create the SQLite file readable and writable by its owner only (SQLite gives its -wal and
    -shm files the database file's permissions)."""
    parsed = make_url(normalize_database_url(url))
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return
    path = Path(parsed.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    try:
        os.chmod(path, 0o600)
    except OSError:  # pragma: no cover - a file someone else owns: leave it as it is
        pass


def init_app(app: Flask) -> None:
    app.url_map.converters["int"] = BoundedInt
    app.config["MAX_CONTENT_LENGTH"] = int(app.config.get("MAX_REQUEST_BYTES") or 1048576)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.before_request(refuse_control_characters)
    app.after_request(add_security_headers)
