"""The trainee's desk: refused forms keep what was typed, no input answers a 500, look-ups show what
may be typed, lists come a page at a time, and instructors have their taxpayer cards."""
from __future__ import annotations

import re

from backoffice.seed import load_demo
from backoffice.worldbuild import create_world
from web_support import STORY, login, make_user, post, text, web_for

READY = {**STORY, "taxpayers": [{**STORY["taxpayers"][0], "enabled": True, "red_limit": "1000.00",
                                 "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000100"}]}]}
HUGE = "9" * 30


def _form(html: str, form_id: str) -> str:
    m = re.search(rf'<form [^>]*data-form="{re.escape(form_id)}"[^>]*>(.*?)</form>', html, re.S)
    assert m, f"no form {form_id}"
    return m.group(0)


def test_a_thirty_digit_red_limit_answers_the_page_with_the_field_marked(app, db, make_world):
    web = web_for(app, db, make_world)
    resp = web.post("/console/ops/set_red_limit", {"taxpayer": "acme", "amount": HUGE,
                                                   "next": web.w + "/console/taxpayers/acme"},
                    from_page="/console/taxpayers/acme")
    html = text(resp)
    assert resp.status_code == 400 and '<html lang="zh-CN">' in html
    form = _form(html, "set_red_limit")
    assert 'data-field="amount">金额<' in form and "is-invalid" in form and f'value="{HUGE}"' in form
    assert 'id="tp-set_red_limit" class="accordion-collapse collapse show"' in html   # the form stays open


def test_a_thirty_digit_cache_amount_answers_the_portal_page_with_the_field_marked(app, db, make_world):
    web = web_for(app, db, make_world, spec=READY)
    web.portal_login()
    resp = web.post("/portal/ops/allocate_amounts", {"invoicer": "系统管理员", "red_amount": "10.00",
                                                     "cache_amount": HUGE, "next": web.w + "/portal/invoicers"},
                    from_page="/portal/invoicers")
    html = text(resp)
    assert resp.status_code == 400
    form = _form(html, "allocate_amounts")
    assert 'data-field="cache_amount">缓存金额<' in form and f'value="{HUGE}"' in form
    assert 'value="10.00"' in form and 'value="系统管理员"' in form


def test_a_refused_form_on_the_taxpayer_page_keeps_its_values_and_offers_the_faq_remedy(app, db, make_world):
    web = web_for(app, db, make_world)
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    resp = web.post("/console/ops/sell_invoices", {"taxpayer": "acme", "code": "150001320410", "start": "00000050",
                                                   "end": "00000060", "next": web.w + "/console/taxpayers/acme"},
                    from_page="/console/taxpayers/acme")
    html = text(resp)
    assert resp.status_code == 409
    form = _form(html, "sell_invoices")
    assert 'class="error-code">RANGE_UNAVAILABLE<' in form
    assert 'value="00000050"' in form and 'value="00000060"' in form and 'value="150001320410"' in form
    assert "faq-remedy" in form                                     # the FAQ's steps, beside the form
    assert 'id="tp-sell_invoices" class="accordion-collapse collapse show"' in html
    assert "alert-danger\">RANGE_UNAVAILABLE" not in html            # no top banner instead


def test_a_refused_queue_decision_stays_on_its_row(app, db, make_world):
    web = web_for(app, db, make_world, officer="h_zhao")
    web.c.post  # the item queue: report as the specialist, decide as 征管科
    from web_support import play
    play(web.c, web.world.id, "h_zhang")
    web.console_op("request_item", taxpayer="acme", item="无人机航拍")
    play(web.c, web.world.id, "h_zhao")
    index = text(web.get("/console/"))
    form_id = re.search(r'data-form="(approve_item-\d+)"', index).group(1)
    resp = web.post("/console/ops/approve_item", {"item": "无人机航拍", "industry": "0000", "__form": form_id,
                                                  "next": web.w + "/console/"}, from_page="/console/")
    assert resp.status_code == 400
    form = _form(text(resp), form_id)
    assert 'value="0000"' in form and "is-invalid" in form


def test_the_sale_form_shows_the_office_stock_still_free(app, db, make_world):
    web = web_for(app, db, make_world)   # h_zhang has no office: it sells from any office's stock
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    html = text(web.get("/console/taxpayers/acme"))
    box = re.search(r'<div class="small stock-ranges.*?</div>\s*</div>', html, re.S).group(0)
    assert 'data-code="150001320410" data-start="00000101" data-end="00100000"' in box
    held = re.search(r'<div class="small held-ranges.*?</div>', html, re.S).group(0)
    assert 'data-start="00000001" data-end="00000100"' in text(web.get("/console/taxpayers/acme"))
    assert held


def test_the_catalogue_names_the_industries_holding_an_item(app, db, make_world):
    web = web_for(app, db, make_world)
    html = text(web.get("/console/catalogue?q=餐饮服务"))
    verdict = re.search(r'<div class="alert [^"]*catalogue-verdict">(.*?)</div>\s*</div>', html, re.S).group(1)
    assert "6110 旅游饭店" in verdict and "6210 正餐服务" in verdict and "6220" not in verdict
    html = text(web.get("/console/catalogue?q=无人机航拍"))
    assert "没有行业含有品目“无人机航拍”" in html
    assert "/console/catalogue" in text(web.get("/console/"))   # reachable from the console


