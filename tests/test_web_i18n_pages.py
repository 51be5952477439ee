"""Every page in Chinese has no English word but codes and identifiers; every page in English has
no Chinese but the FAQ's proper names and user data. Pages are rendered with data in them: sales,
a login, invoices, a clock move, refusals (their messages come from the failure catalogue)."""
from __future__ import annotations

import html as htmllib
import re

import pytest
from sqlalchemy import select

from backoffice import catalogue
from backoffice.failures import load_catalogue
from backoffice.jinsan.models import Industry, Item, ItemRequest, Officer, Taxpayer
from backoffice.seed import clients
from backoffice.wangpiao.models import WpInvoicer
from backoffice.worlds.models import InvoiceType
from web_support import STORY, post, text, web_for

# Words a Chinese page may show: the simulator's codes and the FAQ's own Latin words.
ZH_ALLOWED = {"CA", "PC", "U-Key", "FAQ", "ID", "setup.exe", "www.02312366.cn", "YAML",
              "English",   # the language switch names the other language in its own words
              "world", "start", "taxpayers"}   # the keys of a scenario world block (the YAML example)
# Chinese an English page may keep: the FAQ's proper names, which English labels keep beside their
# translation so a trainee finds them in the FAQ (and the FAQ's verbatim error messages).
EN_ALLOWED = ("中文", "营改增", "金税通", "金税通网络发票 PC 客户端", "国税版（营改增）下载", "国税版(营改增)", "国税版（营改增）",
              "重庆市地税网票系统(作废冲红版)", "地税作废冲红版", "地税版", "同步信息", "系统管理员", "开票员",
              "维护开票员信息", "系统维护", "系统设置", "常规设置", "控制面板", "添加/删除程序", "下载专区",
              "网络发票管理", "网络发票功能核定", "发票核定信息", "冲红限额", "纳税人编码", "登记序号",
              "金三", "网票", "清分库", "地税", "国税", "冲红", "作废", "附行业", "行业", "品目", "开票",
              "初始化密码", "开通网票", "发售", "退票", "征管科", "专管员", "机具", "号段", "领购",
              "分配发票号段", "分配月冲红和缓存金额", "分配", "开通纳税人", "纳税人识别号", "信息同步", "核定",
              "重庆市国家税务局通用机打一联卷式发票", "重庆市国家税务局通用机打三联发票", "重庆市国家税务局通用机打四联发票")

WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.\-]*")
CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+")
ZH_NAME = "练习世界"


# The pipeline picture and its table are issue 12's (being rewritten there, with their own wording
# test); this check leaves them out until that lands.
ELSEWHERE = re.compile(r'<table class="[^"]*pipeline-events[^"]*">.*?</table>', re.S)


def visible_text(page: str) -> str:
    """What a reader sees: text outside tags, scripts and styles, plus placeholders and titles."""
    page = ELSEWHERE.sub(" ", page)
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    extra = " ".join(re.findall(r'(?:placeholder|title|aria-label|alt)="([^"]*)"', page))
    page = re.sub(r"<[^>]+>", " ", page)
    return htmllib.unescape(page + " " + extra)


def user_data(db, world) -> set[str]:
    """Names the users and the seed data wrote: taxpayers, officers, invoicers, industries, items,
    invoice types, client folders, worlds, logins and refs."""
    out = {world.name} | {e.folder for e in clients().values()}
    for model, cols in ((Taxpayer, ("ref", "name", "tax_id", "registration_no", "taxpayer_code", "ds_account")),
                        (Officer, ("login", "name")), (Industry, ("code", "name")), (Item, ("name",)),
                        (ItemRequest, ("item",)), (WpInvoicer, ("name",)), (InvoiceType, ("name",))):
        for row in db.execute(select(*(getattr(model, c) for c in cols)).where(model.world_id == world.id)):
            out |= {v for v in row if v}
    return out


