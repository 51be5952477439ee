"""A trainee solves one exercise in exam mode and sees the graded result; the instructor sees it on
the class board. Screenshots at 1366×768 (with BACKOFFICE_SCREENSHOTS=1 also written to
docs/screenshots/: training-attempt.png, training-result.png, training-board.png)."""
from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

from playwright.sync_api import expect

from conftest import ui_login
from web_support import PASSWORD, make_user

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
EXERCISE = "ex3_2_sold_before_enablement"


def test_a_trainee_solves_an_exam_and_the_instructor_sees_it(browser, live_server, db, tmp_path):
    teacher = make_user(db, "instructor", "teacher")
    alice, bob = make_user(db, "trainee", "alice"), make_user(db, "trainee", "bob")
    names = (teacher.username, alice.username, bob.username)
    db.rollback()
    shots = {}

    def context():
        ctx = browser.new_context(base_url=live_server, locale="zh-CN", viewport={"width": 1366, "height": 768})
        ctx.set_default_timeout(20000)
        return ctx

    # the instructor makes a class and assigns the exercise as an exam
    tctx = context()
    tp = tctx.new_page()
    ui_login(tp, names[0], PASSWORD)
    tp.goto("/training/classes")
    class_name = f"营改增一班-{uuid.uuid4().hex[:4]}"
    tp.fill("#class-name", class_name)
    tp.fill("#class-trainees", f"{names[1]}, {names[2]}")
    tp.click("#create-class button[type=submit]")
    expect(tp).to_have_url(re.compile(r"/training/classes/\d+$"))
    board_url = tp.url
    tp.select_option("#assign-exercises", [EXERCISE])
    tp.select_option("#assign-mode", "exam")
    tp.click("#assign-form button[type=submit]")
    expect(tp.locator("#class-board")).to_contain_text("纳税人登录提示“未找到发票领购信息”")

    # the trainee: 我的练习 → the attempt → play the specialist → 同步信息 in the console → 提交
    actx = context()
    ap = actx.new_page()
    ui_login(ap, names[1], PASSWORD)
    ap.click("nav >> text=我的练习")
    ap.click("table.my-attempts a >> text=纳税人登录提示")
    expect(ap.locator("#brief")).to_contain_text("未找到发票领购信息")
    expect(ap.locator("#attempt-mode")).to_have_text("考试")
    shots["attempt"] = tmp_path / "training-attempt.png"
    ap.screenshot(path=str(shots["attempt"]), full_page=True)
    attempt_url = ap.url
    ap.click("button[data-play=h_zhang]")
    expect(ap.locator("#playing")).to_contain_text("h_zhang")
    ap.click("a.menu-op[data-op=diagnose]")
    form = ap.locator("form.op-form").last
    form.locator("[name=taxpayer]").fill("acme")
    form.locator("button[type=submit]").click()
    expect(ap.locator(".op-error .error-code")).to_have_text("FORBIDDEN")      # no diagnoser in an exam
    ap.click("a.menu-op[data-op=sync_info]")
    form = ap.locator("form.op-form").last
    form.locator("[name=taxpayer]").fill("acme")
    form.locator("button[type=submit]").click()
    expect(ap.locator(".op-result")).to_be_visible()
    ap.goto(attempt_url)
    ap.click("#submit-attempt")
    expect(ap).to_have_url(re.compile(r"/result$"))
    expect(ap.locator("#score")).to_have_text("100")
    expect(ap.locator("#verdict")).to_contain_text("通过")
    expect(ap.locator("ul.checkpoints")).to_contain_text("同步信息")
    expect(ap.locator("tr.wrong")).to_contain_text("考试模式下不能使用诊断器")
    expect(ap.locator("ol.solution")).to_contain_text("h_zhang")
    shots["result"] = tmp_path / "training-result.png"
    ap.screenshot(path=str(shots["result"]), full_page=True)

    # the instructor's board shows it, and drills down into it
    tp.goto(board_url)
    row = tp.locator(f"tr[data-trainee='{names[1]}']")
    expect(row.locator("td.cell-pass a.score")).to_have_text("100")
    expect(tp.locator(f"tr[data-trainee='{names[2]}'] td.cell-open")).to_be_visible()
    expect(tp.locator("tr.stat-pass")).to_contain_text("100.0%")
    shots["board"] = tmp_path / "training-board.png"
    tp.screenshot(path=str(shots["board"]), full_page=True)
    row.locator("a.score").click()
    expect(tp.locator("#score")).to_have_text("100")

    for name, path in shots.items():
        assert path.stat().st_size > 20_000, name
    if os.environ.get("BACKOFFICE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        for name, path in shots.items():
            shutil.copy(path, DOCS / path.name)
    tctx.close()
    actx.close()


def test_the_rehearsal_checklist_ticks_itself_live(page, db, tmp_path):
    """A step done through another door (here dispatch itself, as the API or CLI would) is ticked on
    the open console page without a reload; a forbidden move is warned about."""
    from backoffice.dispatch import execute
    from backoffice.training.service import start_personal

    user = make_user(db, "trainee", "rehearse")
    attempt = start_personal(db, EXERCISE, user, "rehearsal")
    db.commit()
    w, username = attempt.attempt_world_id, user.username
    db.rollback()
    page.set_viewport_size({"width": 1366, "height": 768})
    ui_login(page, username, PASSWORD)
    page.goto(f"/worlds/{w}/console/")
    box = page.locator("#rehearsal-checklist")
    expect(box.locator(".checklist-step[data-n='2']")).to_have_class(re.compile(r"\btodo\b"))
    execute(db, w, "h_zhang", "return_invoices",
            {"taxpayer": "acme", "code": "150001320410", "start": "00000001", "end": "00000100"})
    execute(db, w, "h_zhang", "sync_info", {"taxpayer": "acme"})
    db.rollback()
    expect(box.locator(".checklist-step[data-n='2']")).to_have_class(re.compile(r"\bdone\b"), timeout=15000)
    expect(box.locator(".checklist-warning[data-kind=forbidden]")).to_contain_text("return_invoices")
    shot = tmp_path / "training-rehearsal.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 20_000
    if os.environ.get("BACKOFFICE_SCREENSHOTS"):
        shutil.copy(shot, DOCS / shot.name)