def test_look_ups_answer_a_few_matches_as_json(app, db, make_world):
    web = web_for(app, db, make_world)
    rows = web.get("/lookup/taxpayers?q=广告").get_json()
    assert rows == [{"value": "acme", "label": "acme — 重庆某某广告有限公司"}]
    assert web.get("/lookup/items?q=餐饮").get_json()[0]["value"] == "餐饮服务"
    assert web.get("/lookup/taxpayers?q=%25").get_json() == []      # % is a character, not a wildcard
    assert web.get("/lookup/nothing").status_code == 404


def test_taxpayer_lists_come_a_page_at_a_time(app, db, make_world):
    taxpayers = [{"ref": f"t{i:03d}", "kind": "unit", "name": f"重庆测试{i:03d}有限公司",
                  "tax_id": tid, "registration_no": f"1150000000000000{i:04d}"}
                 for i, tid in enumerate(_tax_ids(60))]
    web = web_for(app, db, make_world, spec={**STORY, "taxpayers": taxpayers}, role="instructor")
    first = text(web.get("/console/"))
    assert first.count('href="/worlds/%d/console/taxpayers/' % web.world.id) == 50
    assert 'rel="next"' in first
    second = text(web.get("/console/?page=2"))
    assert second.count('href="/worlds/%d/console/taxpayers/' % web.world.id) == 10
    found = text(web.get("/console/?q=t05&partial=taxpayers"))
    assert found.startswith('{#') is False and "t050" in found and "t040" not in found and "<html" not in found
    control = text(web.get("/control"))
    assert control.count("/control/taxpayers/t0") == 50


def _tax_ids(n: int) -> list[str]:
    from stdnum.cn import uscc
    out = []
    for i in range(n):
        body = f"91500000MA5U{i:05d}"[:17]
        out.append(body + uscc.calc_check_digit(body))
    return out


def test_the_class_view_diagnoses_only_the_taxpayers_it_shows(app, db, make_world, monkeypatch):
    import backoffice.web.control as control
    web = web_for(app, db, make_world, spec={**STORY, "taxpayers": [
        {"ref": f"t{i:03d}", "kind": "unit", "name": f"重庆测试{i:03d}有限公司", "tax_id": tid,
         "registration_no": f"1150000000000000{i:04d}"} for i, tid in enumerate(_tax_ids(25))]}, role="instructor")
    calls = []
    real = control.diagnose_read
    monkeypatch.setattr(control, "diagnose_read", lambda *a, **k: calls.append((a[1].id, a[2])) or real(*a, **k))
    html = text(web.c.get("/control/class"))
    mine = [ref for w, ref in calls if w == web.world.id]
    assert len(calls) <= 10 * 10 and mine == [f"t{i:03d}" for i in range(10)]
    assert f"/worlds/{web.world.id}/control" in html and "tp_page=2" in html


def test_instructors_have_taxpayer_cards_with_credentials_and_faq_cases(app, db):
    user = make_user(db, "instructor")
    world = create_world(db, load_demo()["world"], name="演示世界", owner_id=user.id)
    db.commit()
    client = app.test_client()
    login(client, user.username)
    html = text(client.get(f"/worlds/{world.id}/control/cards/"))
    card = re.search(r'data-ref="shancheng_huoguo">(.*?)</div></div>', html, re.S).group(1)
    assert "DS5001030012345" in card and "scHG2015" in card and "常见问题 3.1" in card
    card = re.search(r'data-ref="chenji_xiaomian">(.*?)</div></div>', html, re.S).group(1)
    assert "141480" in card and "518609" in card and "11500103000001518609" in card
    card = re.search(r'data-ref="jinqiao_zhuangshi">(.*?)</div></div>', html, re.S).group(1)
    assert "PC版CA" in card and "地税版" in card and "6.1" in card
    trainee = make_user(db, "trainee")
    other = app.test_client()
    login(other, trainee.username)
    # a world the trainee may not see is not there for it at all (its id says nothing)
    assert other.get(f"/worlds/{world.id}/control/cards/").status_code == 404


def test_no_hostile_input_gets_a_server_error(app, db, make_world):
    """Every operation form posted with hostile values answers below 500."""
    from backoffice import catalogue
    web = web_for(app, db, make_world, spec=READY, role="instructor", officer="h_zhang")
    web.portal_login()
    hostile = [HUGE, "-" + HUGE, "'; DROP TABLE worlds; --", "x" * 5000, "\u0000", "１２３", "1e309"]
    for name, op in sorted(catalogue.load_all().items()):
        area = "console" if op.side == "jinsan" else "portal"
        if name == "login":
            continue
        fields = op.args_model.model_json_schema().get("properties", {})
        for value in hostile:
            data = {k: value for k in fields}
            resp = post(web.c, f"{web.w}/{area}/ops/{name}", data, from_page=f"{web.w}/{area}/")
            assert resp.status_code < 500, (name, value[:20], resp.status_code)
