"""金三 officer console: forms built from the catalogue, results and FAQ errors, the item queue."""
from __future__ import annotations

import re

from backoffice import catalogue
from backoffice.catalogue import Args, Text
from web_support import play, text, web_for


def _names(html: str, action: str) -> set[str]:
    form = re.search(rf'<form method="post" action="[^"]*{re.escape(action)}"[^>]*>(.*?)</form>', html, re.S)
    assert form, f"no form posting to {action}"
    return set(re.findall(r'name="([^"]+)"', form.group(1))) - {"csrf_token", "next", "__form"}


def test_an_operation_form_has_the_fields_of_its_args_model(app, db, make_world):
    web = web_for(app, db, make_world)
    html = text(web.get("/console/ops/sell_invoices"))
    assert _names(html, "/console/ops/sell_invoices") == {"taxpayer", "code", "start", "end"}
    assert "150001320410" in html   # the invoice codes are offered


def test_the_faq_menu_path_leads_to_the_red_limit(app, db, make_world):
    web = web_for(app, db, make_world)
    html = text(web.get("/console/ops/set_red_limit"))
    crumbs = re.findall(r'<li class="breadcrumb-item">(.*?)</li>', html)
    assert crumbs == ["系统管理", "网络发票管理", "网络发票功能核定", "发票核定信息", "冲红限额"]


def test_selling_shows_the_result_and_the_sale_on_the_taxpayer(app, db, make_world):
    web = web_for(app, db, make_world)
    resp = web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    assert resp.status_code == 200 and "op-result" in text(resp)
    detail = text(web.get("/console/taxpayers/acme"))
    assert "00000001–00000100" in detail
    assert "仅“同步信息”可送达" in detail   # sold before enablement: only 同步信息 delivers it


def test_an_input_error_names_the_field_and_marks_it(app, db, make_world):
    web = web_for(app, db, make_world)
    resp = web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="1", end="00000100")
    html = text(resp)
    assert resp.status_code == 400
    assert 'class="error-code">INVALID_INPUT<' in html
    assert 'class="error-field" data-field="start">起始号码<' in html   # the field, by its label
    assert re.search(r'class="form-control form-control-sm is-invalid" name="start"', html)


def test_a_domain_error_shows_code_and_faq_message(app, db, make_world):
    web = web_for(app, db, make_world)
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    resp = web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000050", end="00000060")
    html = text(resp)
    assert resp.status_code == 409
    assert 'class="error-code">RANGE_UNAVAILABLE<' in html


def test_the_role_of_the_officer_played_is_enforced(app, db, make_world):
    web = web_for(app, db, make_world, officer="h_chen")   # a 地税专管员 only reads and diagnoses
    resp = web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000010")
    assert resp.status_code == 403
    assert 'class="error-code">FORBIDDEN<' in text(resp)


def test_without_an_officer_nothing_runs(app, db, make_world):
    web = web_for(app, db, make_world, officer=None)
    resp = web.console_op("open_wangpiao", taxpayer="acme")
    assert resp.status_code == 403
    assert "请先在本世界选择要扮演的税务人员" in text(resp)


def test_the_collection_section_approves_from_its_queue(app, db, make_world):
    web = web_for(app, db, make_world)
    assert "op-result" in text(web.console_op("request_item", taxpayer="acme", item="无人机航拍服务"))
    play(web.c, web.world.id, "h_zhao")
    index = text(web.get("/console/"))
    assert "无人机航拍服务" in index
    resp = web.post("/console/ops/approve_item", {"item": "无人机航拍服务", "industry": "7240",
                                                  "next": web.w + "/console/"}, from_page="/console/")
    assert resp.status_code == 302
    after = text(web.get("/console/"))
    assert "无人机航拍服务" not in after.split("item-queue", 1)[1].split("</table>", 1)[0]


def test_search_finds_by_tax_id(app, db, make_world):
    web = web_for(app, db, make_world)
    html = text(web.get("/console/?q=MA5U0A0A2M"))
    rows = html.split('class="table table-sm table-hover small taxpayers"', 1)[1].split("</table>", 1)[0]
    assert "acme" in rows and "xinchuang" not in rows
    assert "没有符合条件的纳税人" in text(web.get("/console/?q=nobody-has-this"))


def test_a_new_operation_gets_a_form_without_new_code(app, db, make_world, monkeypatch):
    class StampArgs(Args):
        taxpayer: Text
        note: Text
        urgent: bool = False

    def stamp(ctx, args):
        return {"stamped": args.note}

    catalogue.load_all()
    monkeypatch.setitem(catalogue.REGISTRY, "h_stamp", catalogue.Operation(
        "h_stamp", "盖章", "Stamp", "jinsan", StampArgs, stamp))
    web = web_for(app, db, make_world)
    index = text(web.get("/console/"))
    assert 'data-op="h_stamp"' in index and "其他操作" in index
    html = text(web.get("/console/ops/h_stamp"))
    assert _names(html, "/console/ops/h_stamp") == {"taxpayer", "note", "urgent", "__present_urgent"}
    assert 'type="checkbox" name="urgent"' in html
