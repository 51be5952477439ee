"""Screenshots of the three areas on the demo world. With BACKOFFICE_SCREENSHOTS=1 they are also
written to docs/screenshots/ (console.png, portal.png, control.png) for the documentation."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from playwright.sync_api import expect

from backoffice.dispatch import execute
from backoffice.seed import load_demo
from backoffice.worldbuild import create_world
from conftest import ui_login
from web_support import PASSWORD, make_user

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_screenshots_of_console_portal_and_control(page, db, tmp_path):
    user = make_user(db, "instructor")
    world = create_world(db, load_demo()["world"], name="演示世界", owner_id=user.id)
    db.commit()
    # the FAQ 3.2 mistake, so the pictures show something to explain
    execute(db, world.id, "zhang_wei", "sell_invoices",
            {"taxpayer": "xinchuang_guanggao", "code": "150001320410", "start": "00000001", "end": "00000050"})
    execute(db, world.id, "zhang_wei", "open_wangpiao", {"taxpayer": "xinchuang_guanggao"})
    w = f"/worlds/{world.id}"
    ui_login(page, user.username, PASSWORD)
    page.goto(w)
    page.select_option("select[name=officer]", "zhang_wei")
    page.click("main form.d-flex button[type=submit]")

    page.goto(w + "/control")
    page.click("button[data-step='1d']")
    shots = {}

    page.goto(w + "/console/taxpayers/xinchuang_guanggao")
    page.click("button[data-op=sync_info]")
    expect(page.locator("#tp-sync_info")).to_be_visible()
    shots["console"] = tmp_path / "console.png"
    page.screenshot(path=str(shots["console"]), full_page=True)

    page.goto(w + "/portal/")
    page.select_option("#wp-taxpayer", "liangjiang_qiche")
    page.fill("#wp-login [name=account]", "11500105000001420685")
    page.fill("#wp-login [name=password]", "420685")
    page.click("#wp-login button[type=submit]")
    expect(page.locator("#wp-who")).to_be_visible()
    page.goto(w + "/portal/settings")
    page.fill("#printer-form [name=right]", "6")
    page.fill("#printer-form [name=down]", "-4")
    page.wait_for_function("document.getElementById('printer-preview').src.includes('right=6')")
    page.wait_for_function("document.getElementById('printer-preview').complete")
    shots["portal"] = tmp_path / "portal.png"
    page.screenshot(path=str(shots["portal"]), full_page=True)

    page.goto(w + "/control/taxpayers/xinchuang_guanggao")
    expect(page.locator(".diagnosis")).to_contain_text("3.2")
    shots["control"] = tmp_path / "control.png"
    page.screenshot(path=str(shots["control"]), full_page=True)

    for name, path in shots.items():
        assert path.stat().st_size > 20_000, name   # a real page, not a blank one
    if os.environ.get("BACKOFFICE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        for name, path in shots.items():
            shutil.copy(path, DOCS / f"{name}.png")
