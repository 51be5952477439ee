"""网票 portal: login with the FAQ's messages verbatim, the 网票 session kept per world, 系统维护,
issuing, the printer preview and the simulated PC client."""
from __future__ import annotations

import re

from web_support import STORY, login, text, web_for

READY = {
    "taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
                   "registration_no": "11500000000000000001", "specialist": "zhang_wei", "enabled": True,
                   "industries": {"main": "8011", "secondary": []}, "red_limit": "500.00",
                   "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000100"}]}],
}


def _error(html: str) -> tuple[str, str]:
    code = re.search(r'class="error-code">([^<]*)<', html)
    msg = re.search(r'class="error-message">([^<]*)<', html)
    return (code.group(1) if code else None, msg.group(1) if msg else None)


def test_the_login_form_has_every_login_argument(app, db, make_world):
    web = web_for(app, db, make_world)
    html = text(web.get("/portal/"))
    form = html.split('id="wp-login"', 1)[1].split("</form>", 1)[0]
    names = set(re.findall(r'name="([^"]+)"', form))
    assert {"taxpayer", "account", "password", "invoicer", "client", "with_ca", "accept_upgrade"} <= names


def test_faq_3_2_story_through_the_pages(app, db, make_world):
    web = web_for(app, db, make_world)
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    web.console_op("open_wangpiao", taxpayer="acme")
    # before the nightly run the account is not there yet (FAQ 3.1)
    assert _error(text(web.portal_login())) == ("INVOICER_NOT_FOUND", "开票员信息未找到")
    web.advance("1d")
    web.advance("1d")
    resp = web.portal_login()
    assert resp.status_code == 409
    assert _error(text(resp)) == ("NO_PURCHASE_INFO", "未找到发票领购信息")
    why = text(web.get("/control/taxpayers/acme"))
    assert "NO_PURCHASE_INFO" in why and "3.2" in why
    assert "op-result" in text(web.console_op("sync_info", taxpayer="acme"))
    resp = web.portal_login()
    assert resp.status_code == 302
    purchases = text(web.get("/portal/purchases"))
    assert "00000001" in purchases and "00000100" in purchases and "error-code" not in purchases


