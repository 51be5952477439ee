"""The 探索 page in a browser: a shipped exploration runs in the background, the page follows its
progress, the result table replays a class as a world whose control room shows the violation."""
from __future__ import annotations

import os
import re
from pathlib import Path

from playwright.sync_api import expect

from conftest import ui_login
from web_support import PASSWORD, make_user

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def shot(page, name: str) -> None:
    """With BACKOFFICE_SCREENSHOTS=1 the page is kept for the docs, like the other browser tests."""
    if os.environ.get("BACKOFFICE_SCREENSHOTS"):
        DOCS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=False)


def test_explore_a_shipped_file_then_replay_its_race(page, db):
    user = make_user(db, "qa")
    db.rollback()
    page.set_viewport_size({"width": 1366, "height": 768})
    ui_login(page, user.username, PASSWORD)
    page.goto("/control/explore")
    page.select_option("#ex-shipped", "return_race")
    shot(page, "explore-form")
    page.click("#explore-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/control/explore/\d+$"))
    expect(page.locator(".explore-status")).to_have_attribute("data-state", "done", timeout=120_000)
    rows = page.locator("table.explore-classes tbody tr, table.explore-classes tr:has(td)")
    expect(rows).to_have_count(3)
    shot(page, "explore-result")
    race = page.locator("table.explore-classes tr", has_text="开具了金三未为其持有的号码")
    race.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/worlds/\d+/control$"))
    expect(page.locator(".checks-panel")).to_contain_text("issued_outside_holding")
    shot(page, "explore-replayed-world")


def test_inject_a_fault_and_see_the_failed_runs(page, db, make_world):
    from qa_support import two_taxpayers
    user = make_user(db, "qa")
    world = make_world(two_taxpayers())
    world.owner_id = user.id
    db.commit()
    page.set_viewport_size({"width": 1366, "height": 768})
    ui_login(page, user.username, PASSWORD)
    page.goto(f"/worlds/{world.id}/control")
    page.select_option("#fault-channel", "incremental")
    page.select_option("#fault-for", "2h")
    page.click("form.inject-fault button[type=submit]:not([name])")
    expect(page.locator(".active-faults")).to_contain_text("增量同步")
    page.click("button[data-step='1h']")
    page.goto(f"/worlds/{world.id}/control/taxpayers/acme?lang=en")
    shot(page, "faults-taxpayer-en")
    expect(page.locator(".active-faults")).to_contain_text("Incremental sync")
    expect(page.locator(".active-faults")).to_contain_text("2016-05-03 11:00")
