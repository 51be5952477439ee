"""FAQ 3.2 end to end in a browser: the officer sells before enabling 网票, the taxpayer sees
未找到发票领购信息, the control room shows why, the officer runs 同步信息, the purchase arrives."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from conftest import ui_login
from web_support import PASSWORD, make_user

SCENARIO = """name: FAQ 3.2 先发售后开通
world:
  start: 2016-05-03T09:00:00+08:00
  officers:
    - {login: h_zhang, name: 张明, role: specialist}
  taxpayers:
    - ref: acme
      kind: unit
      name: 重庆某某广告有限公司
      tax_id: "91500000MA5U0A0A2M"
      registration_no: "11500000000000000001"
      specialist: h_zhang
"""


def officer_op(page, world_url: str, op: str, **fields):
    page.goto(world_url + "/console/")
    page.click(f"a.menu-op[data-op={op}]")
    form = page.locator("form.op-form").last
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("button[type=submit]").click()
    expect(page.locator(".op-result")).to_be_visible()


def portal_login(page, world_url: str):
    page.goto(world_url + "/portal/")
    page.fill("#wp-taxpayer", "acme")
    page.fill("#wp-login [name=account]", "11500000000000000001")
    page.fill("#wp-login [name=password]", "000001")
    page.click("#wp-login button[type=submit]")


def test_sale_before_enablement_is_fixed_by_sync_info(page, db):
    user = make_user(db)
    ui_login(page, user.username, PASSWORD)

    page.goto("/control")
    page.fill("#cw-spec", SCENARIO)
    page.click("#create-world button[type=submit]")
    expect(page).to_have_url(re.compile(r"/worlds/\d+/control$"))
    world_url = page.url[: -len("/control")]

    page.goto(world_url)
    page.select_option("select[name=officer]", "h_zhang")
    page.click("main form.d-flex button[type=submit]")
    expect(page.locator("#playing")).to_contain_text("h_zhang")

    officer_op(page, world_url, "sell_invoices", taxpayer="acme", code="150001320410",
               start="00000001", end="00000100")
    officer_op(page, world_url, "open_wangpiao", taxpayer="acme")

    page.goto(world_url + "/control")
    page.click("button[data-step='1d']")
    page.click("button[data-step='1d']")
    expect(page.locator("#clock-now")).to_have_text("2016-05-05 09:00")

    portal_login(page, world_url)
    expect(page.locator(".op-error .error-code")).to_have_text("NO_PURCHASE_INFO")
    expect(page.locator(".op-error .error-message")).to_have_text("未找到发票领购信息")

    page.goto(world_url + "/control/taxpayers/acme")
    diagnosis = page.locator(".diagnosis")
    expect(diagnosis).to_contain_text("NO_PURCHASE_INFO")
    expect(diagnosis).to_contain_text("3.2")
    expect(page.locator(".pipeline-events")).to_contain_text("仅“同步信息”可送达")

    officer_op(page, world_url, "sync_info", taxpayer="acme")

    portal_login(page, world_url)
    expect(page.locator("#wp-who")).to_contain_text("重庆某某广告有限公司")
    page.click("text=发票领购信息")
    expect(page.locator("table.purchases")).to_contain_text("00000001")
    expect(page.locator("table.purchases")).to_contain_text("00000100")
