"""Every channel in the pipeline: each delivery with its made / due / delivered times and channel, in
the view, the CLI, the API, the control room's picture and table, and the console's 待同步到网票."""
from __future__ import annotations

import re

from backoffice.cli import main
from backoffice.dispatch import advance_clock
from backoffice.sync.pipeline import pipeline
from backoffice.worlds.service import get_world

from diagnosis_support import READY, Player, spec, taxpayer
from web_support import STORY, text, web_for

ACCOUNT = "11500000000000000001"


def view(db, world, ref="acme"):
    db.expire_all()
    out = pipeline(db, get_world(db, world.id), ref)
    db.rollback()
    return out


def by_what(v: dict) -> dict[str, dict]:
    return {d["what"]: d for d in v["deliveries"]}


def busy_world(db, make_world):
    """One of each channel: a red limit, a 附行业, a reset, flags, a CA cancellation, invoices, the PC."""
    w = make_world(spec(taxpayer(**READY, ca="pc"), taxpayer("late", 2), seed=3))
    p = Player(db, w)
    steps = [
        {"actor": "h_spec", "op": "set_red_limit", "args": {"taxpayer": "acme", "amount": "800.00"}},
        {"actor": "h_spec", "op": "assign_industries", "args": {"taxpayer": "acme", "main": "7240", "secondary": ["7292"]}},
        {"actor": "h_spec", "op": "reset_password", "args": {"taxpayer": "acme"}},
        {"actor": "h_ops", "op": "set_dual_flag", "args": {"taxpayer": "acme", "value": True}},
        {"actor": "h_ops", "op": "cancel_ca", "args": {"taxpayer": "acme"}},
        {"actor": "acme", "op": "login", "args": {"account": ACCOUNT, "password": "", "with_ca": True}},
        {"actor": "acme", "op": "allocate_segment", "args": {"invoicer": "系统管理员", "code": "150001320410",
                                                             "start": "00000001", "end": "00000100"}},
        {"actor": "acme", "op": "allocate_amounts", "args": {"invoicer": "系统管理员", "red_amount": "0.00",
                                                             "cache_amount": "5000.00"}},
        {"actor": "acme", "op": "issue_invoice", "args": {"code": "150001320410", "item": "广告设计", "amount": "100.00"}},
        {"actor": "acme", "op": "uninstall_client", "args": {"edition": "guoshui"}},
        {"actor": "h_spec", "op": "sell_invoices", "args": {"taxpayer": "late", "code": "150001320410",
                                                            "start": "00000201", "end": "00000210"}},
        {"actor": "h_spec", "op": "sell_invoices", "args": {"taxpayer": "late", "code": "150001300110",
                                                            "start": "00000001", "end": "00000010"}},
        {"actor": "h_ops", "op": "set_ygz_flag", "args": {"taxpayer": "late", "value": False}},
    ]
    for step in steps:
        assert isinstance(p.run(step), dict), step
    return w


def test_every_channel_with_its_times(db, make_world):
    w = busy_world(db, make_world)
    v = by_what(view(db, w))
    # made at 09:00; the incremental at 09:05 carries what 09:00 made (that run had gone)
    assert {k: v["red limit 800.00"][k] for k in ("channel", "made", "due", "delivered", "status")} == {
        "channel": "incremental", "made": "2016-05-03T09:00:00+08:00", "due": "2016-05-03T09:05:00+08:00",
        "delivered": None, "status": "pending"}
    assert (v["industry assignment 7240, 7292"]["channel"], v["industry assignment 7240, 7292"]["due"]) == (
        "industry_incremental", "2016-05-03T09:30:00+08:00")
    assert v["password reset (初始化密码)"]["channel"] == "incremental"
    flag = v["dual (国税 + 地税) flag true"]
    assert (flag["channel"], flag["made"], flag["delivered"]) == ("ops", "2016-05-03T09:00:00+08:00",
                                                                  "2016-05-03T09:00:00+08:00")
    ca = v["CA cancellation"]
    assert (ca["channel"], ca["status"], ca["delivered"]) == ("ops", "pending", None) and ca["due"] > ca["made"]
    upload = v["invoice 150001320410 00000001 issued 100.00"]
    assert (upload["from"], upload["to"], upload["channel"], upload["delivered"]) == (
        "wangpiao", "jinsan", "upload", "2016-05-03T09:00:00+08:00")
    leftovers = next(d for d in view(db, w)["deliveries"] if d["kind"] == "client")
    assert (leftovers["status"], leftovers["what_zh"]) == ("state", "国税版(营改增)卸载残留文件")

    advance_clock(db, w.id, until="2016-05-03T10:00:00+08:00")
    v = by_what(view(db, w))
    assert (v["red limit 800.00"]["delivered"], v["red limit 800.00"]["status"]) == ("2016-05-03T09:05:00+08:00",
                                                                                     "delivered")
    assert v["industry assignment 7240, 7292"]["delivered"] == "2016-05-03T09:30:00+08:00"
    assert v["password reset (初始化密码)"]["delivered"] == "2016-05-03T09:05:00+08:00"
    assert v["CA cancellation"]["delivered"] == v["CA cancellation"]["due"]

    # a taxpayer not enabled: its account, sale and flag wait for 开通网票; a paper code never goes
    late = view(db, w, "late")
    kinds = {(d["kind"], d["status"]) for d in late["deliveries"]}
    assert {("account", "blocked"), ("sale", "blocked"), ("flag", "blocked")} <= kinds
    paper = next(d for d in late["deliveries"] if "150001300110" in d["what"])
    assert paper["note_zh"] == "非网票号段：不会同步到网票"


