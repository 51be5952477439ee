"""What a person is refused, and how: login messages, CSRF, someone else's world."""
from __future__ import annotations

from playwright.sync_api import expect

from backoffice.worldbuild import create_world
from conftest import ui_login
from web_support import PASSWORD, STORY, make_user

READY = {"taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
                        "registration_no": "11500000000000000001", "specialist": "zhang_wei", "enabled": True}]}


def _world(db, owner, spec):
    w = create_world(db, {"start": "2016-05-03T09:00:00+08:00", **spec}, name="浏览器测试", owner_id=owner.id)
    db.commit()
    return w


def test_simulator_login_failure_is_explained(page, db):
    user = make_user(db)
    ui_login(page, user.username, "wrong-password")
    expect(page.locator("main .alert-danger")).to_have_text("用户名或密码错误")
    ui_login(page, user.username, PASSWORD)
    expect(page.locator("h1")).to_have_text("我的世界")


def test_wangpiao_login_failures_show_the_faq_messages(page, db):
    user = make_user(db)
    world = _world(db, user, READY)
    ui_login(page, user.username, PASSWORD)
    page.goto(f"/worlds/{world.id}/portal/")
    page.fill("#wp-taxpayer", "acme")
    page.fill("#wp-login [name=account]", "11500000000000000999")
    page.fill("#wp-login [name=password]", "000001")
    page.click("#wp-login button[type=submit]")
    expect(page.locator(".op-error .error-message")).to_have_text("开票员信息未找到")
    page.fill("#wp-login [name=account]", "11500000000000000001")
    page.fill("#wp-login [name=password]", "123456")
    page.click("#wp-login button[type=submit]")
    expect(page.locator(".op-error .error-message")).to_have_text("用户名或密码错")
    expect(page.locator(".op-error details")).to_contain_text("3.1")


def test_a_post_without_csrf_token_is_refused(page, db):
    user = make_user(db)
    world = _world(db, user, STORY)
    ui_login(page, user.username, PASSWORD)
    page.goto(f"/worlds/{world.id}/control")
    resp = page.request.post(f"/worlds/{world.id}/control/clock/advance", form={"by": "1d"})
    assert resp.status == 400
    page.reload()
    expect(page.locator("#clock-now")).to_have_text("2016-05-03 09:00")


def test_a_trainee_cannot_open_another_trainees_world(page, db):
    owner = make_user(db)
    world = _world(db, owner, STORY)
    intruder = make_user(db)
    ui_login(page, intruder.username, PASSWORD)
    for path in ("/console/", "/portal/", "/control"):
        resp = page.goto(f"/worlds/{world.id}{path}")
        assert resp.status == 404, path          # as a world that does not exist: ids cannot be probed
    resp = page.goto("/control/class")
    assert resp.status == 403
