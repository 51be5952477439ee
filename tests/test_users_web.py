"""People log in as users; they see the worlds they own or joined; they play one officer at a time."""
from __future__ import annotations

import re
import uuid

import pytest

from backoffice.users.service import create_user
from backoffice.worldbuild import create_world
from backoffice.worlds.service import add_member


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


@pytest.fixture
def users(db):
    tag = uuid.uuid4().hex[:6]
    made = {}
    for role in ("instructor", "trainee", "qa"):
        name = f"{role}_{tag}"
        create_user(db, name, "correct horse", role)
        made[role] = name
    made["other"] = f"trainee2_{tag}"
    create_user(db, made["other"], "correct horse", "trainee")
    db.commit()
    return made


def login(client, username, password="correct horse", next_url=None):
    page = client.get("/login")
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"username": username, "password": password, "csrf_token": csrf_from(page.text)})


def test_healthz_needs_no_login(app):
    r = app.test_client().get("/healthz")
    assert r.status_code == 200 and r.json["status"] == "ok"


def test_pages_need_login(app):
    r = app.test_client().get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_login_wrong_password_then_right(app, users):
    c = app.test_client()
    r = login(c, users["trainee"], "wrong password")
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = login(c, users["trainee"])
    assert r.status_code == 302
    assert c.get("/").status_code == 200


def test_password_is_stored_hashed(db, users):
    from sqlalchemy import select
    from backoffice.users.models import User
    u = db.scalars(select(User).where(User.username == users["qa"])).one()
    assert "correct horse" not in u.password_hash and u.password_hash.startswith(("scrypt:", "pbkdf2:"))


@pytest.mark.parametrize("target, expected", [
    ("/healthz", "/healthz"),
    ("https://evil.example/", "/"),
    ("//evil.example/", "/"),
    ("/\\evil.example", "/"),
])
def test_next_redirect_is_same_site_only(app, users, target, expected):
    c = app.test_client()
    r = login(c, users["trainee"], next_url=target)
    assert r.status_code == 302
    assert r.headers["Location"] == expected


def test_login_without_csrf_token_is_refused(app, users):
    c = app.test_client()
    r = c.post("/login", data={"username": users["trainee"], "password": "correct horse"})
    assert r.status_code == 400
    assert c.get("/").status_code == 302  # still not logged in


def test_session_cookie_flags(app, users):
    c = app.test_client()
    r = login(c, users["trainee"])
    cookie = r.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_world_visibility_and_playing_an_officer(app, db, users):
    from sqlalchemy import select
    from backoffice.users.models import User
    ids = {k: db.scalars(select(User.id).where(User.username == v)).one() for k, v in users.items()}
    mine = create_world(db, {"start": "2016-05-03T09:00:00+08:00"}, name=f"mine-{users['trainee']}", owner_id=ids["trainee"])
    theirs = create_world(db, {"start": "2016-05-03T09:00:00+08:00"}, name=f"theirs-{users['other']}", owner_id=ids["other"])
    shared = create_world(db, {"start": "2016-05-03T09:00:00+08:00"}, name=f"shared-{users['other']}", owner_id=ids["other"])
    add_member(db, shared, ids["trainee"])
    db.commit()

    trainee = app.test_client()
    login(trainee, users["trainee"])
    index = trainee.get("/").text
    assert mine.name in index and shared.name in index and theirs.name not in index
    assert trainee.get(f"/worlds/{theirs.id}").status_code == 404   # as if it did not exist

    page = trainee.get(f"/worlds/{mine.id}")
    assert page.status_code == 200
    r = trainee.post(f"/worlds/{mine.id}/play", data={"officer": "zhang_wei", "csrf_token": csrf_from(page.text)})
    assert r.status_code == 302
    assert 'id="playing">zhang_wei<' in trainee.get(f"/worlds/{mine.id}").text
    # playing an officer of another world is refused
    r = trainee.post(f"/worlds/{theirs.id}/play", data={"officer": "zhang_wei", "csrf_token": csrf_from(page.text)})
    assert r.status_code == 404

    instructor = app.test_client()
    login(instructor, users["instructor"])
    index = instructor.get("/").text
    assert mine.name in index and theirs.name in index and shared.name in index


def test_logout_is_a_post_with_csrf(app, users):
    c = app.test_client()
    login(c, users["trainee"])
    page = c.get("/")
    assert c.post("/logout").status_code == 400          # no token
    assert c.post("/logout", data={"csrf_token": csrf_from(page.text)}).status_code == 302
    assert c.get("/").status_code == 302