def _without(body: str, datum: str) -> str:
    """``body`` with each whole occurrence of ``datum`` blanked (a world named "w" leaves "wangpiao" be)."""
    if not datum:
        return body
    return re.sub(rf"(?<![A-Za-z0-9_]){re.escape(datum)}(?![A-Za-z0-9_])", " ", body)


def english_leaks(page: str, data: set[str]) -> list[str]:
    body = visible_text(page)
    for d in sorted(data, key=len, reverse=True):
        body = _without(body, d)
    leaks = []
    for word in WORD.findall(body):
        if word in ZH_ALLOWED or re.fullmatch(r"[A-Z0-9_]+", word) or "_" in word or re.search(r"\d", word):
            continue   # codes (INVALID_INPUT, CA), identifiers (zhang_wei), numbers
        leaks.append(word)
    return leaks


def chinese_leaks(page: str, data: set[str]) -> list[str]:
    body = visible_text(page)
    faq_messages = {e["message_zh"] for e in load_catalogue().values()}
    for d in sorted(data | faq_messages, key=len, reverse=True):
        body = _without(body, d)
    for term in sorted(EN_ALLOWED, key=len, reverse=True):
        body = body.replace(term, " ")
    # the diagnoser's causes quote the FAQ's own phrase in brackets, e.g. "(未到税务机关领购发票)"
    body = re.sub(r"[(（][^()（）]*[\u4e00-\u9fff][^()（）]*[)）]", " ", body)
    return CJK.findall(body)


READY = {**STORY, "taxpayers": [{**STORY["taxpayers"][0], "enabled": True, "red_limit": "1000.00",
                                 "industries": {"main": "7240"},
                                 "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000100"}]},
                                {"ref": "bravo", "kind": "unit", "name": "重庆某某物业有限公司",
                                 "tax_id": "500105203008598", "registration_no": "11500105000000416233",
                                 "specialist": "h_zhang", "ca": "pc", "former_ds_wangpiao": True,
                                 "ds_account": "DS5001050000001", "ds_password": "old-pass-1"}]}


@pytest.fixture(scope="module")
def lived(app, tmp_path_factory):
    """One world with a little of everything, shared by the page checks (read only)."""
    db = app.extensions["backoffice.sessions"]()
    from backoffice.worldbuild import create_world

    def make_world(spec=None, name=ZH_NAME):
        w = create_world(db, {**spec, "start": "2016-05-03T09:00:00+08:00"}, name=name)
        db.commit()
        return w

    web = web_for(app, db, make_world, spec=READY, role="instructor")
    web.console_op("sell_invoices", taxpayer="bravo", code="150001320410", start="00000200", end="00000300")
    web.console_op("sell_invoices", taxpayer="bravo", code="150001320410", start="00000200", end="00000210")
    web.console_op("set_red_limit", taxpayer="acme", amount="一百")
    web.console_op("request_item", taxpayer="acme", item="无人机航拍")
    web.advance("1h")
    web.portal_login()
    web.post("/portal/ops/add_invoicer", {"name": "李开票", "password": "pw-123456"}, from_page="/portal/invoicers")
    web.post("/portal/ops/allocate_amounts", {"invoicer": "系统管理员", "red_amount": "100.00",
                                                "cache_amount": "5000.00"}, from_page="/portal/invoicers")
    web.post("/portal/ops/allocate_segment", {"invoicer": "系统管理员", "code": "150001320410", "start": "00000001",
                                                "end": "00000050"}, from_page="/portal/invoicers")
    item = db.scalar(select(Item.name).join(Industry, Industry.id == Item.industry_id)
                     .where(Item.world_id == web.world.id, Industry.code == "7240").limit(1))
    db.rollback()   # on SQLite an open read holds the write lock the pages need
    web.post("/portal/ops/issue_invoice", {"code": "150001320410", "item": item, "amount": "88.00"},
             from_page="/portal/invoices")
    data = user_data(db, web.world) | {web.user.username, "一百"}   # what was typed is data too
    db.rollback()
    yield web, data
    db.close()