def test_a_flag_set_before_the_account_arrives_with_it_and_an_approved_item_nightly(db, make_world, op):
    w = make_world(spec(taxpayer(industries={"main": "7240"})))
    op(w, "h_spec", "open_wangpiao", taxpayer="acme")
    op(w, "h_ops", "set_dual_flag", taxpayer="acme", value=True)
    op(w, "h_spec", "request_item", taxpayer="acme", item="无人机航拍服务")
    op(w, "zhao_min", "approve_item", item="无人机航拍服务", industry="7240")
    v = by_what(view(db, w))
    assert (v["dual (国税 + 地税) flag true"]["status"], v["dual (国税 + 地税) flag true"]["due"]) == (
        "pending", "2016-05-04T02:00:00+08:00")
    assert v["item 无人机航拍服务 (7240)"]["due"] == "2016-05-04T02:00:00+08:00"
    advance_clock(db, w.id, by="1d")
    v = by_what(view(db, w))
    for what in ("dual (国税 + 地税) flag true", "item 无人机航拍服务 (7240)", "网票 account with its 系统管理员"):
        assert (v[what]["delivered"], v[what]["channel"]) == ("2016-05-04T02:00:00+08:00", "nightly_clearing"), what


def test_the_cli_and_the_api_show_every_channel(app, db, make_world):
    w = busy_world(db, make_world)
    wid = w.id
    db.rollback()
    runner = app.test_cli_runner()
    r = runner.invoke(main, ["pipeline", str(wid), "acme", "--lang", "zh"])
    assert r.exit_code == 0, r.output
    assert re.search(r"incremental\s+pending\s+jinsan → wangpiao\s+05-03 09:00 → 05-03 09:05 → —\s+冲红限额 800.00", r.output)
    for words in ("行业核定 7240, 7292", "初始化密码", "国地税同时开票标识 true", "取消 CA", "发票 150001320410 00000001 开具",
                  "国税版(营改增)卸载残留文件"):
        assert words in r.output, words
    advance_clock(db, wid, by="2h")
    db.rollback()
    r = runner.invoke(main, ["jobs", str(wid)])
    assert r.exit_code == 0, r.output
    assert "ca_cancel" in r.output and "acme" in r.output and "done 2016-05-03T" in r.output


def test_the_picture_labels_never_collide_and_speak_the_pages_language(app, db, make_world):
    web = web_for(app, db, make_world, role="instructor",
                  spec={**STORY, "taxpayers": [{**STORY["taxpayers"][0], **READY, "ca": "pc"}]})
    for name, args in (("set_red_limit", {"taxpayer": "acme", "amount": "800.00"}),
                       ("assign_industries", {"taxpayer": "acme", "main": "7240", "secondary": ["7292"]}),
                       ("reset_password", {"taxpayer": "acme"}), ("set_ygz_flag", {"taxpayer": "acme", "value": True})):
        web.console_op(name, **args)
    from backoffice.web.pipeline_view import FONT, text_width
    for lang, words in (("zh_CN", "冲红限额 800.00"), ("en", "red limit 800.00")):
        html = text(web.get(f"/control/taxpayers/acme?lang={lang}"))
        svg = html.split('<svg class="pipeline"', 1)[1].split("</svg>", 1)[0]
        assert words in svg
        labels = [(float(x), float(y), t) for x, y, t in
                  re.findall(r'<text x="([\d.]+)" y="([\d.]+)" class="ev">([^<]+)</text>', svg)]
        assert len(labels) >= 8
        for i, (x1, y1, t1) in enumerate(labels):
            for x2, y2, t2 in labels[i + 1:]:
                if abs(y1 - y2) < FONT:   # the same row: their extents must not meet
                    assert x1 + text_width(t1) <= x2 or x2 + text_width(t2) <= x1, (t1, t2)
        table = html.split('class="table table-sm small pipeline-channels"', 1)[1].split("</table>", 1)[0]
        assert ("增量同步" if lang == "zh_CN" else "Incremental sync") in table
        assert ("行业增量同步" if lang == "zh_CN" else "Industry incremental sync") in table
    assert "ev" in svg and 'font-size:12px' in html   # readable: 12 px labels in a picture drawn at its size


def test_the_consoles_waiting_list_includes_industry_changes(app, db, make_world):
    web = web_for(app, db, make_world, spec={**STORY, "taxpayers": [{**STORY["taxpayers"][0], **READY}]})
    web.console_op("assign_industries", taxpayer="acme", main="7240", secondary=["7292"])
    page = text(web.get("/console/taxpayers/acme"))
    waiting = page.split('class="table table-sm small changes"', 1)[1].split("</table>", 1)[0]
    assert "行业核定 7240, 7292" in waiting and "行业增量同步" in waiting and "05-03 09:30" in waiting
