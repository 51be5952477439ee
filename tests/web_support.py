"""Helpers for the web tests: users, logging in through the real form, CSRF tokens from pages."""
from __future__ import annotations

import re
import uuid

from backoffice.users.service import create_user

PASSWORD = "correct-horse-9"
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def make_user(db, role: str = "trainee", prefix: str = "u"):
    user = create_user(db, f"{prefix}_{uuid.uuid4().hex[:8]}", PASSWORD, role)
    db.commit()
    return user


def csrf_from(html: str) -> str:
    m = CSRF.search(html)
    assert m, "the page has no CSRF token"
    return m.group(1)


def login(client, username: str, password: str = PASSWORD):
    page = client.get("/login")
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf_from(page.get_data(as_text=True))})


def token(client, path: str = "/") -> str:
    return csrf_from(client.get(path).get_data(as_text=True))


def post(client, path: str, data: dict, from_page: str = "/", **kw):
    data = dict(data)
    data.setdefault("csrf_token", token(client, from_page))
    return client.post(path, data=data, **kw)


def play(client, world_id: int, officer: str):
    return post(client, f"/worlds/{world_id}/play", {"officer": officer}, from_page=f"/worlds/{world_id}")
