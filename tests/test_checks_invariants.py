"""The four consistency invariants: each caught with its rows and times, none raised on sound worlds."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import select, update

from backoffice.checks.service import check_world, violated
from backoffice.clock import advance
from backoffice.scenarios.loader import load_file
from backoffice.scenarios.runner import run_scenario
from backoffice.wangpiao.models import WpAccount, WpPurchase
from backoffice.worlds.service import get_world
from qa_support import fault, issue, issuing, two_taxpayers, until
from test_scenarios import SCENARIO_DIR
from test_wangpiao_support import ROLL


def check(db, world, name=None):
    db.expire_all()
    out = check_world(db, get_world(db, world.id))
    return [v for v in out["violations"] if name is None or v["invariant"] == name]


# --- issued_outside_holding: the return race --------------------------------------------------------

def test_the_return_race_is_caught_with_the_invoice_and_the_return(db, make_world, op):
    """Returns 51–100 at 09:22; 网票 hears of it at 09:25; meanwhile the taxpayer issues 50 and 51."""
    w = make_world(two_taxpayers())
    token = issuing(op, w, start="00000050", end="00000100")
    until(db, w, "2016-05-03T09:22:00+08:00")
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000051", end="00000100")
    until(db, w, "2016-05-03T09:23:00+08:00")
    assert [issue(op, w, token), issue(op, w, token)] == ["00000050", "00000051"]
    until(db, w, "2016-05-03T09:24:00+08:00")
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000051", end="00000100")
    found = check(db, w, "issued_outside_holding")
    assert len(found) == 1
    rows = {r["table"]: r for r in found[0]["rows"]}
    assert rows["wp_invoices"]["number"] == "00000051" and rows["wp_invoices"]["time"] == "2016-05-03T09:23:00+08:00"
    assert rows["js_returns"]["range"] == f"{ROLL} 00000051–00000100"
    assert rows["js_returns"]["time"] == "2016-05-03T09:22:00+08:00"
    assert found[0]["taxpayers"] == ["acme"] and "09:22" in found[0]["summary"]


def test_a_number_resold_to_another_taxpayer_first_is_caught_too(db, make_world, op):
    w = make_world(two_taxpayers())
    token = issuing(op, w, start="00000050", end="00000100")
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000051", end="00000100")
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000051", end="00000100")
    issue(op, w, token), issue(op, w, token)
    assert [r["rows"][0]["number"] for r in check(db, w, "issued_outside_holding")] == ["00000051"]


def test_resold_to_the_same_taxpayer_before_it_issues_is_no_violation(db, make_world, op):
    w = make_world(two_taxpayers())
    token = issuing(op, w, start="00000050", end="00000100")
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000051", end="00000100")
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000051", end="00000100")
    issue(op, w, token), issue(op, w, token)
    assert check(db, w) == []


@pytest.mark.parametrize("return_first", [True, False])
def test_within_one_minute_operation_order_decides(db, make_world, op, return_first):
    """Same simulated minute, both orders: only an issue after the return is outside the holding.
    (The upload channel is held so that 金三 accepts the return of an issued number at all.)"""
    w = make_world(two_taxpayers())
    token = issuing(op, w, start="00000051", end="00000100")
    fault(db, w, {"channel": "upload", "kind": "fail", "for": "1h"})
    ret = lambda: op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000051", end="00000100")
    if return_first:
        ret(), issue(op, w, token)
    else:
        issue(op, w, token), ret()
    found = check(db, w, "issued_outside_holding")
    assert bool(found) is return_first


# --- double_holding -----------------------------------------------------------------------------------

def _return_and_resell(db, op, w, *, push_now: bool):
    until(db, w, "2016-05-03T10:00:00+08:00")
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000051", end="00000100")
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000051", end="00000100")
    if push_now:
        op(w, "h_zhang", "sync_info", taxpayer="bravo")


def test_resale_pushed_before_the_return_arrives_is_a_double_holding(db, make_world, op):
    w = make_world(two_taxpayers())
    _return_and_resell(db, op, w, push_now=True)
    now = check(db, w, "double_holding")
    assert len(now) == 1 and sorted(now[0]["taxpayers"]) == ["acme", "bravo"]
    until(db, w, "2016-05-03T11:00:00+08:00")        # acme's return reached 网票 at 10:05: history keeps it
    later = check(db, w, "double_holding")
    assert len(later) == 1
    ret, sale = later[0]["rows"]
    assert (ret["table"], ret["time"], ret["delivered_at"]) == ("js_returns", "2016-05-03T10:00:00+08:00",
                                                              "2016-05-03T10:05:00+08:00")
    assert (sale["table"], sale["delivered_at"]) == ("js_sales", "2016-05-03T10:00:00+08:00")
    assert f"{ROLL} 00000051–00000100" in later[0]["summary"]


def test_resale_by_the_ordinary_channel_arrives_after_the_return(db, make_world, op):
    w = make_world(two_taxpayers())
    _return_and_resell(db, op, w, push_now=False)
    until(db, w, "2016-05-03T11:00:00+08:00")
    assert check(db, w) == []


# --- wangpiao_ahead_of_jinsan -------------------------------------------------------------------------

def test_wangpiao_ahead_names_the_limit_and_the_purchase(db, make_world):
    w = make_world(two_taxpayers())
    assert check(db, w) == []
    db.execute(update(WpAccount).where(WpAccount.world_id == w.id, WpAccount.ref == "acme")
               .values(red_limit=Decimal("9999.00")))
    acc = db.scalar(select(WpAccount).where(WpAccount.world_id == w.id, WpAccount.ref == "bravo"))
    db.add(WpPurchase(world_id=w.id, account_id=acc.id, source_sale_id=acc.source_taxpayer_id + 10_000_000,
                      code=ROLL, start_no=500, end_no=600, delivered_at=w.clock_now, channel="incremental"))
    db.commit()
    found = check(db, w, "wangpiao_ahead_of_jinsan")
    assert sorted(v["taxpayers"][0] for v in found) == ["acme", "bravo"]
    assert any("9999.00" in v["summary"] for v in found)
    assert any("00000500–00000600" in v["summary"] for v in found)


def test_industries_newer_than_jinsan_are_ahead(db, make_world):
    w = make_world(two_taxpayers())
    db.execute(update(WpAccount).where(WpAccount.world_id == w.id, WpAccount.ref == "acme")
               .values(industries_seq=WpAccount.industries_seq + 100))
    db.commit()
    assert [v["taxpayers"] for v in check(db, w, "wangpiao_ahead_of_jinsan")] == [["acme"]]


# --- lost_delivery ----------------------------------------------------------------------------------

def _clock_without_jobs(db, world, text):
    """A clock that moved while the sync jobs did not run (the loss lost_delivery exists to catch)."""
    w = get_world(db, world.id)
    advance(db, w, datetime.fromisoformat(text), jobs=[])
    db.commit()


def test_a_sale_that_never_arrives_is_lost_once_its_channel_had_its_chance(db, make_world, op):
    w = make_world(two_taxpayers())
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000201", end="00000300")
    _clock_without_jobs(db, w, "2016-05-03T09:24:59+08:00")
    assert check(db, w, "lost_delivery") == []          # ready at 09:20; the run at 09:25 may still carry it
    _clock_without_jobs(db, w, "2016-05-03T09:25:00+08:00")
    found = check(db, w, "lost_delivery")
    assert len(found) == 1 and found[0]["channel"] == "incremental"
    assert found[0]["rows"][0]["time"] == "2016-05-03T09:20:00+08:00"


def test_a_fault_on_the_channel_excuses_the_wait_but_not_forever(db, make_world, op):
    w = make_world(two_taxpayers())
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000201", end="00000300")
    fault(db, w, {"channel": "incremental", "kind": "fail", "for": "1h"})
    _clock_without_jobs(db, w, "2016-05-03T10:04:00+08:00")
    assert check(db, w, "lost_delivery") == []
    _clock_without_jobs(db, w, "2016-05-03T10:05:00+08:00")
    assert len(check(db, w, "lost_delivery")) == 1


def test_a_sale_before_enablement_is_not_lost(db, make_world, op):
    w = make_world(two_taxpayers(enabled=False, purchases=[]))
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    until(db, w, "2016-05-05T09:00:00+08:00")
    assert check(db, w) == []


def test_a_new_account_that_never_comes_is_lost(db, make_world, op):
    w = make_world(two_taxpayers(enabled=False, purchases=[]))
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    _clock_without_jobs(db, w, "2016-05-04T09:00:00+08:00")
    found = check(db, w, "lost_delivery")
    assert [(v["channel"], v["taxpayers"]) for v in found] == [("nightly", ["acme"])]


# --- none on sound worlds; bounded output --------------------------------------------------------

@pytest.mark.parametrize("path", sorted(SCENARIO_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_no_violation_after_any_faq_scenario(db, path):
    out = run_scenario(db, load_file(path))
    assert out["ok"]
    world = get_world(db, out["world_id"])
    assert check_world(db, world)["violations"] == []


def test_the_report_is_bounded_and_says_so(db, make_world, op):
    w = make_world(two_taxpayers())
    acc = db.scalar(select(WpAccount).where(WpAccount.world_id == w.id, WpAccount.ref == "bravo"))
    for n in range(5):
        db.add(WpPurchase(world_id=w.id, account_id=acc.id, source_sale_id=10_000_000 + n, code=ROLL,
                          start_no=1000 + n * 10, end_no=1005 + n * 10, delivered_at=w.clock_now, channel="x"))
    db.commit()
    out = check_world(db, get_world(db, w.id), limit=3)
    assert out["counts"]["wangpiao_ahead_of_jinsan"] == 3 and out["truncated"] == ["wangpiao_ahead_of_jinsan"]
    assert violated(db, get_world(db, w.id)) == ["wangpiao_ahead_of_jinsan"]
    assert not out["ok"]

