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


STORY = {
    "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"},
                 {"login": "h_zhao", "name": "赵敏", "role": "collection_section"},
                 {"login": "h_chen", "name": "陈静", "role": "ds_specialist"}],
    "taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
                   "registration_no": "11500000000000000001", "specialist": "h_zhang"}],
}
ACME_LOGIN = {"taxpayer": "acme", "account": "11500000000000000001", "password": "000001", "client": "guoshui",
              "__present_with_ca": "1", "__present_accept_upgrade": "1", "accept_upgrade": "true"}


class Web:
    """A logged-in test client bound to one world, with short helpers for its three areas."""

    def __init__(self, client, world, user):
        self.c, self.world, self.user = client, world, user
        self.w = f"/worlds/{world.id}"

    def get(self, path, **kw):
        return self.c.get(self.w + path, **kw)

    def post(self, path, data, from_page=""):
        return post(self.c, self.w + path, data, from_page=self.w + from_page)

    def console_op(self, name, **args):
        return self.post(f"/console/ops/{name}", args, from_page="/console/")

    def portal_login(self, **overrides):
        return self.post("/portal/login", {**ACME_LOGIN, **overrides}, from_page="/portal/")

    def advance(self, by):
        return self.post("/control/clock/advance", {"by": by}, from_page="/control")


def web_for(app, db, make_world, spec=None, role="trainee", officer="h_zhang"):
    user = make_user(db, role)
    world = make_world(spec if spec is not None else STORY)
    world.owner_id = user.id
    db.commit()
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    web = Web(client, world, user)
    if officer:
        play(client, world.id, officer)
    return web


def text(resp) -> str:
    return resp.get_data(as_text=True)
