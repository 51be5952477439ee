"""Every page needs a login (except login, health and static files), CSRF guards every POST form,
and users reach only their worlds."""
from __future__ import annotations

import re

import pytest

from web_support import PASSWORD, csrf_from, login, make_user, post, text, web_for

PUBLIC = {"auth.login", "home.healthz", "static", "bootstrap.static", "auth.set_lang"}
VALUES = {"world_id": 1, "ref": "acme", "name": "sell_invoices", "code": "en", "job_id": 1, "n": 1, "attempt_id": 1,
          "class_id": 1, "user_id": 1, "exercise_id": "ex3_2_sold_before_enablement"}



def _fill(pattern: str) -> str:
    out = pattern
    for key, value in VALUES.items():
        out = out.replace(f"<int:{key}>", str(value)).replace(f"<{key}>", str(value))
    return out


def _page_rules(app):
    return [r for r in app.url_map.iter_rules()
            if r.endpoint not in PUBLIC and not r.rule.startswith("/api/")]


def test_every_page_redirects_an_anonymous_visitor_to_login(app):
    client = app.test_client()
    token = csrf_from(text(client.get("/login")))
    rules = _page_rules(app)
    assert {"console.index", "portal.index", "control.index", "control.world"} <= {r.endpoint for r in rules}
    for rule in rules:
        url = _fill(rule.rule)
        if "GET" in rule.methods:
            resp = client.get(url)
        else:
            resp = client.post(url, data={"csrf_token": token})
        assert resp.status_code == 302, (rule.rule, resp.status_code)
        assert resp.headers["Location"].startswith("/login"), rule.rule


def test_login_and_health_stay_public(app):
    client = app.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_wrong_password_is_refused_with_a_message(app, db):
    user = make_user(db)
    client = app.test_client()
    resp = login(client, user.username, "not-the-password")
    assert resp.status_code == 401
    assert "用户名或密码错误" in text(resp)
    assert login(client, user.username, PASSWORD).status_code == 302


@pytest.mark.parametrize("path,data", [
    ("/console/ops/open_wangpiao", {"taxpayer": "acme"}),
    ("/control/clock/advance", {"by": "1d"}),
    ("/portal/login", {"taxpayer": "acme", "account": "x", "password": "y"}),
    ("/control/delete", {}),
])
def test_a_post_without_csrf_token_is_rejected_and_changes_nothing(app, db, make_world, path, data):
    web = web_for(app, db, make_world)
    before = web.world.clock_now
    resp = web.c.post(web.w + path, data=data)
    assert resp.status_code == 400
    db.expire_all()
    assert web.world.clock_now == before
    db.rollback()   # SQLite: every transaction begins IMMEDIATE, so end this read before the next request
    assert web.get("/control").status_code == 200   # the world is still there


def test_a_post_with_a_forged_token_is_rejected(app, db, make_world):
    web = web_for(app, db, make_world)
    resp = web.c.post(web.w + "/control/clock/advance", data={"by": "1d", "csrf_token": "forged"})
    assert resp.status_code == 400


def test_a_trainee_cannot_reach_another_trainees_world(app, db, make_world):
    owner = web_for(app, db, make_world)
    other = make_user(db)
    client = app.test_client()
    login(client, other.username)
    for path in ("", "/console/", "/portal/", "/control", "/control/audit", "/console/taxpayers/acme",
                 "/portal/pc", "/control/taxpayers/acme"):
        # another user's world answers as a world that does not exist: ids cannot be probed
        assert client.get(owner.w + path).status_code == 404, path
        assert client.get(f"/worlds/{2**31 - 1}" + path).status_code == 404, path
    resp = post(client, owner.w + "/control/clock/advance", {"by": "1d"}, from_page="/")
    assert resp.status_code == 404
    assert owner.world.name not in text(client.get("/control"))


def test_a_hidden_world_and_a_missing_one_answer_the_same_page(app, db, make_world):
    owner = web_for(app, db, make_world)
    other = make_user(db)
    client = app.test_client()
    login(client, other.username)
    hidden, missing = client.get(owner.w + "/control"), client.get(f"/worlds/{2**31 - 1}/control")
    assert hidden.status_code == missing.status_code == 404
    def alert(resp):
        return text(resp).split('class="alert alert-danger"', 1)[1].split("</div>", 1)[0]
    assert "未找到" in alert(hidden) and alert(hidden) == alert(missing)
    assert "not found" in alert(client.get(owner.w + "/control?lang=en")).lower()


def test_a_member_may_enter_but_not_delete(app, db, make_world):
    owner = web_for(app, db, make_world)
    member = make_user(db)
    assert owner.post("/control/members", {"username": member.username}, from_page="/control").status_code == 302
    client = app.test_client()
    login(client, member.username)
    assert client.get(owner.w + "/console/").status_code == 200
    resp = post(client, owner.w + "/control/delete", {}, from_page="/")
    assert resp.status_code == 403


def test_only_instructors_see_the_class_view(app, db):
    trainee = make_user(db)
    client = app.test_client()
    login(client, trainee.username)
    assert client.get("/control/class").status_code == 403


def test_refusals_are_pages_in_the_users_language(app, db, make_world):
    """403, 405, 413 and a stale form answer with the site's own page in Chinese (English with
    ?lang=en), never the server's bare English page."""
    web = web_for(app, db, make_world)
    c = web.c
    refusals = {
        "403": lambda q: c.get("/control/class" + q),
        "405": lambda q: c.delete("/control" + q),
        "413": lambda q: c.post(web.w + "/control/clock/advance" + q, data={"by": "x" * (3 << 20)}),
        "csrf": lambda q: c.post(web.w + "/control/clock/advance" + q, data={"by": "1d", "csrf_token": "forged"}),
    }
    for name, ask in refusals.items():
        zh = ask("")
        assert zh.status_code in (400, 403, 405, 413), name
        page = text(zh)
        assert 'class="alert alert-danger"' in page and "退出" in page, name   # the site's page, logged in
        body = page.split('class="alert alert-danger"', 1)[1].split("</div>", 1)[0]
        assert re.search(r"[\u4e00-\u9fff]", body), (name, body)
        assert not re.search(r"Forbidden|Not Allowed|Too Large|CSRF token|expired", body), (name, body)
        en = text(ask("?lang=en"))
        en_body = en.split('class="alert alert-danger"', 1)[1].split("</div>", 1)[0]
        assert not re.search(r"[\u4e00-\u9fff]", en_body), (name, en_body)


def test_every_asset_is_served_locally(app, db, make_world):
    web = web_for(app, db, make_world)
    for path in ("/console/", "/portal/", "/control", "/portal/pc"):
        html = text(web.get(path))
        external = re.findall(r'(?:src|href)="((?:https?:)?//[^"]*)"', html)
        assert not external, (path, external)
        assert "/bootstrap/static/css/bootstrap.min.css" in html
    resp = web.c.get("/bootstrap/static/css/bootstrap.min.css")
    assert resp.status_code == 200
    resp.close()
