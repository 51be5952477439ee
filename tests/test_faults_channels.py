"""Injected faults on the scheduled channels (incremental, industry, nightly): failed runs recorded
with their reason, nothing lost, each item delivered exactly once after the fault; delays exact."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from backoffice.jinsan.models import Change
from backoffice.sync.models import JobRun
from backoffice.wangpiao.models import WpAccount, WpInvoicer, WpPurchase, WpTaxpayerIndustry
from qa_support import count, fault, two_taxpayers, until
from test_sync_channels import account, industries, purchases
from test_wangpiao_support import ROLL

T = "2016-05-03T{}:00+08:00"


def runs(db, world, job):
    db.expire_all()
    return [(_hm(r.scheduled_for), r.status, r.items, r.reason) for r in db.scalars(select(JobRun).where(JobRun.world_id == world.id, JobRun.job == job)
                                         .order_by(JobRun.scheduled_for))]


def _hm(dt) -> str:
    from backoffice.clock import local
    return local(dt).strftime("%d %H:%M")


# --- incremental ------------------------------------------------------------------------------------

def test_incremental_fail_records_each_failed_run_and_delivers_once_after(db, make_world, op):
    w = make_world(two_taxpayers())
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000201", end="00000300")
    fault(db, w, {"channel": "incremental", "kind": "fail", "for": "1h"})
    until(db, w, T.format("09:59"))
    assert purchases(db, w, "bravo") == []
    failed = runs(db, w, "incremental")
    assert [r[0] for r in failed] == [f"03 09:{m}" for m in ("20", "25", "30", "35", "40", "45", "50", "55")]
    assert all(r[1] == "failed" and r[2] == 0 and "fault" in r[3] and "10:00" in r[3] for r in failed)
    until(db, w, T.format("10:00"))                    # the fault ends at 10:00: that run is healthy
    assert purchases(db, w, "bravo") == [(ROLL, 201, 300)]
    until(db, w, "2016-05-04T10:00:00+08:00")
    assert count(db, WpPurchase, w) == 2                # acme's own and bravo's, once
    ok = [r for r in runs(db, w, "incremental") if r[1] == "ok"]
    assert ok == [("03 10:00", "ok", 1, None)]
    change = db.scalar(select(Change).where(Change.world_id == w.id, Change.kind == "sale"))
    assert _hm(change.delivered_at) == "03 10:00"


def test_incremental_delay_holds_every_delivery_exactly_that_long(db, make_world, op):
    w = make_world(two_taxpayers())
    fault(db, w, {"channel": "incremental", "kind": "delay", "by": "30m", "for": "2h"})
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000201", end="00000300")  # ready 09:20
    until(db, w, T.format("09:02"))
    op(w, "h_zhang", "set_red_limit", taxpayer="bravo", amount="800.00")                             # ready 09:02
    until(db, w, T.format("09:34"))
    assert account(db, w, "bravo").red_limit == Decimal("1000.00")      # as the world began
    until(db, w, T.format("09:35"))                     # 09:05 + 30m
    assert account(db, w, "bravo").red_limit == Decimal("800.00")
    until(db, w, T.format("09:49"))
    assert purchases(db, w, "bravo") == []             # the late 09:05 run carried only what was ready at 09:05
    until(db, w, T.format("09:50"))                     # 09:20 + 30m
    assert purchases(db, w, "bravo") == [(ROLL, 201, 300)]
    done = [r for r in runs(db, w, "incremental") if r[1] == "ok"]
    assert [(r[0], r[2]) for r in done] == [("03 09:05", 1), ("03 09:20", 1)]
    assert "ran at 2016-05-03T09:50:00+08:00" in done[1][3]
    until(db, w, "2016-05-04T09:00:00+08:00")
    assert count(db, WpPurchase, w) == 2
    assert not [r for r in runs(db, w, "incremental") if r[1] == "delayed"]   # every late run has run


def test_clear_ends_the_fault_at_once(db, make_world, op):
    w = make_world(two_taxpayers())
    fault(db, w, {"channel": "incremental", "kind": "fail"})        # no end: until cleared
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000201", end="00000300")
    until(db, w, "2016-05-04T09:00:00+08:00")
    assert purchases(db, w, "bravo") == []
    assert fault(db, w, "clear")["cleared"]
    until(db, w, "2016-05-04T09:05:00+08:00")
    assert purchases(db, w, "bravo") == [(ROLL, 201, 300)]


# --- industry ----------------------------------------------------------------------------------------

def test_industry_fail_then_the_first_run_after_delivers_once(db, make_world, op):
    w = make_world(two_taxpayers())
    op(w, "h_zhang", "assign_industries", taxpayer="bravo", main="7240", secondary=["5010", "7231"])
    fault(db, w, {"channel": "industry", "kind": "fail", "until": T.format("10:10")})
    until(db, w, T.format("10:29"))
    assert industries(db, w, "bravo") == ["7240"]
    assert [(r[0], r[1]) for r in runs(db, w, "industry_incremental")] == \
        [("03 09:30", "failed"), ("03 10:00", "failed")]
    until(db, w, T.format("10:30"))
    assert industries(db, w, "bravo") == ["7240", "5010", "7231"]
    until(db, w, "2016-05-04T11:00:00+08:00")
    acc = account(db, w, "bravo")
    assert count(db, WpTaxpayerIndustry, w, WpTaxpayerIndustry.account_id == acc.id) == 3


def test_industry_delay_runs_late(db, make_world, op):
    w = make_world(two_taxpayers())
    op(w, "h_zhang", "assign_industries", taxpayer="bravo", main="7240", secondary=["5010"])
    fault(db, w, {"channel": "industry", "kind": "delay", "by": "10m", "for": "1h"})
    until(db, w, T.format("09:39"))
    assert industries(db, w, "bravo") == ["7240"]
    until(db, w, T.format("09:40"))
    assert industries(db, w, "bravo") == ["7240", "5010"]


# --- nightly -----------------------------------------------------------------------------------------

def test_nightly_fail_then_the_next_night_creates_the_account_once(db, make_world, op):
    w = make_world(two_taxpayers(enabled=False, purchases=[]))
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    fault(db, w, {"channel": "nightly", "kind": "fail", "for": "1d"})
    until(db, w, "2016-05-04T09:00:00+08:00")
    assert account(db, w, "acme") is None
    assert [(r[0], r[1]) for r in runs(db, w, "nightly_clearing")] == [("04 02:00", "failed")]
    until(db, w, "2016-05-06T09:00:00+08:00")
    assert account(db, w, "acme") is not None
    assert count(db, WpAccount, w, WpAccount.ref == "acme") == 1
    acc = account(db, w, "acme")
    assert count(db, WpInvoicer, w, WpInvoicer.account_id == acc.id) == 1
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]
    assert [(r[0], r[1]) for r in runs(db, w, "nightly_clearing")] == [("04 02:00", "failed"), ("05 02:00", "ok")]


def test_nightly_delay_runs_that_much_later(db, make_world, op):
    w = make_world(two_taxpayers(enabled=False, purchases=[]))
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    fault(db, w, {"channel": "nightly", "kind": "delay", "by": "3h", "until": "2016-05-04T03:00:00+08:00"})
    until(db, w, "2016-05-04T04:59:00+08:00")
    assert account(db, w, "acme") is None
    assert [(r[0], r[1]) for r in runs(db, w, "nightly_clearing")] == [("04 02:00", "delayed")]
    until(db, w, "2016-05-04T05:00:00+08:00")
    assert _hm(account(db, w, "acme").created_at) == "04 05:00"
    assert [(r[0], r[1]) for r in runs(db, w, "nightly_clearing")] == [("04 02:00", "ok")]


def test_a_fault_is_world_state_a_fork_keeps_it(db, make_world, op):
    from backoffice.worlds.service import fork_world, get_world
    w = make_world(two_taxpayers())
    fault(db, w, {"channel": "incremental", "kind": "fail", "for": "1h"})
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000201", end="00000300")
    copy = fork_world(db, get_world(db, w.id), name="copy")
    db.commit()
    until(db, copy, T.format("09:30"))
    assert purchases(db, copy, "bravo") == []
    assert runs(db, copy, "incremental")[0][1] == "failed"
