"""``Idempotency-Key`` on every POST of the API.

A client that may retry (a network error, a timeout) sends a key of its own choosing, 1 to 200
printable ASCII characters, unique per request it means. The first request with a key runs and
its response (status and body, errors included; never a 5xx) is kept IDEMPOTENCY_HOURS (default
24); a retry with the same key, method, path and body gets that response again, with the header
``Idempotent-Replayed: true``, and runs nothing: a retried sale does not answer RANGE_UNAVAILABLE,
a retried ``advance by`` does not advance twice. The same key with a different request is refused
with IDEMPOTENCY_KEY_REUSED (422); a retry while the first request still runs gets
IDEMPOTENCY_KEY_IN_PROGRESS (409). Keys belong to the token's user: two users never share one.
"""
from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from flask import Response, current_app, g, request
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..clock import wall_now
from ..errors import OperationError
from ..users.models import IdempotencyKey
from ..web.db import get_session

HEADER = "Idempotency-Key"
_KEY = re.compile(r"[\x21-\x7e]{1,200}")
MAX_STORED = 1_000_000       # a larger response is not kept (a retry then runs again)
STALE = timedelta(minutes=5)  # a first request that never finished (killed worker) no longer blocks


def _fingerprint() -> str:
    h = hashlib.sha256()
    for part in (request.method.encode(), request.path.encode(), request.query_string, request.get_data()):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def begin() -> Response | None:
    """before_request (after authentication): replay, refuse, or reserve the key."""
    if request.method != "POST" or HEADER not in request.headers:
        return None
    key = request.headers[HEADER]
    if not _KEY.fullmatch(key):
        raise OperationError("INVALID_INPUT", field=HEADER, reason="1 to 200 printable ASCII characters",
                             reason_zh="须为 1 至 200 个可打印 ASCII 字符")
    user = g.api_user
    db = get_session()
    now = wall_now()
    fingerprint = _fingerprint()
    hours = float(current_app.config.get("IDEMPOTENCY_HOURS", 24))
    db.execute(delete(IdempotencyKey).where(IdempotencyKey.user_id == user.id,
                                            IdempotencyKey.created_wall < now - timedelta(hours=hours)))
    row = db.execute(select(IdempotencyKey).where(IdempotencyKey.user_id == user.id,
                                                  IdempotencyKey.key == key)).scalar_one_or_none()
    if row is not None and row.status == 0 and row.created_wall < now - STALE:
        db.delete(row)
        db.flush()
        row = None
    if row is not None:
        db.commit()
        if row.request_hash != fingerprint:
            raise OperationError("IDEMPOTENCY_KEY_REUSED", field=HEADER,
                                 reason="this key came first with a different method, path or body",
                                 reason_zh="该键第一次使用时的请求方法、路径或请求体与本次不同")
        if row.status == 0:
            raise OperationError("IDEMPOTENCY_KEY_IN_PROGRESS", field=HEADER,
                                 reason="the first request with this key has not finished",
                                 reason_zh="使用该键的第一个请求尚未完成")
        resp = current_app.response_class(row.body, status=row.status, mimetype="application/json")
        resp.headers["Idempotent-Replayed"] = "true"
        return resp
    db.add(IdempotencyKey(user_id=user.id, key=key, request_hash=fingerprint, status=0, created_wall=now))
    try:
        db.commit()
    except IntegrityError:   # the same key arrived twice at once: the other request runs it
        db.rollback()
        raise OperationError("IDEMPOTENCY_KEY_IN_PROGRESS", field=HEADER,
                             reason="the first request with this key has not finished",
                             reason_zh="使用该键的第一个请求尚未完成") from None
    g.idempotency = (user.id, key)
    return None


def _row(db):
    user_id, key = g.idempotency
    return db.execute(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                   IdempotencyKey.key == key)).scalar_one_or_none()


def finish(response: Response) -> Response:
    """after_request: keep the response for retries (a 5xx frees the key: the retry runs again)."""
    if not g.get("idempotency"):
        return response
    db = get_session()
    db.rollback()   # whatever the view left open is not ours to commit
    row = _row(db)
    if row is not None:
        body = response.get_data(as_text=True) if not response.is_streamed else None
        if response.status_code >= 500 or body is None or len(body) > MAX_STORED:
            db.delete(row)
        else:
            row.status, row.body = response.status_code, body
        db.commit()
    g.idempotency = None
    return response


def abandon(_exc) -> None:
    """teardown_request: a request that died before answering frees its key."""
    if not g.get("idempotency"):
        return
    db = get_session()
    db.rollback()
    row = _row(db)
    if row is not None and row.status == 0:
        db.delete(row)
        db.commit()
    g.idempotency = None