def pages() -> list[str]:
    ops = catalogue.load_all()
    out = ["/console/", "/console/?q=acme", "/console/taxpayers/acme", "/console/taxpayers/bravo",
           "/console/catalogue", "/console/catalogue?q=餐饮服务", "/console/catalogue?q=无人机航拍",
           "/portal/", "/portal/purchases", "/portal/invoicers", "/portal/invoices", "/portal/settings", "/portal/pc",
           "/control", "/control/taxpayers/acme", "/control/taxpayers/bravo", "/control/timeline", "/control/audit",
           "/control/cards/", ""]
    out += [f"/console/ops/{n}" for n, op in sorted(ops.items()) if op.side == "jinsan"]
    out += [f"/portal/ops/{n}" for n, op in sorted(ops.items()) if op.side != "jinsan" and n != "login"]
    return out


@pytest.mark.parametrize("path", pages())
def test_a_page_speaks_one_language(lived, path):
    web, data = lived
    zh = web.get(path)
    assert zh.status_code == 200, path
    assert not english_leaks(text(zh), data), english_leaks(text(zh), data)
    en = web.get(path + ("&" if "?" in path else "?") + "lang=en")
    assert en.status_code == 200
    assert not chinese_leaks(text(en), data), chinese_leaks(text(en), data)


@pytest.mark.parametrize("path", ["/control", "/control/class"])
def test_the_pages_outside_a_world_speak_one_language(lived, app, path):
    web, data = lived
    from backoffice.worlds.models import World
    db = app.extensions["backoffice.sessions"]()
    for world in db.scalars(select(World).where(World.is_template.is_(False))):   # other tests' worlds too
        data = data | user_data(db, world)
    db.close()
    zh, en = web.c.get(path), web.c.get(path + "?lang=en")
    assert zh.status_code == en.status_code == 200
    assert not english_leaks(text(zh), data | {"test world"}), english_leaks(text(zh), data)
    assert not chinese_leaks(text(en), data), chinese_leaks(text(en), data)


REFUSALS = [  # (page the form is on, operation, arguments, code): domain refusals rendered in place
    ("/console/taxpayers/bravo", "console/ops/sell_invoices",
     {"taxpayer": "bravo", "code": "150001320410", "start": "00000250", "end": "00000260"}, "RANGE_UNAVAILABLE"),
    ("/console/taxpayers/acme", "console/ops/assign_industries",
     {"taxpayer": "acme", "main": "7240", "secondary": "6110, 6120, 6210, 6220"}, "TOO_MANY_SECONDARY_INDUSTRIES"),
    ("/portal/invoices", "portal/ops/red_reverse", {"code": "150001320410", "number": "00000001",
                                                    "amount": "5000.00"}, "RED_EXCEEDS_ORIGINAL"),
]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
@pytest.mark.parametrize("page,action,args,code", REFUSALS)
def test_a_refusal_is_shown_in_the_page_language(lived, page, action, args, code, lang):
    web, data = lived
    post(web.c, "/lang/" + lang, {"next": "/"}, from_page="/")
    try:
        resp = web.post("/" + action, {**args, "next": web.w + page}, from_page=page)
        html = text(resp)
        assert 400 <= resp.status_code < 500 and f'class="error-code">{code}<' in html
        leaks = chinese_leaks(html, data) if lang == "en" else english_leaks(html, data)
        assert not leaks, leaks
    finally:
        post(web.c, "/lang/zh_CN", {"next": "/"}, from_page="/")


def test_the_audit_shows_arguments_as_typed_not_as_json_escapes(lived):
    web, _data = lived
    page = text(web.get("/control/audit"))
    assert "一百" in page and "\\u4e00" not in page
    assert re.search(r'<span class="text-muted">金额</span>\s*一百', page)


def test_the_timeline_reads_as_sentences(lived):
    web, _data = lived
    page = text(web.get("/control/timeline"))
    assert "from=" not in page and "events=" not in page and "sale_id" not in page
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d → \d{4}-\d\d-\d\d \d\d:\d\d，\d+ 个事件", page)
