"""Each sync channel's timing at its boundaries (SPEC.md §5, SCENARIOS.md "Schedules")."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from stdnum.cn import uscc

from backoffice.clearing.models import ClTaxpayer
from backoffice.dispatch import advance_clock
from backoffice.errors import OperationError
from backoffice.jinsan.models import Change
from backoffice.wangpiao.models import WpAccount, WpInvoicer, WpItem, WpPurchase, WpTaxpayerIndustry
from backoffice.sync.models import JobRun

ROLL = "150001320410"
PAPER = "150001300110"
SPECIALIST = {"login": "h_zhang", "name": "张明", "role": "specialist", "office": "15001030000"}
OPS_COLLECTION = {"login": "h_zhao", "name": "赵敏", "role": "collection_section", "office": "15001030000"}


def taxpayer(ref: str, n: int, **extra) -> dict:
    base = f"91500000MA5U{n:04d}A"
    return {"ref": ref, "kind": "unit", "name": f"重庆{ref}有限公司", "tax_id": base + uscc.calc_check_digit(base),
            "registration_no": f"1150{n:016d}", "specialist": "h_zhang", **extra}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def advance_to(db, world, text: str) -> dict:
    return advance_clock(db, world.id, until=text)


def purchases(db, world, ref: str) -> list[tuple[str, int, int]]:
    db.expire_all()
    rows = db.execute(select(WpPurchase.code, WpPurchase.start_no, WpPurchase.end_no)
                      .join(WpAccount, (WpAccount.world_id == WpPurchase.world_id) & (WpAccount.id == WpPurchase.account_id))
                      .where(WpPurchase.world_id == world.id, WpAccount.ref == ref)
                      .order_by(WpPurchase.start_no)).all()
    return [tuple(r) for r in rows]


def account(db, world, ref: str) -> WpAccount | None:
    db.expire_all()
    return db.execute(select(WpAccount).where(WpAccount.world_id == world.id, WpAccount.ref == ref)).scalar_one_or_none()


def industries(db, world, ref: str) -> list[str]:
    db.expire_all()
    return list(db.scalars(select(WpTaxpayerIndustry.industry_code)
                           .join(WpAccount, (WpAccount.world_id == WpTaxpayerIndustry.world_id)
                                 & (WpAccount.id == WpTaxpayerIndustry.account_id))
                           .where(WpAccount.world_id == world.id, WpAccount.ref == ref)
                           .order_by(WpTaxpayerIndustry.slot)))


@pytest.fixture
def enabled_world(make_world):
    return make_world({"officers": [SPECIALIST, OPS_COLLECTION],
                       "taxpayers": [taxpayer("acme", 1, enabled=True)]})


# --- incremental: purchases ----------------------------------------------------------------------

def test_sale_at_0900_is_invisible_at_0919_and_delivered_at_0920(db, enabled_world, op):
    w = enabled_world
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    advance_to(db, w, "2016-05-03T09:19:59+08:00")
    assert purchases(db, w, "acme") == []
    out = advance_to(db, w, "2016-05-03T09:20:00+08:00")
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]
    assert [(e["time"], e["job"]) for e in out["events"]] == [("2016-05-03T09:20:00+08:00", "incremental")]


def test_sale_at_0903_waits_for_the_0925_run(db, enabled_world, op):
    w = enabled_world
    advance_to(db, w, "2016-05-03T09:03:00+08:00")
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    advance_to(db, w, "2016-05-03T09:24:59+08:00")
    assert purchases(db, w, "acme") == []
    advance_to(db, w, "2016-05-03T09:25:00+08:00")
    assert purchases(db, w, "acme") == [(ROLL, 1, 10)]


def test_paper_codes_never_reach_wangpiao_even_by_sync_info(db, enabled_world, op):
    w = enabled_world
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=PAPER, start="00000001", end="00000010")
    op(w, "h_zhang", "sync_info", taxpayer="acme")
    advance_clock(db, w.id, by="1d")
    assert purchases(db, w, "acme") == []


def test_partial_return_leaves_the_remaining_pieces_delivered_once(db, enabled_world, op):
    w = enabled_world
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    advance_to(db, w, "2016-05-03T09:20:00+08:00")
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000041", end="00000060")
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]       # 网票 learns of it with the next run
    advance_to(db, w, "2016-05-03T09:25:00+08:00")
    assert purchases(db, w, "acme") == [(ROLL, 1, 40), (ROLL, 61, 100)]
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000061", end="00000070")
    advance_clock(db, w.id, by="1d")
    assert purchases(db, w, "acme") == [(ROLL, 1, 40), (ROLL, 71, 100)]


def test_a_return_before_delivery_delivers_only_what_is_left(db, enabled_world, op):
    w = enabled_world
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    advance_to(db, w, "2016-05-03T09:10:00+08:00")
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000050")
    advance_to(db, w, "2016-05-03T09:19:00+08:00")
    assert purchases(db, w, "acme") == []
    advance_to(db, w, "2016-05-03T09:20:00+08:00")
    assert purchases(db, w, "acme") == [(ROLL, 51, 100)]


def test_red_limit_and_password_reset_arrive_with_the_next_incremental_run(db, enabled_world, op):
    w = enabled_world
    acc = account(db, w, "acme")
    acc.password_state, acc.password_hash = "set", "x"
    db.commit()
    advance_to(db, w, "2016-05-03T09:01:00+08:00")
    op(w, "h_zhang", "set_red_limit", taxpayer="acme", amount="500.00")
    op(w, "h_zhang", "set_red_limit", taxpayer="acme", amount="800.00")
    op(w, "h_zhang", "reset_password", taxpayer="acme")
    advance_to(db, w, "2016-05-03T09:04:59+08:00")
    acc = account(db, w, "acme")
    assert (acc.red_limit, acc.password_state) == (None, "set")
    advance_to(db, w, "2016-05-03T09:05:00+08:00")
    acc = account(db, w, "acme")
    assert (acc.red_limit, acc.password_state, acc.password_hash) == (Decimal("800.00"), "default", None)


# --- sale before enablement ----------------------------------------------------------------------

def test_sale_before_enablement_is_never_delivered_automatically_but_sync_info_delivers_it(db, make_world, op):
    w = make_world({"officers": [SPECIALIST], "taxpayers": [taxpayer("acme", 1)]})
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    advance_clock(db, w.id, by="3d")
    assert account(db, w, "acme") is not None
    assert purchases(db, w, "acme") == []
    out = op(w, "h_zhang", "sync_info", taxpayer="acme")
    assert out["delivered"] == 1 and out["waiting"] == 0
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]


def test_sync_info_before_the_account_exists_waits_for_the_nightly_account(db, make_world, op):
    w = make_world({"officers": [SPECIALIST], "taxpayers": [taxpayer("acme", 1)]})
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    out = op(w, "h_zhang", "sync_info", taxpayer="acme")
    assert out == {"taxpayer": "acme", "account": False, "delivered": 0, "waiting": 1}
    advance_to(db, w, "2016-05-04T01:59:59+08:00")
    assert account(db, w, "acme") is None
    out = advance_to(db, w, "2016-05-04T02:00:00+08:00")
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]
    assert [e["job"] for e in out["events"]] == ["nightly_clearing", "incremental"]


def test_sync_info_is_for_the_taxpayers_own_specialist(db, enabled_world, op):
    with pytest.raises(OperationError) as err:
        op(enabled_world, "zhang_wei", "sync_info", taxpayer="acme")
    assert err.value.code == "FORBIDDEN"
    with pytest.raises(OperationError) as err:
        op(enabled_world, "h_zhang", "sync_info", taxpayer="nobody")
    assert (err.value.code, err.value.field) == ("INVALID_INPUT", "taxpayer")


def test_sync_info_delivers_a_fresh_sale_at_once(db, enabled_world, op):
    w = enabled_world
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    op(w, "h_zhang", "sync_info", taxpayer="acme")
    assert purchases(db, w, "acme") == [(ROLL, 1, 10)]
    advance_clock(db, w.id, by="1h")
    assert purchases(db, w, "acme") == [(ROLL, 1, 10)]
    db.expire_all()
    change = db.execute(select(Change).where(Change.world_id == w.id)).scalar_one()
    assert change.delivered_by == "sync_info"


# --- accounts ------------------------------------------------------------------------------------

def test_new_account_is_invisible_at_0159_and_present_at_0200_with_its_admin(db, make_world, op):
    w = make_world({"officers": [SPECIALIST], "taxpayers": [taxpayer("acme", 1, ca="pc", red_limit="300.00")]})
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    advance_clock(db, w.id, by="1h")    # incremental runs do not create a new taxpayer's account
    advance_to(db, w, "2016-05-04T01:59:00+08:00")
    assert account(db, w, "acme") is None
    advance_to(db, w, "2016-05-04T02:00:00+08:00")
    acc = account(db, w, "acme")
    assert (acc.password_state, acc.ca, acc.red_limit, acc.created_by) == ("default", "pc", Decimal("300.00"),
                                                                          "nightly_clearing")
    admins = db.execute(select(WpInvoicer.name, WpInvoicer.is_admin).where(WpInvoicer.world_id == w.id,
                                                                          WpInvoicer.account_id == acc.id)).all()
    assert [tuple(a) for a in admins] == [("系统管理员", True)]
    assert db.execute(select(func.count()).select_from(ClTaxpayer).where(ClTaxpayer.world_id == w.id,
                                                                         ClTaxpayer.ref == "acme")).scalar() == 1


@pytest.mark.parametrize("keeps, state", [(True, "ds"), (False, "default")])
def test_former_ds_user_gets_its_account_with_the_next_incremental_run(db, make_world, op, keeps, state):
    tp = taxpayer("old", 2, former_ds_wangpiao=True, keeps_ds_login=keeps, ds_account="DS0001", ds_password="pw1234")
    w = make_world({"officers": [SPECIALIST], "taxpayers": [tp]})
    advance_to(db, w, "2016-05-03T09:05:00+08:00")
    op(w, "h_zhang", "open_wangpiao", taxpayer="old")
    advance_to(db, w, "2016-05-03T09:09:59+08:00")
    assert account(db, w, "old") is None
    advance_to(db, w, "2016-05-03T09:10:00+08:00")
    acc = account(db, w, "old")
    assert acc.password_state == state and (acc.password_hash is not None) == keeps
    assert acc.taxpayer_code == "DS0001"


# --- industries ----------------------------------------------------------------------------------

def test_first_industry_assignment_waits_for_the_night(db, enabled_world, op):
    w = enabled_world
    op(w, "h_zhang", "assign_industries", taxpayer="acme", main="7240", secondary=[])
    advance_to(db, w, "2016-05-04T01:59:59+08:00")
    assert industries(db, w, "acme") == []
    advance_to(db, w, "2016-05-04T02:00:00+08:00")
    assert industries(db, w, "acme") == ["7240"]


def test_changed_assignment_arrives_at_the_next_half_hour(db, make_world, op):
    w = make_world({"officers": [SPECIALIST],
                    "taxpayers": [taxpayer("acme", 1, enabled=True, industries={"main": "7240"})]})
    advance_to(db, w, "2016-05-03T09:10:00+08:00")
    op(w, "h_zhang", "assign_industries", taxpayer="acme", main="7240", secondary=["6110"])
    advance_to(db, w, "2016-05-03T09:29:59+08:00")
    assert industries(db, w, "acme") == ["7240"]
    advance_to(db, w, "2016-05-03T09:30:00+08:00")
    assert industries(db, w, "acme") == ["7240", "6110"]
    # the nightly copies it into the 清分库 and changes nothing more in 网票
    advance_clock(db, w.id, by="1d")
    assert industries(db, w, "acme") == ["7240", "6110"]


def test_approved_item_reaches_wangpiao_with_the_nightly_run(db, enabled_world, op):
    w = enabled_world
    op(w, "h_zhang", "request_item", taxpayer="acme", item="无人机航拍服务")
    op(w, "h_zhao", "approve_item", item="无人机航拍服务", industry="7240")
    def has_item():
        db.expire_all()
        return db.execute(select(WpItem.id).where(WpItem.world_id == w.id, WpItem.name == "无人机航拍服务")).first()
    advance_to(db, w, "2016-05-04T01:59:00+08:00")
    assert not has_item()
    advance_to(db, w, "2016-05-04T02:00:00+08:00")
    assert has_item()


# --- idleness ------------------------------------------------------------------------------------

def test_a_set_up_world_is_idle_for_thirty_days(db, make_world):
    w = make_world({"officers": [SPECIALIST],
                    "taxpayers": [taxpayer("acme", 1, enabled=True, industries={"main": "7240"}, red_limit="100.00",
                                           purchases=[{"code": ROLL, "start": "00000001", "end": "00000010"}])]})
    out = advance_clock(db, w.id, by="30d")
    assert out["events"] == []
    assert db.execute(select(func.count()).select_from(JobRun).where(JobRun.world_id == w.id)).scalar() == 0


def test_every_delivery_is_recorded_once_per_run(db, enabled_world, op):
    w = enabled_world
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    op(w, "h_zhang", "set_red_limit", taxpayer="acme", amount="10.00")
    advance_clock(db, w.id, by="1d")
    runs = db.execute(select(JobRun.job, JobRun.items).where(JobRun.world_id == w.id).order_by(JobRun.scheduled_for)).all()
    assert [tuple(r) for r in runs] == [("incremental", 1), ("incremental", 1)]


def test_former_ds_user_forced_sync_waits_for_the_account_then_arrives_with_it(db, make_world, op):
    tp = taxpayer("old", 2, former_ds_wangpiao=True, ds_account="DS0002", ds_password="pw1234")
    w = make_world({"officers": [SPECIALIST], "taxpayers": [tp]})
    op(w, "h_zhang", "sell_invoices", taxpayer="old", code=ROLL, start="00000001", end="00000005")
    op(w, "h_zhang", "open_wangpiao", taxpayer="old")
    assert op(w, "h_zhang", "sync_info", taxpayer="old")["waiting"] == 1
    advance_to(db, w, "2016-05-03T09:05:00+08:00")
    assert account(db, w, "old") is not None
    assert purchases(db, w, "old") == [(ROLL, 1, 5)]


def test_return_and_resell_after_enablement_is_the_other_remedy(db, make_world, op):
    w = make_world({"officers": [SPECIALIST], "taxpayers": [taxpayer("acme", 1)]})
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    advance_clock(db, w.id, by="1d")
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    advance_clock(db, w.id, by="20m")
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]
