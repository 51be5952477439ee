"""金三 officer operations (docs/behaviour.md §4, §5) through the one way in (dispatch.execute)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from backoffice.audit.models import AuditEntry
from backoffice.clock import fmt
from backoffice.dispatch import advance_clock
from backoffice.errors import OperationError
from backoffice.jinsan.models import (Change, Industry, Item, ItemRequest, Return, Sale, Taxpayer,
                                      TaxpayerIndustry, UsedInvoice)
from backoffice.sync.models import WorkItem
from backoffice.wangpiao import upload
from backoffice.wangpiao.models import PcMachine, WpAccount
from backoffice.worlds.models import World
from backoffice.worlds.service import world_tables

WP = "150001320410"       # a valid 网票 code (32010)
PAPER = "150001300110"    # a paper (手工) code: never reaches 网票


def tax_id(n: int) -> str:
    base = f"91500000MA5U{n:05d}"
    return base + uscc.calc_check_digit(base)


def taxpayer(ref: str, n: int, specialist: str = "h_spec", **kw) -> dict:
    return {"ref": ref, "kind": "unit", "name": f"重庆{ref}有限公司", "tax_id": tax_id(n),
            "registration_no": f"1150{n:016d}", "specialist": specialist, **kw}


SPEC = {
    "seed": 7,
    "officers": [
        {"login": "h_spec", "name": "张明", "role": "specialist"},                       # 渝中 (the default office)
        {"login": "h_spec2", "name": "李强", "role": "specialist", "office": "15001050000"},  # 江北
        {"login": "h_ops", "name": "杨运维", "role": "ops"},
        {"login": "h_coll", "name": "赵征管", "role": "collection_section"},
        {"login": "h_teach", "name": "周老师", "role": "instructor"},
    ],
    "taxpayers": [
        taxpayer("acme", 1),
        taxpayer("beta", 2, enabled=True, ca="pc"),
        taxpayer("dev", 3, enabled=True, ca="device"),
        taxpayer("other", 4, specialist="h_spec2"),
    ],
}


@pytest.fixture
def w(make_world):
    return make_world(SPEC)


def tp(db, w, ref) -> Taxpayer:
    db.expire_all()
    return db.execute(select(Taxpayer).where(Taxpayer.world_id == w.id, Taxpayer.ref == ref)).scalar_one()


def rows(db, model, w, *where):
    db.expire_all()
    return list(db.scalars(select(model).where(model.world_id == w.id, *where).order_by(model.id)))


def fails(expected, fn, /, *a, field=None, **kw) -> OperationError:
    with pytest.raises(OperationError) as info:
        fn(*a, **kw)
    assert info.value.code == expected, info.value
    if field is not None:
        assert info.value.field == field
    return info.value


def report_used(db, w, ref, code, number):
    """网票 reports an issued invoice through the upload channel."""
    upload.report(db, world_id=w.id, source_taxpayer_id=tp(db, w, ref).id, code=code, number=number,
                  event="issued", amount=Decimal("10.00"), at=w.clock_now)
    db.commit()


# --- 开通网票 ------------------------------------------------------------------------------------

def test_open_wangpiao_marks_enabled_without_creating_the_account(db, w, op):
    res = op(w, "h_spec", "open_wangpiao", taxpayer="acme")
    acme = tp(db, w, "acme")
    assert acme.wangpiao_enabled and acme.enabled_at == w.clock_now and acme.enabled_seq is not None
    assert res == {"taxpayer": "acme", "enabled_at": fmt(w.clock_now), "already_enabled": False}
    assert not rows(db, WpAccount, w, WpAccount.source_taxpayer_id == acme.id)   # the sync creates it


def test_open_wangpiao_twice_keeps_the_first_enablement(db, w, op):
    op(w, "h_spec", "open_wangpiao", taxpayer="acme")
    first_seq = tp(db, w, "acme").enabled_seq
    advance_clock(db, w.id, by="1h")
    res = op(w, "h_spec", "open_wangpiao", taxpayer="acme")
    assert res["already_enabled"] is True
    acme = tp(db, w, "acme")
    assert acme.enabled_seq == first_seq and fmt(acme.enabled_at) == "2016-05-03T09:00:00+08:00"


def test_unknown_taxpayer_is_invalid_input(w, op):
    fails("INVALID_INPUT", op, w, "h_spec", "open_wangpiao", field="taxpayer", taxpayer="nobody")


# --- 发售 ----------------------------------------------------------------------------------------

def test_sale_before_enablement_is_not_auto_delivered(db, w, op):
    res = op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000001", end="00000100")
    assert res["start"] == "00000001" and res["sold_at"] == fmt(w.clock_now) and res["enabled_at_sale"] is False
    sale = db.get(Sale, (w.id, res["sale_id"]))
    assert (sale.status, sale.enabled_at_sale, sale.start_no, sale.end_no) == ("active", False, 1, 100)
    [change] = rows(db, Change, w, Change.sale_id == sale.id)
    assert change.kind == "sale" and change.auto is False and change.seq == sale.seq
    assert change.ready_at == w.clock_now + timedelta(minutes=20)


def test_sale_after_enablement_is_auto_delivered_once_20_minutes_old(db, w, op):
    op(w, "h_spec", "open_wangpiao", taxpayer="acme")
    res = op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000001", end="00000100")
    sale = db.get(Sale, (w.id, res["sale_id"]))
    assert sale.enabled_at_sale is True and sale.seq > tp(db, w, "acme").enabled_seq
    [change] = rows(db, Change, w, Change.sale_id == sale.id)
    assert change.auto is True and change.taxpayer_id == sale.taxpayer_id
    assert change.ready_at - change.created_at == timedelta(minutes=20)


def test_paper_sale_never_enters_the_outbox(db, w, op):
    res = op(w, "h_spec", "sell_invoices", taxpayer="beta", code=PAPER, start="00000001", end="00000010")
    assert db.get(Sale, (w.id, res["sale_id"])).enabled_at_sale is True
    assert rows(db, Change, w) == []


@pytest.mark.parametrize("start,end", [
    ("00100001", "00100010"),   # 江北's stock, not the seller's office
    ("00099990", "00100010"),   # runs past the end of the office's block
])
def test_sale_outside_the_sellers_stock_is_unavailable(w, op, start, end):
    fails("RANGE_UNAVAILABLE", op, w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start=start, end=end)


def test_each_office_sells_its_own_stock(db, w, op):
    res = op(w, "h_spec2", "sell_invoices", taxpayer="other", code=WP, start="00100001", end="00100010")
    assert db.get(Sale, (w.id, res["sale_id"])).officer_id is not None


def test_sold_numbers_cannot_be_sold_again_until_returned(w, op):
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000001", end="00000100")
    fails("RANGE_UNAVAILABLE", op, w, "h_spec", "sell_invoices", taxpayer="beta", code=WP, start="00000100",
          end="00000200")
    fails("RANGE_UNAVAILABLE", op, w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000050",
          end="00000060")
    # the same numbers under another code are other invoices
    op(w, "h_spec", "sell_invoices", taxpayer="beta", code="150001320230", start="00000001", end="00000100")
    op(w, "h_spec", "return_invoices", taxpayer="acme", code=WP, start="00000001", end="00000100")
    op(w, "h_spec", "sell_invoices", taxpayer="beta", code=WP, start="00000001", end="00000100")


@pytest.mark.parametrize("args,field", [
    ({"start": "00000010", "end": "00000001"}, "end"),
    ({"start": "1", "end": "00000001"}, "start"),
    ({"start": "00000001", "end": 100}, "end"),
    ({"code": "ABC"}, "code"),
])
def test_sale_input_rules(w, op, args, field):
    full = {"taxpayer": "acme", "code": WP, "start": "00000001", "end": "00000010", **args}
    fails("INVALID_INPUT", op, w, "h_spec", "sell_invoices", field=field, **full)


# --- 退票 ----------------------------------------------------------------------------------------

def test_partial_return_splits_the_sale_and_keeps_its_history(db, w, op):
    sold = op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000001", end="00000100")
    parent = db.get(Sale, (w.id, sold["sale_id"]))
    advance_clock(db, w.id, by="1h")
    op(w, "h_spec", "open_wangpiao", taxpayer="acme")
    res = op(w, "h_spec", "return_invoices", taxpayer="acme", code=WP, start="00000041", end="00000060")
    now = db.get(World, w.id).clock_now
    db.expire_all()
    assert (parent.status, parent.closed_at) == ("returned", now)
    kids = rows(db, Sale, w, Sale.parent_id == parent.id)
    assert [(k.start_no, k.end_no, k.status) for k in kids] == [(1, 40, "active"), (61, 100, "active")]
    for k in kids:   # still a sale made before enablement: sync_info only
        assert (k.sold_at, k.seq, k.enabled_at_sale) == (parent.sold_at, parent.seq, False)
    [ret] = rows(db, Return, w)
    assert (ret.sale_id, ret.start_no, ret.end_no, ret.returned_at) == (parent.id, 41, 60, now)
    [change] = rows(db, Change, w, Change.kind == "return")
    assert (change.return_id, change.sale_id, change.ready_at, change.auto) == (ret.id, parent.id, now, True)
    assert res["returns"] == [{"sale_id": parent.id, "return_id": ret.id, "start": "00000041", "end": "00000060"}]
    # the returned numbers are back in stock, the kept ones are not
    op(w, "h_spec", "sell_invoices", taxpayer="beta", code=WP, start="00000041", end="00000060")
    fails("RANGE_UNAVAILABLE", op, w, "h_spec", "sell_invoices", taxpayer="beta", code=WP, start="00000040",
          end="00000040")


def test_return_across_two_sales_closes_both(db, w, op):
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000001", end="00000050")
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000051", end="00000100")
    res = op(w, "h_spec", "return_invoices", taxpayer="acme", code=WP, start="00000031", end="00000100")
    assert [(r["start"], r["end"]) for r in res["returns"]] == [("00000031", "00000050"), ("00000051", "00000100")]
    active = rows(db, Sale, w, Sale.status == "active")
    assert [(s.start_no, s.end_no) for s in active] == [(1, 30)]
    assert len(rows(db, Change, w, Change.kind == "return")) == 2
    assert len({r.seq for r in rows(db, Return, w)}) == 1   # one operation, one sequence number


def test_paper_return_never_enters_the_outbox(db, w, op):
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code=PAPER, start="00000001", end="00000010")
    op(w, "h_spec", "return_invoices", taxpayer="acme", code=PAPER, start="00000001", end="00000010")
    assert len(rows(db, Return, w)) == 1 and rows(db, Change, w) == []


@pytest.mark.parametrize("ref,start,end", [
    ("acme", "00000090", "00000110"),   # partly never sold
    ("beta", "00000001", "00000010"),   # sold to someone else
    ("acme", "00000200", "00000300"),   # never sold
])
def test_return_of_numbers_not_held_is_unavailable(w, op, ref, start, end):
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000001", end="00000100")
    fails("RANGE_UNAVAILABLE", op, w, "h_spec", "return_invoices", taxpayer=ref, code=WP, start=start, end=end)


def test_return_of_a_range_with_a_gap_is_unavailable(w, op):
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000001", end="00000010")
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000012", end="00000020")
    fails("RANGE_UNAVAILABLE", op, w, "h_spec", "return_invoices", taxpayer="acme", code=WP, start="00000001",
          end="00000020")


def test_return_of_issued_numbers_is_refused(db, w, op):
    op(w, "h_spec", "sell_invoices", taxpayer="beta", code=WP, start="00000001", end="00000100")
    report_used(db, w, "beta", WP, 7)
    [used] = rows(db, UsedInvoice, w)
    assert (used.taxpayer_id, used.number, used.event) == (tp(db, w, "beta").id, 7, "issued")
    fails("RANGE_IN_USE", op, w, "h_spec", "return_invoices", taxpayer="beta", code=WP, start="00000001",
          end="00000010")
    op(w, "h_spec", "return_invoices", taxpayer="beta", code=WP, start="00000008", end="00000100")


# --- 冲红限额 / 初始化密码 ------------------------------------------------------------------------

def test_set_red_limit_records_the_limit_and_queues_it(db, w, op):
    res = op(w, "h_spec", "set_red_limit", taxpayer="beta", amount="1000.50")
    assert res["red_limit"] == "1000.50" and tp(db, w, "beta").red_limit == Decimal("1000.50")
    [change] = rows(db, Change, w)
    assert (change.kind, change.amount, change.ready_at, change.auto) == ("red_limit", Decimal("1000.50"),
                                                                          w.clock_now, True)


@pytest.mark.parametrize("amount", ["-1", "1.234", "abc", 100])
def test_red_limit_amount_rules(w, op, amount):
    fails("INVALID_INPUT", op, w, "h_spec", "set_red_limit", field="amount", taxpayer="beta", amount=amount)


def test_reset_password_queues_the_reset(db, w, op):
    op(w, "h_spec", "reset_password", taxpayer="beta")
    [change] = rows(db, Change, w)
    assert (change.kind, change.ready_at, change.auto, change.taxpayer_id) == (
        "password_reset", w.clock_now, True, tp(db, w, "beta").id)


# --- 行业核定 ------------------------------------------------------------------------------------

def assigned(db, w, ref):
    return [(ti.slot, db.get(Industry, (w.id, ti.industry_id)).code)
            for ti in sorted(rows(db, TaxpayerIndustry, w, TaxpayerIndustry.taxpayer_id == tp(db, w, ref).id),
                             key=lambda ti: ti.slot)]


def test_assign_industries_by_code_or_name_replaces_the_assignment(db, w, op):
    res = op(w, "h_spec", "assign_industries", taxpayer="acme", main="6110",
             secondary=["正餐服务", "7292"])
    assert res == {"taxpayer": "acme", "main": "6110", "secondary": ["6210", "7292"]}
    first_seq = tp(db, w, "acme").industries_seq
    assert first_seq > 0 and assigned(db, w, "acme") == [(0, "6110"), (1, "6210"), (2, "7292")]
    op(w, "h_spec", "assign_industries", taxpayer="acme", main="6210")
    assert assigned(db, w, "acme") == [(0, "6210")]
    assert tp(db, w, "acme").industries_seq > first_seq


def test_three_secondary_industries_are_allowed_a_fourth_is_not(db, w, op):
    op(w, "h_spec", "assign_industries", taxpayer="acme", main="4700", secondary=["5010", "7010", "7020"])
    fails("TOO_MANY_SECONDARY_INDUSTRIES", op, w, "h_spec", "assign_industries", field="secondary",
          taxpayer="acme", main="4700", secondary=["5010", "7010", "7020", "7030"])
    assert [c for _, c in assigned(db, w, "acme")] == ["4700", "5010", "7010", "7020"]


@pytest.mark.parametrize("main,secondary,field", [
    ("0000", [], "main"),
    ("4700", ["5010", "没有的行业"], "secondary.1"),
    ("4700", ["房屋建筑业"], "secondary.0"),      # the main again, by name
    ("4700", ["5010", "5010"], "secondary.1"),
])
def test_unknown_or_repeated_industries_are_invalid(w, op, main, secondary, field):
    fails("INVALID_INPUT", op, w, "h_spec", "assign_industries", field=field, taxpayer="acme", main=main,
          secondary=secondary)


# --- 品目上报 / 审核 ------------------------------------------------------------------------------

def test_an_item_some_industry_holds_is_not_reported(w, op):
    err = fails("ITEM_ALREADY_IN_INDUSTRY", op, w, "h_spec", "request_item", field="item", taxpayer="acme", item="会议服务")
    assert "6110" in err.reason and "7292" in err.reason   # the industries to add as 附行业


def test_report_and_approve_adds_the_item_to_the_industry(db, w, op):
    res = op(w, "h_spec", "request_item", taxpayer="acme", item="无人机航拍服务")
    assert res["status"] == "pending"
    fails("ITEM_ALREADY_REPORTED", op, w, "h_spec", "request_item", field="item", taxpayer="acme", item="无人机航拍服务")
    op(w, "h_spec2", "request_item", taxpayer="other", item="无人机航拍服务")
    res = op(w, "h_coll", "approve_item", item="无人机航拍服务", industry="会议及展览服务")
    assert res["industry"] == "7292" and len(res["requests"]) == 2
    [item] = rows(db, Item, w, Item.name == "无人机航拍服务")
    assert db.get(Industry, (w.id, item.industry_id)).code == "7292"
    assert item.seq > 0 and item.added_at == w.clock_now
    assert {r.status for r in rows(db, ItemRequest, w)} == {"approved"}
    # now it exists: the specialist's remedy is the industry, not another report
    fails("ITEM_ALREADY_IN_INDUSTRY", op, w, "h_spec", "request_item", field="item", taxpayer="acme", item="无人机航拍服务")


def test_approval_needs_a_pending_report_and_a_known_industry(w, op):
    fails("NO_PENDING_ITEM_REPORT", op, w, "h_coll", "approve_item", field="item", item="无人机航拍服务", industry="7292")
    op(w, "h_spec", "request_item", taxpayer="acme", item="无人机航拍服务")
    fails("INVALID_INPUT", op, w, "h_coll", "approve_item", field="industry", item="无人机航拍服务", industry="9999")


def test_reject_closes_the_report(db, w, op):
    fails("NO_PENDING_ITEM_REPORT", op, w, "h_coll", "reject_item", field="item", item="无人机航拍服务", reason="不属于本局")
    op(w, "h_spec", "request_item", taxpayer="acme", item="无人机航拍服务")
    op(w, "h_coll", "reject_item", item="无人机航拍服务", reason="不属于本局")
    [req] = rows(db, ItemRequest, w)
    assert (req.status, req.reason, req.decided_at) == ("rejected", "不属于本局", w.clock_now)
    assert rows(db, Item, w, Item.name == "无人机航拍服务") == []
    fails("NO_PENDING_ITEM_REPORT", op, w, "h_coll", "approve_item", field="item", item="无人机航拍服务", industry="7292")


# --- 网票 ops: flags, CA, U-Key ------------------------------------------------------------------

@pytest.mark.parametrize("name,column", [("set_ygz_flag", "ygz"), ("set_dual_flag", "dual")])
def test_flags_change_jinsan_and_wangpiao_at_once(db, w, op, name, column):
    value = column == "dual"   # the opposite of each taxpayer's start
    res = op(w, "h_ops", name, taxpayer="beta", value=value)
    assert res["wangpiao_updated"] is True
    assert getattr(tp(db, w, "beta"), column) is value
    [account] = rows(db, WpAccount, w, WpAccount.ref == "beta")
    assert getattr(account, column) is value
    # a taxpayer without a 网票 account yet: 金三 only
    res = op(w, "h_ops", name, taxpayer="acme", value=value)
    assert res["wangpiao_updated"] is False and getattr(tp(db, w, "acme"), column) is value


def test_flag_value_must_be_a_boolean(w, op):
    fails("INVALID_INPUT", op, w, "h_ops", "set_ygz_flag", field="value", taxpayer="beta", value="false")


def test_device_ca_cannot_be_cancelled(w, op):
    fails("CA_CANNOT_CANCEL", op, w, "h_ops", "cancel_ca", field="taxpayer", taxpayer="dev")


def test_cancel_ca_needs_a_pc_ca_user_with_wangpiao_enabled(make_world, op):
    w = make_world({**SPEC, "taxpayers": [taxpayer("plain", 1, enabled=True), taxpayer("newpc", 2, ca="pc")]})
    fails("INVALID_INPUT", op, w, "h_ops", "cancel_ca", field="taxpayer", taxpayer="plain")
    fails("INVALID_INPUT", op, w, "h_ops", "cancel_ca", field="taxpayer", taxpayer="newpc")


def test_ca_cancelled_before_the_account_exists_reaches_the_new_account(db, make_world, op):
    w = make_world({**SPEC, "taxpayers": [taxpayer("newpc", 2, ca="pc")]})
    op(w, "h_spec", "open_wangpiao", taxpayer="newpc")
    due = op(w, "h_ops", "cancel_ca", taxpayer="newpc")["due_at"]
    advance_clock(db, w.id, until=due)
    assert fmt(tp(db, w, "newpc").ca_cancelled_at) == due
    assert rows(db, WpAccount, w, WpAccount.ref == "newpc") == []   # the account waits for the night
    advance_clock(db, w.id, by="1d")
    [account] = rows(db, WpAccount, w, WpAccount.ref == "newpc")
    assert account.ca_cancelled is True


def test_pc_ca_is_cancelled_at_the_seeded_due_time(db, w, op):
    res = op(w, "h_ops", "cancel_ca", taxpayer="beta")
    [item] = rows(db, WorkItem, w, WorkItem.kind == "ca_cancel")
    delay = item.due_at - w.clock_now
    assert timedelta(minutes=30) <= delay <= timedelta(minutes=60)
    assert res["due_at"] == fmt(item.due_at) and tp(db, w, "beta").ca_cancel_requested_at == w.clock_now
    again = op(w, "h_ops", "cancel_ca", taxpayer="beta")   # the taxpayer calls again: same answer
    assert again["already_requested"] is True and again["due_at"] == res["due_at"]
    account = lambda: rows(db, WpAccount, w, WpAccount.ref == "beta")[0]  # noqa: E731
    advance_clock(db, w.id, until=item.due_at - timedelta(minutes=1))
    assert account().ca_cancelled is False and tp(db, w, "beta").ca_cancelled_at is None
    advance_clock(db, w.id, until=item.due_at)
    assert account().ca_cancelled is True and tp(db, w, "beta").ca_cancelled_at == item.due_at
    fails("INVALID_INPUT", op, w, "h_ops", "cancel_ca", field="taxpayer", taxpayer="beta")


def _ca_delay(db, make_world, op, seed: int) -> timedelta:
    w = make_world({**SPEC, "seed": seed})
    op(w, "h_spec", "set_red_limit", taxpayer="beta", amount="10.00")   # some history first
    op(w, "h_ops", "cancel_ca", taxpayer="beta")
    [item] = rows(db, WorkItem, w, WorkItem.kind == "ca_cancel")
    return item.due_at - w.clock_now


def test_ca_delay_is_reproducible_per_world_seed(db, make_world, op):
    assert _ca_delay(db, make_world, op, 7) == _ca_delay(db, make_world, op, 7)
    delays = {_ca_delay(db, make_world, op, seed) for seed in range(1, 5)}
    assert len(delays) > 1   # seeded, not constant


def test_remake_ukey_unsticks_the_ca_cache_at_once(db, w, op):
    [machine] = rows(db, PcMachine, w, PcMachine.taxpayer_ref == "beta")
    machine.ca_cache_stuck = True
    db.commit()
    assert op(w, "h_ops", "remake_ukey", taxpayer="beta")["was_stuck"] is True
    assert rows(db, PcMachine, w, PcMachine.taxpayer_ref == "beta")[0].ca_cache_stuck is False
    fails("INVALID_INPUT", op, w, "h_ops", "remake_ukey", field="taxpayer", taxpayer="acme")


# --- a rejected operation changes nothing but the audit log ---------------------------------------

def snapshot(db, world_id) -> dict:
    db.expire_all()
    out = {}
    for t in world_tables():
        if t.name != "audit_entries":
            out[t.name] = sorted(tuple(r) for r in db.execute(select(t).where(t.c.world_id == world_id)))
    w = db.get(World, world_id)
    out["world"] = (w.next_seq, w.clock_now, w.cleared_seq)
    return out


REJECTED = [
    ("h_spec", "open_wangpiao", {"taxpayer": "nobody"}, "INVALID_INPUT"),
    ("h_spec", "open_wangpiao", {"taxpayer": "other"}, "FORBIDDEN"),
    ("h_ops", "sell_invoices", {"taxpayer": "acme", "code": WP, "start": "00000200", "end": "00000300"}, "FORBIDDEN"),
    ("h_spec", "sell_invoices", {"taxpayer": "acme", "code": WP, "start": "00100001", "end": "00100002"},
     "RANGE_UNAVAILABLE"),
    ("h_spec", "sell_invoices", {"taxpayer": "acme", "code": WP, "start": "00000100", "end": "00000101"},
     "RANGE_UNAVAILABLE"),
    ("h_spec", "sell_invoices", {"taxpayer": "acme", "code": WP, "start": "00000300", "end": "00000200"},
     "INVALID_INPUT"),
    ("h_spec", "return_invoices", {"taxpayer": "acme", "code": WP, "start": "00000001", "end": "00000101"},
     "RANGE_UNAVAILABLE"),
    ("h_spec", "return_invoices", {"taxpayer": "acme", "code": WP, "start": "00000001", "end": "00000010"},
     "RANGE_IN_USE"),
    ("h_spec", "set_red_limit", {"taxpayer": "acme", "amount": "1.001"}, "INVALID_INPUT"),
    ("h_spec", "reset_password", {"taxpayer": "other"}, "FORBIDDEN"),
    ("h_spec", "assign_industries", {"taxpayer": "acme", "main": "4700",
                                     "secondary": ["5010", "7010", "7020", "7030"]}, "TOO_MANY_SECONDARY_INDUSTRIES"),
    ("h_spec", "assign_industries", {"taxpayer": "acme", "main": "4700", "secondary": ["0000"]}, "INVALID_INPUT"),
    ("h_spec", "assign_industries", {"taxpayer": "acme", "main": "4700", "secondary": ["4700"]}, "INVALID_INPUT"),
    ("h_spec", "request_item", {"taxpayer": "acme", "item": "餐饮服务"}, "ITEM_ALREADY_IN_INDUSTRY"),
    ("h_coll", "approve_item", {"item": "未上报的品目", "industry": "7292"}, "NO_PENDING_ITEM_REPORT"),
    ("h_coll", "approve_item", {"item": "无人机航拍服务", "industry": "nowhere"}, "INVALID_INPUT"),
    ("h_coll", "reject_item", {"item": "未上报的品目", "reason": "x"}, "NO_PENDING_ITEM_REPORT"),
    ("h_ops", "set_ygz_flag", {"taxpayer": "beta", "value": "no"}, "INVALID_INPUT"),
    ("h_ops", "set_dual_flag", {"taxpayer": "nobody", "value": True}, "INVALID_INPUT"),
    ("h_ops", "cancel_ca", {"taxpayer": "dev"}, "CA_CANNOT_CANCEL"),
    ("h_ops", "cancel_ca", {"taxpayer": "acme"}, "INVALID_INPUT"),
    ("h_ops", "remake_ukey", {"taxpayer": "acme"}, "INVALID_INPUT"),
]


@pytest.mark.parametrize("actor,name,args,code", REJECTED, ids=[f"{r[1]}-{r[3]}-{i}" for i, r in enumerate(REJECTED)])
def test_a_rejected_operation_leaves_only_its_audit_entry(db, w, op, actor, name, args, code):
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code=WP, start="00000001", end="00000100")
    report_used(db, w, "acme", WP, 5)
    op(w, "h_spec", "request_item", taxpayer="acme", item="无人机航拍服务")
    before = snapshot(db, w.id)
    audits = db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.world_id == w.id))
    fails(code, op, w, actor, name, **args)
    assert snapshot(db, w.id) == before
    entries = rows(db, AuditEntry, w)
    assert len(entries) == audits + 1
    assert (entries[-1].operation, entries[-1].error_code, entries[-1].actor) == (name, code, actor)
