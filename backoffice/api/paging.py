"""Cursor paging for the API's lists (worlds, audit, jobs, taxpayers).

A list answers at most ``limit`` rows in a stable order and ``next_cursor``: an opaque string to
pass back as ``cursor`` for the rows after the last one shown (null when there are no more). A
cursor names the last row's sort key, so rows added meanwhile never make a page repeat or skip
rows already seen; every page costs one indexed query, whatever the list's size.
"""
from __future__ import annotations

import base64
import json
import re
from typing import Any

from flask import request

from ..errors import OperationError

_DIGITS = re.compile(r"[0-9]{1,6}")


def limit_param(default: int, maximum: int) -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return default
    raw = raw.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= maximum:
        raise OperationError("INVALID_INPUT", field="limit", reason=f"a whole number from 1 to {maximum}",
                             reason_zh=f"须为 1 至 {maximum} 的整数")
    return int(raw)


def encode(key: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(key, separators=(",", ":")).encode()).decode().rstrip("=")


def cursor_param(kinds: tuple[type, ...]) -> list | None:
    """The decoded ``cursor``: a list of values of the given types, or None for the first page."""
    raw = request.args.get("cursor")
    if not raw:
        return None
    try:
        if len(raw) > 400:
            raise ValueError
        key = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
        if not isinstance(key, list) or len(key) != len(kinds) or \
                not all(isinstance(v, k) and not isinstance(v, bool) for v, k in zip(key, kinds)):
            raise ValueError
        if any(isinstance(v, int) and not 0 <= v < 2**63 for v in key):
            raise ValueError
    except ValueError:
        raise OperationError("INVALID_INPUT", field="cursor", reason="not a cursor this list gave",
                             reason_zh="不是本列表给出的游标") from None
    return key


def page(rows: list, limit: int, key_of) -> tuple[list, str | None]:
    """(the page, next_cursor) from ``limit + 1`` fetched rows."""
    if len(rows) > limit:
        rows = rows[:limit]
        return rows, encode(key_of(rows[-1]))
    return rows, None


def after(columns: list, key: list[Any]):
    """SQL: the row's (c1, c2, …) comes after ``key`` in ascending order (no tuple comparison, so
    SQLite and PostgreSQL plan it the same)."""
    from sqlalchemy import and_, or_
    terms = []
    for i, col in enumerate(columns):
        terms.append(and_(*[c == v for c, v in zip(columns[:i], key[:i])], col > key[i]))
    return or_(*terms)