def test_wrong_password_gives_the_faq_message(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    resp = web.portal_login(password="999999")
    assert _error(text(resp)) == ("BAD_CREDENTIALS", "用户名或密码错")
    assert "999999" not in text(resp)   # a password is never echoed back


def test_english_pages_show_the_english_message(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    web.c.get("/?lang=en")
    resp = web.c.post(web.w + "/portal/login?lang=en", data={
        "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text(web.get("/portal/"))).group(1),
        "taxpayer": "acme", "account": "11500000000000000001", "password": "999999"})
    code, msg = _error(text(resp))
    assert code == "BAD_CREDENTIALS" and msg and not re.search(r"[\u4e00-\u9fff]", msg)
    assert "用户名或密码错" in text(resp)   # the verbatim FAQ wording stays beside it


def test_the_wangpiao_session_is_per_world_and_apart_from_the_user_login(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    assert web.portal_login().status_code == 302
    home = text(web.get("/portal/"))
    assert 'id="wp-who"' in home and "重庆某某广告有限公司" in home
    other = make_world(READY, name="other")
    other.owner_id = web.user.id
    db.commit()
    assert 'id="wp-login"' in text(web.c.get(f"/worlds/{other.id}/portal/"))
    assert web.post("/portal/logout", {}, from_page="/portal/").status_code == 302
    assert 'id="wp-login"' in text(web.get("/portal/"))
    assert web.c.get("/").status_code == 200   # still logged in to the simulator


def test_maintaining_invoicers_and_issuing(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    web.portal_login()
    back = web.w + "/portal/invoicers"
    for name, args in (("add_invoicer", {"name": "李会计", "password": "abc123"}),
                       ("allocate_segment", {"invoicer": "系统管理员", "code": "150001320410",
                                             "start": "00000001", "end": "00000050"}),
                       ("allocate_amounts", {"invoicer": "系统管理员", "red_amount": "100.00",
                                             "cache_amount": "5000.00"})):
        resp = web.post(f"/portal/ops/{name}", {**args, "next": back}, from_page="/portal/invoicers")
        assert resp.status_code == 302, name
    page = text(web.get("/portal/invoicers"))
    assert "李会计" in page and "00000001–00000050" in page and "5000.00" in page
    resp = web.post("/portal/ops/issue_invoice", {"code": "150001320410", "item": "汽车维修", "amount": "120.00"},
                    from_page="/portal/invoices")
    assert resp.status_code == 200 and "op-result" in text(resp)
    invoices = text(web.get("/portal/invoices"))
    assert "汽车维修" in invoices and "120.00" in invoices
    svg = web.get("/portal/invoice-preview.svg?code=150001320410&number=1")
    assert svg.mimetype == "image/svg+xml" and "汽车维修" in text(svg)


def test_an_invoicer_without_segment_may_not_save(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    web.portal_login()
    resp = web.post("/portal/ops/issue_invoice", {"code": "150001320410", "item": "汽车维修", "amount": "1.00"},
                    from_page="/portal/invoices")
    assert _error(text(resp)) == ("NO_PERMISSION_TO_SAVE", "开票员无权限保存")


def test_printer_offsets_and_their_preview(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    web.portal_login()
    page = text(web.get("/portal/settings"))
    assert 'id="printer-preview"' in page and "printer.js" in page
    plain = text(web.get("/portal/printer-preview.svg?invoice_type=32010&right=0&down=0"))
    moved = web.get("/portal/printer-preview.svg?invoice_type=32010&right=5&down=-3")
    assert moved.mimetype == "image/svg+xml" and "<svg" in text(moved) and text(moved) != plain
    resp = web.post("/portal/ops/set_printer", {"invoice_type": "32010", "right": "11", "down": "0"},
                    from_page="/portal/settings")
    assert resp.status_code == 400 and 'class="error-field" data-field="right">右平移（毫米）<' in text(resp)
    resp = web.post("/portal/ops/set_printer", {"invoice_type": "32010", "right": "5", "down": "-3",
                                                "next": web.w + "/portal/settings"}, from_page="/portal/settings")
    assert resp.status_code == 302
    row = text(web.get("/portal/settings")).split("32010 重庆", 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(-?\d+)</td>", row) == ["5", "-3"]


def test_the_pc_client_panel_follows_faq_2(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    web.post("/portal/pc", {"taxpayer": "acme"}, from_page="/portal/pc")
    pc = text(web.get("/portal/pc"))
    assert "3.2.6" in pc and "国税版" in pc
    back = {"next": web.w + "/portal/pc"}
    web.post("/portal/ops/uninstall_client", {"edition": "guoshui", **back}, from_page="/portal/pc")
    pc = text(web.get("/portal/pc"))
    assert "未安装网票客户端" in pc and "卸载残留文件" in pc
    assert _error(text(web.portal_login()))[0] == "CLIENT_NOT_INSTALLED"
    web.post("/portal/ops/reboot", back, from_page="/portal/pc")
    web.post("/portal/ops/install_client", {"edition": "guoshui", "version": "latest", **back}, from_page="/portal/pc")
    pc = text(web.get("/portal/pc"))
    assert "卸载残留文件" not in pc and "3.2.6" in pc
    assert web.portal_login().status_code == 302


def test_operations_need_a_wangpiao_login(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    assert web.get("/portal/invoicers").status_code == 302
    web.post("/portal/pc", {"taxpayer": "acme"}, from_page="/portal/pc")
    resp = web.post("/portal/ops/add_invoicer", {"name": "x", "password": "y"}, from_page="/portal/pc")
    assert _error(text(resp))[0] == "NOT_LOGGED_IN"


def test_old_dishui_invoices_are_listed_for_the_void_client(app, db, make_world):
    spec = {"taxpayers": [{**READY["taxpayers"][0], "former_ds_wangpiao": True, "keeps_ds_login": True,
                           "ds_account": "DS5001030099999", "ds_password": "old-pass1",
                           "ds_invoices": [{"code": "250001560110", "number": "00038207", "amount": "3500.00",
                                            "issued_at": "2016-04-06T10:32:00+08:00"}],
                           "ds_blank_invoices": 1}]}
    web = web_for(app, db, make_world, spec=spec)
    assert web.portal_login(account="DS5001030099999", password="old-pass1").status_code == 302
    page = text(web.get("/portal/invoices"))
    table = page.split("ds-invoices", 1)[1].split("</table>", 1)[0]
    assert "00038207" in table and "3500.00" in table
