"""Every remedy cures, as the diagnoser states it: one test per numbered FAQ case (2, 3.1–7).

Each case reproduces the failure, asks the diagnoser (the audited ``diagnose`` operation, as an
officer would), then does exactly what the first problem's remedy says — every operation of every
step, in order, each of which must succeed — and finally runs the problem's ``check``: the
failure is gone, and the diagnoser no longer names that case. Only what the diagnoser cannot know
(a password the taxpayer chose) is supplied by the test.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import pytest

from backoffice.dispatch import execute

from diagnosis_support import READY, Player, spec, taxpayer

ACCOUNT, PASSWORD = "11500000000000000001", "000001"
LOGIN = {"actor": "acme", "op": "login", "args": {"account": ACCOUNT, "password": PASSWORD}}


def login(**args) -> dict:
    return {"actor": "acme", "op": "login", "args": {"account": ACCOUNT, "password": PASSWORD, **args}}


def op(name: str, actor: str = "acme", /, **args) -> dict:
    return {"actor": actor, "op": name, "args": args}


ALLOCATE = [op("allocate_segment", invoicer="系统管理员", code="150001320410", start="00000001", end="00000100")]
DS_USER = dict(former_ds_wangpiao=True, keeps_ds_login=True, ds_account="DS500103000001", ds_password="ds-2015",
               ygz=False, enabled=True, client="dishui")
DS_LOGIN = {"actor": "acme", "op": "login", "args": {"account": "DS500103000001", "password": "ds-2015",
                                                       "client": "dishui"}}
OLD_DS = dict(ds_invoices=[{"code": "250001600011", "number": "00001001", "amount": "500.00",
                            "issued_at": "2016-04-20T10:00:00+08:00"}])


def ops_named(problem: dict) -> list[str]:
    return [a.get("op", "advance") for s in problem["remedy"] for a in s["do"]]


@dataclass
class Case:
    name: str
    expect: tuple                      # (faq, code, status) of the first problem (or note)
    tp: dict
    setup: list[dict]
    check: str = "ok"                  # the check's outcome once the remedy is done
    secrets: dict = field(default_factory=dict)
    notes: bool = False                # the case is a note, not a problem
    more: Callable[[dict], None] | None = None
    world: dict = field(default_factory=dict)


def _red_remedy_starts_with_the_specialist(p: dict) -> None:
    assert ops_named(p)[:3] == ["set_red_limit", "advance", "login"]
    realloc = p["remedy"][-1]
    assert realloc["do"][0]["op"] == "allocate_amounts" and realloc["added"] and realloc["faq"] == "4.3"
    assert "4.3" in realloc["why_zh"] and realloc["why_en"]
    assert "模拟器补充的步骤" in p["steps"][-1] and "a step the simulator adds" in p["steps_en"][-1]


def _red_remedy_starts_with_the_admin(p: dict) -> None:
    assert "set_red_limit" not in ops_named(p)
    first = p["remedy"][0]
    assert first["do"][0] == {"actor": "acme", "role": "taxpayer", "op": "login",
                              "args": {"account": ACCOUNT, "password": PASSWORD}}
    assert first["added"] and "无须专管员" in first["why_zh"]
    assert p["remedy"][1]["do"][0]["args"] == {"invoicer": "系统管理员", "red_amount": "100.00",
                                             "cache_amount": "10000.00"}


def _upgrade_is_added(p: dict) -> None:
    assert ops_named(p) == ["upgrade_client"] and p["remedy"][0]["added"] and "6.1" in p["remedy"][0]["why_zh"]


def _reboot_first(p: dict) -> None:
    assert ops_named(p) == ["reboot", "install_client"]


def _fifty_one_before_any_dishui_login(p: dict) -> None:
    assert ops_named(p) == ["set_ygz_flag", "install_client"]
    assert p["status"] == "will" and "升级" in p["cause_zh"]


CASES = [
    # FAQ 2 --------------------------------------------------------------------------------------
    Case("2 client missing, files left over", ("2", "CLIENT_NOT_INSTALLED", "hit"), taxpayer(**READY),
         [op("uninstall_client", edition="guoshui"), LOGIN], more=_reboot_first),
    Case("2 a 营改增 PC CA user upgrades its 地税 client", ("2", "CLIENT_NOT_INSTALLED", "hit"),
         taxpayer(**READY, ca="pc", client="dishui"), [login(password="", with_ca=True)], more=_upgrade_is_added),
    # FAQ 3.1 ------------------------------------------------------------------------------------
    Case("3.1 网票 not enabled", ("3.1", "INVOICER_NOT_FOUND", "hit"), taxpayer(industries={"main": "7240"}),
         [LOGIN], check="NO_PURCHASE_INFO"),
    Case("3.1 a former 地税 user's account on its way", ("3.1", "INVOICER_NOT_FOUND", "hit"),
         taxpayer(former_ds_wangpiao=True, keeps_ds_login=True, ds_account="DS500103000001", ds_password="ds-2015"),
         [op("open_wangpiao", "h_spec", taxpayer="acme"),
          {"actor": "acme", "op": "login", "args": {"account": "DS500103000001", "password": "ds-2015"}}],
         check="NO_PURCHASE_INFO", secrets={"password": "ds-2015"}),
    Case("3.1 an account that is not the taxpayer's", ("3.1", "INVOICER_NOT_FOUND", "hit"), taxpayer(**READY),
         [login(account="11500000000000009999")]),
    Case("3.1 a wrong password", ("3.1", "BAD_CREDENTIALS", "hit"), taxpayer(**READY), [login(password="123456")]),
    Case("3.1 a forgotten password: 初始化密码", ("3.1", "BAD_CREDENTIALS", "hit"), taxpayer(**READY),
         [LOGIN, op("change_password", old=PASSWORD, new="s3cret"), login(password="forgot")]),
    Case("3.1 a former 地税 user given the new login", ("3.1", "BAD_CREDENTIALS", "hit"),
         taxpayer(**READY, former_ds_wangpiao=True, keeps_ds_login=False, ds_account="DS500103000001",
                  ds_password="ds-2015"),
         [{"actor": "acme", "op": "login", "args": {"account": "DS500103000001", "password": "ds-2015"}}]),
    # FAQ 3.2 ------------------------------------------------------------------------------------
    Case("3.2 nothing bought", ("3.2", "NO_PURCHASE_INFO", "hit"), taxpayer(enabled=True), [LOGIN]),
    Case("3.2 a fresh sale waits 20 minutes", ("3.2", "NO_PURCHASE_INFO", "hit"), taxpayer(enabled=True),
         [op("sell_invoices", "h_spec", taxpayer="acme", code="150001320410", start="00000001", end="00000050"),
          LOGIN]),
    Case("3.2 sold before 网票 was enabled", ("3.2", "NO_PURCHASE_INFO", "hit"), taxpayer(),
         [op("sell_invoices", "h_spec", taxpayer="acme", code="150001320410", start="00000001", end="00000050"),
          op("open_wangpiao", "h_spec", taxpayer="acme"), {"advance": "1d"}, LOGIN]),
    Case("3.2 a paper code: return and sell again", ("3.2", "NO_PURCHASE_INFO", "hit"), taxpayer(enabled=True),
         [op("sell_invoices", "h_spec", taxpayer="acme", code="150001300110", start="00000001", end="00000050"),
          {"advance": "1h"}, LOGIN]),
    # FAQ 3.3 ------------------------------------------------------------------------------------
    Case("3.3 installed over left-over files", ("3.3", "BAD_SERVER_RESPONSE", "hit"), taxpayer(**READY),
         [op("uninstall_client", edition="guoshui"), op("install_client", edition="guoshui"), LOGIN]),
    Case("3.3 two versions installed", ("3.3", "NETWORK_CONGESTION", "hit"), taxpayer(**READY),
         [op("install_client", edition="guoshui", version="previous", folder="D:\\网票"), LOGIN]),
    # FAQ 4.1 – 4.6 ------------------------------------------------------------------------------
    Case("4.1 the real-name taxpayer before the rename", ("4.1", "INVOICER_NOT_FOUND", "hit"), taxpayer(**READY),
         [login(invoicer="重庆acme有限公司")]),
    Case("4.2 an invoicer not yet added", ("4.2", "INVOICER_NOT_FOUND", "hit"), taxpayer(**READY),
         [{"actor": "acme/小王", "op": "login", "args": {"account": ACCOUNT, "password": "xw-1", "invoicer": "小王"}}],
         secrets={"password@acme/小王": "xw-1"}),
    Case("4.3 an added invoicer without permission", ("4.3", "NO_PERMISSION_TO_SAVE", "hit"), taxpayer(**READY),
         [LOGIN, op("add_invoicer", name="小王", password="xw-1"),
          {"actor": "acme/小王", "op": "login", "args": {"account": ACCOUNT, "password": "xw-1", "invoicer": "小王"}},
          op("issue_invoice", "acme/小王", code="150001320410", item="广告设计", amount="100.00")],
         secrets={"password@acme/小王": "xw-1"}),
    Case("4.3 an invoice over the cache amount", ("4.3", "AMOUNT_EXCEEDS_CACHE", "hit"), taxpayer(**READY),
         [LOGIN, *ALLOCATE, op("allocate_amounts", invoicer="系统管理员", red_amount="0.00", cache_amount="100.00"),
          op("issue_invoice", code="150001320410", item="广告设计", amount="500.00")]),
    Case("4.4 the 冲红限额 is short", ("4.4", "RED_AMOUNT_INSUFFICIENT", "hit"),
         taxpayer(**{**READY, "red_limit": None}),
         [LOGIN, *ALLOCATE, op("allocate_amounts", invoicer="系统管理员", red_amount="0.00", cache_amount="10000.00"),
          op("issue_invoice", code="150001320410", item="广告设计", amount="1000.00"),
          op("red_reverse", code="150001320410", number="00000001", amount="100.00")],
         more=_red_remedy_starts_with_the_specialist),
    Case("4.4 the limit is enough, the allocation short", ("4.4", "RED_AMOUNT_INSUFFICIENT", "hit"),
         taxpayer(**READY),
         [LOGIN, *ALLOCATE, op("allocate_amounts", invoicer="系统管理员", red_amount="0.00", cache_amount="10000.00"),
          op("issue_invoice", code="150001320410", item="广告设计", amount="1000.00"),
          op("red_reverse", code="150001320410", number="00000001", amount="100.00")],
         more=_red_remedy_starts_with_the_admin),
    Case("4.5 an item in another industry", ("4.5", "ITEM_NOT_AVAILABLE", "hit"), taxpayer(**READY),
         [LOGIN, *ALLOCATE, op("allocate_amounts", invoicer="系统管理员", red_amount="0.00", cache_amount="10000.00"),
          op("issue_invoice", code="150001320410", item="会议服务", amount="100.00")]),
    Case("4.5 an item in no industry", ("4.5", "ITEM_NOT_AVAILABLE", "hit"), taxpayer(**READY),
         [LOGIN, *ALLOCATE, op("allocate_amounts", invoicer="系统管理员", red_amount="0.00", cache_amount="10000.00"),
          op("issue_invoice", code="150001320410", item="无人机航拍服务", amount="100.00")]),
    Case("4.6 no industries", ("4.6", "INDUSTRY_BLANK", "hit"), taxpayer(**{**READY, "industries": None}),
         [LOGIN, *ALLOCATE, op("allocate_amounts", invoicer="系统管理员", red_amount="0.00", cache_amount="10000.00"),
          op("issue_invoice", code="150001320410", item="广告设计", amount="100.00")]),
    # FAQ 5.1 – 5.3 ------------------------------------------------------------------------------
    Case("5.1 the 国税 client's upgrade accepted by a 地税 user", ("5.1", "DS_INVOICING_DISABLED", "hit"),
         taxpayer(**DS_USER),
         [op("install_client", edition="guoshui"),
          {**DS_LOGIN, "args": {**DS_LOGIN["args"], "client": "guoshui"}, "expect": "NO_PURCHASE_INFO"}, DS_LOGIN],
         secrets={"password": "ds-2015"}),
    Case("5.1 a real upgrade_client, before any 地税 login", ("5.1", "CLIENT_NOT_INSTALLED", "will"),
         taxpayer(**DS_USER),
         [op("upgrade_client", **{"from": "dishui"}),
          {**DS_LOGIN, "args": {**DS_LOGIN["args"], "client": "guoshui"}, "expect": "NO_PURCHASE_INFO"}],
         secrets={"password": "ds-2015"}, more=_fifty_one_before_any_dishui_login),
    Case("5.1 a real upgrade_client, the 地税 login refused", ("5.1", "CLIENT_NOT_INSTALLED", "hit"),
         taxpayer(**DS_USER),
         [op("upgrade_client", **{"from": "dishui"}),
          {**DS_LOGIN, "args": {**DS_LOGIN["args"], "client": "guoshui"}, "expect": "NO_PURCHASE_INFO"}, DS_LOGIN],
         secrets={"password": "ds-2015"}),
    Case("5.2 two clients in one folder", ("5.2", "CLIENT_FOLDER_CONFLICT", "hit"), taxpayer(**READY),
         [op("install_client", edition="dishui", folder="C:\\Program Files\\金税通网络发票\\国税版")],
         check="DS_INVOICING_DISABLED"),
    Case("5.2 国税 and 地税 invoices both", ("5.2", "DS_INVOICING_DISABLED", "hit"), taxpayer(**READY),
         [op("install_client", edition="dishui"), login(client="dishui")]),
    Case("5.3 old 地税 invoices after the switch", ("5.3", "DS_INVOICING_DISABLED", "hit"),
         taxpayer(**READY, **OLD_DS), [op("install_client", edition="dishui"), login(client="dishui")]),
    Case("5.3 no blank 地税 invoice for the 冲红", ("5.3", "DS_NO_BLANK_INVOICES", "hit"),
         taxpayer(**READY, **OLD_DS),
         [op("install_client", edition="dishui_void"), login(client="dishui_void"),
          op("red_reverse", code="250001600011", number="00001001", amount="500.00")]),
    # FAQ 6.1 – 6.2 ------------------------------------------------------------------------------
    Case("6.1 the 国税 client installed fresh over 地税 CA cache", ("6.1", "CA_CACHE_NOT_UPLOADED", "hit"),
         taxpayer(**READY, ca="pc", client="dishui"),
         [op("install_client", edition="guoshui"), login(password="", with_ca=True)]),
    Case("6.2 a PC CA user cancels CA", ("6.2", "CA_REQUIRED", "hit"), taxpayer(**READY, ca="pc"), [LOGIN],
         world={"seed": 7}),
    Case("6.2 a device CA user logs in online", ("6.2", "CA_REQUIRED", "hit"), taxpayer(**READY, ca="device"),
         [LOGIN]),
    Case("6.2 a device CA user's CA cannot be cancelled", ("6.2", "CA_CANNOT_CANCEL", "hit"),
         taxpayer(**READY, ca="device"), [op("cancel_ca", "h_ops", taxpayer="acme")]),
    # FAQ 7 --------------------------------------------------------------------------------------
    Case("7 a printer offset off the paper", ("7", "INVALID_INPUT", "note"), taxpayer(**READY),
         [LOGIN, *ALLOCATE, op("allocate_amounts", invoicer="系统管理员", red_amount="0.00", cache_amount="10000.00"),
          op("set_printer", invoice_type="32010", right=11, down=0)], notes=True),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_following_the_diagnosers_steps_cures_the_failure(db, make_world, case):
    w = make_world(spec(taxpayer_ := case.tp, **case.world))
    assert taxpayer_["ref"] == "acme"
    player = Player(db, w, case.secrets)
    outcomes = [player.run(step) for step in case.setup]
    assert all(isinstance(o, dict) for o in outcomes[:-1]), outcomes
    if case.expect[2] == "hit":   # the last setup step reproduces the failure
        assert outcomes[-1] == case.expect[1], outcomes

    out = execute(db, w.id, "h_spec", "diagnose", {"taxpayer": "acme"})
    listed = out["notes"] if case.notes else out["problems"]
    first = listed[0]
    assert (first["faq"], first["code"], first["status"]) == case.expect, first["cause"]
    if not case.notes:
        assert (out["faq"], out["code"], out["steps"], out["remedy"]) == (
            first["faq"], first["code"], first["steps"], first["remedy"])
    else:
        assert out["faq"] is None and out["problems"] == []
    assert first["steps"] == [s["text_zh"] for s in first["remedy"]]
    assert any(s["do"] for s in first["remedy"]), "a remedy names at least one operation"
    if case.more:
        case.more(first)

    player.follow(first)
    assert player.probe(first["check"]) == case.check
    after = player.diagnosis()
    assert (first["rule"], first["cause"]) not in {(p["rule"], p["cause"]) for p in after["problems"] + after["notes"]}
