"""网票 operations after login (docs/behaviour.md §6, FAQ 4.1–4.6, 5.3, 7): 开票员, segments, amounts, issuing,
冲红, 作废, the 地税 作废冲红版 and printer settings."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.dispatch import advance_clock
from backoffice.errors import OperationError
from backoffice.wangpiao import upload
from backoffice.wangpiao.models import WpDsInvoice, WpInvoice, WpInvoicer, WpPrinter
from test_wangpiao_support import (ROLL, THREE, account, call, counts, login, ready_invoicer, spec,
                                   taxpayer)


def refused(fn, *a, **kw) -> OperationError:
    with pytest.raises(OperationError) as exc:
        fn(*a, **kw)
    return exc.value


@pytest.fixture
def uploads():
    """Capture the upload channel (网票 → 金三) for the test."""
    seen: list[dict] = []

    def receiver(session, **event):
        seen.append(event)
    upload.RECEIVERS.append(receiver)
    yield seen
    upload.RECEIVERS.remove(receiver)


@pytest.fixture
def acme(op, make_world):
    world = make_world(spec())
    return world, login(op, world)


# --- 系统管理员 and 开票员 (FAQ 4.1, 4.2) ---------------------------------------------------------

def test_admin_is_listed_and_renamed(op, db, acme):
    world, token = acme
    res = call(db, world, "acme", "rename_admin", token, name="张三")
    assert res == {"old": "系统管理员", "name": "张三"}
    names = db.execute(select(WpInvoicer.name).where(WpInvoicer.world_id == world.id)).scalars().all()
    assert names == ["张三"]
    # renamed, it still logs in with the account and may name itself
    assert op(world, "acme", "login", account="11500000000000000001", password="000001",
              invoicer="张三")["admin"] is True


def test_add_invoicer_and_duplicates(op, db, acme):
    world, token = acme
    assert call(db, world, "acme", "add_invoicer", token, name="李四", password="pw")["invoicers"] == 2
    err = refused(call, db, world, "acme", "add_invoicer", token, name="李四", password="pw")
    assert (err.code, err.field) == ("INVOICER_NAME_TAKEN", "name")
    err = refused(call, db, world, "acme", "rename_admin", token, name="李四")
    assert (err.code, err.field) == ("INVOICER_NAME_TAKEN", "name")


def test_only_the_admin_does_admin_work(op, db, acme):
    world, token = acme
    call(db, world, "acme", "add_invoicer", token, name="李四", password="pw")
    inv = op(world, "acme/李四", "login", account="11500000000000000001", password="pw",
             invoicer="李四")["session"]
    before = counts(db, world)
    for name, args in (("rename_admin", {"name": "李四二"}), ("add_invoicer", {"name": "王五", "password": "x"}),
                       ("allocate_segment", {"invoicer": "李四", "code": ROLL, "start": "00000001",
                                             "end": "00000005"}),
                       ("allocate_amounts", {"invoicer": "李四", "red_amount": "0", "cache_amount": "1"})):
        assert refused(call, db, world, "acme/李四", name, inv, **args).code == "FORBIDDEN"
    assert counts(db, world) == before


# --- segments and amounts (FAQ 4.3) -----------------------------------------------------------

def test_segment_must_lie_in_delivered_purchases(op, acme):
    world, token = acme
    for start, end, code in (("00000090", "00000110", ROLL), ("00000001", "00000005", THREE)):
        err = refused(op, world, "acme", "allocate_segment", token, invoicer="系统管理员", code=code,
                      start=start, end=end)
        assert err.code == "RANGE_UNAVAILABLE"
    err = refused(op, world, "acme", "allocate_segment", token, invoicer="nobody", code=ROLL,
                  start="00000001", end="00000002")
    assert (err.code, err.field) == ("INVALID_INPUT", "invoicer")


def test_segment_may_span_adjacent_purchases(op, make_world):
    world = make_world(spec(taxpayer(purchases=[{"code": ROLL, "start": "00000001", "end": "00000010"},
                                                {"code": ROLL, "start": "00000011", "end": "00000020"}])))
    token = login(op, world)
    op(world, "acme", "allocate_segment", token, invoicer="系统管理员", code=ROLL, start="00000005", end="00000015")


def test_a_number_goes_to_one_invoicer_only(op, db, acme):
    world, token = acme
    call(db, world, "acme", "add_invoicer", token, name="李四", password="pw")
    op(world, "acme", "allocate_segment", token, invoicer="系统管理员", code=ROLL, start="00000001", end="00000010")
    err = refused(op, world, "acme", "allocate_segment", token, invoicer="李四", code=ROLL,
                  start="00000010", end="00000020")
    assert err.code == "RANGE_UNAVAILABLE"
    op(world, "acme", "allocate_segment", token, invoicer="李四", code=ROLL, start="00000011", end="00000020")


def test_red_amounts_add_up_to_the_red_limit(op, db, acme):
    world, token = acme            # 冲红限额 1000.00
    call(db, world, "acme", "add_invoicer", token, name="李四", password="pw")
    op(world, "acme", "allocate_amounts", token, invoicer="系统管理员", red_amount="600.00", cache_amount="5000")
    err = refused(op, world, "acme", "allocate_amounts", token, invoicer="李四", red_amount="400.01",
                  cache_amount="1")
    assert (err.code, err.field) == ("INVALID_INPUT", "red_amount")
    op(world, "acme", "allocate_amounts", token, invoicer="李四", red_amount="400.00", cache_amount="99999999")
    # replacing an invoicer's own amount does not count the old one
    op(world, "acme", "allocate_amounts", token, invoicer="系统管理员", red_amount="600.00", cache_amount="1")


def test_no_red_limit_means_no_red_amount(op, make_world):
    world = make_world(spec(taxpayer(red_limit=None)))
    token = login(op, world)
    op(world, "acme", "allocate_amounts", token, invoicer="系统管理员", red_amount="0", cache_amount="100")
    err = refused(op, world, "acme", "allocate_amounts", token, invoicer="系统管理员", red_amount="0.01",
                  cache_amount="100")
    assert err.field == "red_amount"


# --- issuing (FAQ 4.3, 4.5, 4.6) --------------------------------------------------------------

def test_issue_takes_the_lowest_unused_number_and_uploads(op, acme, uploads):
    world, token = acme
    ready_invoicer(op, world, token, start="00000003", end="00000005")
    numbers = [op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="100.00")["number"]
               for _ in range(3)]
    assert numbers == ["00000003", "00000004", "00000005"]
    assert [(u["event"], u["number"]) for u in uploads] == [("issued", 3), ("issued", 4), ("issued", 5)]
    err = refused(op, world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="1")
    assert err.code == "NO_PERMISSION_TO_SAVE"


def test_voided_number_is_never_reused(op, acme):
    world, token = acme
    ready_invoicer(op, world, token)
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="1")
    op(world, "acme", "void_invoice", token, code=ROLL, number="00000001")
    assert op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="1")["number"] == "00000002"


def test_issue_without_segment_or_amounts(op, acme):
    world, token = acme
    args = dict(code=ROLL, item="广告设计", amount="1")
    assert refused(op, world, "acme", "issue_invoice", token, **args).code == "NO_PERMISSION_TO_SAVE"
    op(world, "acme", "allocate_segment", token, invoicer="系统管理员", code=ROLL, start="00000001", end="00000002")
    assert refused(op, world, "acme", "issue_invoice", token, **args).code == "NO_PERMISSION_TO_SAVE"
    op(world, "acme", "allocate_amounts", token, invoicer="系统管理员", red_amount="0", cache_amount="10")
    assert op(world, "acme", "issue_invoice", token, **args)["number"] == "00000001"


def test_new_invoicer_gets_permission_by_faq_4_3(op, db, acme):
    world, token = acme
    call(db, world, "acme", "add_invoicer", token, name="李四", password="pw")
    inv = op(world, "acme/李四", "login", account="11500000000000000001", password="pw",
             invoicer="李四")["session"]
    args = dict(code=ROLL, item="广告制作", amount="50.00")
    assert refused(op, world, "acme/李四", "issue_invoice", inv, **args).code == "NO_PERMISSION_TO_SAVE"
    ready_invoicer(op, world, token, "李四", start="00000020", end="00000030")
    res = op(world, "acme/李四", "issue_invoice", inv, **args)
    assert (res["number"], res["invoicer"]) == ("00000020", "李四")


def test_industry_blank_and_item_not_available(op, make_world):
    world = make_world(spec(taxpayer(industries=None)))
    token = login(op, world)
    ready_invoicer(op, world, token)
    assert refused(op, world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="1").code \
        == "INDUSTRY_BLANK"
    world = make_world(spec(taxpayer(industries={"main": "广告业", "secondary": ["7292"]})))
    token = login(op, world)
    ready_invoicer(op, world, token)
    for item in ("住宿服务", "不存在的品目"):         # in another industry / in none at all
        assert refused(op, world, "acme", "issue_invoice", token, code=ROLL, item=item, amount="1").code \
            == "ITEM_NOT_AVAILABLE"
    assert op(world, "acme", "issue_invoice", token, code=ROLL, item="会议服务", amount="1")["number"]


def test_amount_over_cache(op, acme):
    world, token = acme
    ready_invoicer(op, world, token, cache="100.00")
    assert refused(op, world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="100.01").code \
        == "AMOUNT_EXCEEDS_CACHE"
    assert op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="100.00")


def test_returned_purchase_numbers_cannot_be_issued(op, db, acme):
    world, token = acme
    ready_invoicer(op, world, token, start="00000001", end="00000002")
    # a later sync removed the purchase (a return): its numbers are no longer delivered
    from backoffice.wangpiao.models import WpPurchase
    for p in db.execute(select(WpPurchase).where(WpPurchase.world_id == world.id)).scalars():
        db.delete(p)
    db.commit()
    assert refused(op, world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="1").code \
        == "NO_PERMISSION_TO_SAVE"
    assert refused(op, world, "acme", "list_purchases", token).code == "NO_PURCHASE_INFO"


def test_rejected_issue_changes_nothing(op, db, acme, uploads):
    world, token = acme
    ready_invoicer(op, world, token, cache="10")
    before = counts(db, world)
    refused(op, world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="11")
    refused(op, world, "acme", "issue_invoice", token, code=ROLL, item="住宿服务", amount="1")
    assert counts(db, world) == before and uploads == []


# --- 冲红 and 作废 (FAQ 4.4) ----------------------------------------------------------------------

def test_red_reverse_bounded_by_original(op, acme, uploads):
    world, token = acme
    ready_invoicer(op, world, token, red="500.00")
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="100.00")
    res = op(world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="60.00")
    assert (res["red_total"], res["month"]) == ("60.00", "2016-05")
    assert refused(op, world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="40.01").code \
        == "RED_EXCEEDS_ORIGINAL"
    op(world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="40.00")
    assert [u["event"] for u in uploads] == ["issued", "red", "red"]
    err = refused(op, world, "acme", "red_reverse", token, code=ROLL, number="00000099", amount="1")
    assert (err.code, err.field) == ("INVALID_INPUT", "number")


def test_red_amount_insufficient_for_invoicer_then_taxpayer(op, db, acme):
    world, token = acme       # 冲红限额 1000.00
    ready_invoicer(op, world, token, red="100.00")
    for _ in range(2):
        op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="800.00")
    op(world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="100.00")
    assert refused(op, world, "acme", "red_reverse", token, code=ROLL, number="00000002", amount="0.01").code \
        == "RED_AMOUNT_INSUFFICIENT"
    # the taxpayer's limit binds too, even when an invoicer's allocation was made under a higher one
    op(world, "acme", "allocate_amounts", token, invoicer="系统管理员", red_amount="1000.00", cache_amount="9000")
    acct = account(db, world)
    acct.red_limit = 150
    db.commit()
    op(world, "acme", "red_reverse", token, code=ROLL, number="00000002", amount="50.00")
    assert refused(op, world, "acme", "red_reverse", token, code=ROLL, number="00000002", amount="0.01").code \
        == "RED_AMOUNT_INSUFFICIENT"


def test_red_usage_resets_each_month_but_allocation_stays(op, db, acme):
    world, token = acme
    ready_invoicer(op, world, token, red="100.00")
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="500.00")
    op(world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="100.00")
    assert refused(op, world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="1").code \
        == "RED_AMOUNT_INSUFFICIENT"
    advance_clock(db, world.id, until="2016-06-01T00:00:00+08:00")   # Shanghai month, not UTC
    res = op(world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="100.00")
    assert res["month"] == "2016-06"


def test_void_only_in_issuing_month(op, db, acme, uploads):
    world, token = acme
    ready_invoicer(op, world, token)
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="10")
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="20")
    assert op(world, "acme", "void_invoice", token, code=ROLL, number="00000001")["status"] == "voided"
    assert uploads[-1]["event"] == "voided"
    err = refused(op, world, "acme", "void_invoice", token, code=ROLL, number="00000001")
    assert (err.code, err.field) == ("INVALID_INPUT", "number")       # already voided
    err = refused(op, world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="1")
    assert (err.code, err.field) == ("INVALID_INPUT", "number")       # a voided invoice is not reversed
    advance_clock(db, world.id, until="2016-05-31T23:59:00+08:00")
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="30")   # 00000003, in May
    advance_clock(db, world.id, until="2016-06-01T00:01:00+08:00")
    for number in ("00000002", "00000003"):
        assert refused(op, world, "acme", "void_invoice", token, code=ROLL, number=number).code \
            == "VOID_PERIOD_CLOSED"
    assert op(world, "acme", "red_reverse", token, code=ROLL, number="00000002", amount="20")


# --- the 地税 作废冲红版 (FAQ 5.3) ----------------------------------------------------------------

DS = [{"code": "25000116", "number": "00000007", "amount": "300.00", "issued_at": "2016-04-20T10:00:00+08:00"},
      {"code": "25000116", "number": "00000008", "amount": "200.00", "issued_at": "2016-05-02T10:00:00+08:00"}]


def _void_session(op, make_world, blanks=1):
    world = make_world(spec(taxpayer(ds_invoices=DS, ds_blank_invoices=blanks)))
    op(world, "acme", "install_client", edition="dishui_void")
    return world, login(op, world, client="dishui_void")


def _ds(db, world, number):
    db.expire_all()
    return db.execute(select(WpDsInvoice).where(WpDsInvoice.world_id == world.id,
                                                WpDsInvoice.number == number)).scalar_one()


def test_ds_void_in_issuing_month_only(op, db, make_world):
    world, token = _void_session(op, make_world)
    assert refused(op, world, "acme", "void_invoice", token, code="25000116", number="00000007").code \
        == "VOID_PERIOD_CLOSED"
    op(world, "acme", "void_invoice", token, code="25000116", number="00000008")
    assert _ds(db, world, "00000008").status == "voided"
    assert account(db, world).ds_blank_invoices == 1          # a void consumes no blank invoice


def test_ds_red_reverse_uses_blank_invoices_not_monthly_amounts(op, db, make_world, uploads):
    world, token = _void_session(op, make_world, blanks=1)     # red_limit 1000 but no 开票员 red amount
    assert refused(op, world, "acme", "red_reverse", token, code="25000116", number="00000007",
                   amount="300.01").code == "RED_EXCEEDS_ORIGINAL"
    op(world, "acme", "red_reverse", token, code="25000116", number="00000007", amount="100.00")
    assert account(db, world).ds_blank_invoices == 0
    assert refused(op, world, "acme", "red_reverse", token, code="25000116", number="00000007",
                   amount="100.00").code == "DS_NO_BLANK_INVOICES"
    assert _ds(db, world, "00000007").red_total == 100
    assert uploads == []            # old 地税 invoices are not 金三's


def test_void_edition_does_not_touch_guoshui_invoices(op, acme, make_world):
    world, token = acme
    ready_invoicer(op, world, token)
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="10")
    op(world, "acme", "install_client", edition="dishui_void")
    void = login(op, world, client="dishui_void")
    assert refused(op, world, "acme", "void_invoice", void, code=ROLL, number="00000001").code == "INVALID_INPUT"
    assert refused(op, world, "acme", "issue_invoice", void, code=ROLL, item="广告设计", amount="1").code \
        == "FORBIDDEN"


# --- printer (FAQ 7) --------------------------------------------------------------------------

def test_set_printer_within_margin(op, db, acme):
    world, token = acme
    assert op(world, "acme", "set_printer", token, invoice_type="22040", right=-10, down=10) == \
        {"invoice_type": "22040", "right": -10, "down": 10}
    op(world, "acme", "set_printer", token, invoice_type="22040", right=3, down=-2)
    rows = db.execute(select(WpPrinter).where(WpPrinter.world_id == world.id)).scalars().all()
    assert [(r.type_code, r.right_mm, r.down_mm) for r in rows] == [("22040", 3, -2)]
    for args, field in (({"invoice_type": "32010", "right": 11, "down": 0}, "right"),
                        ({"invoice_type": "32010", "right": 0, "down": -11}, "down"),
                        ({"invoice_type": "03010", "right": 0, "down": 0}, "invoice_type"),
                        ({"invoice_type": "150001320410", "right": 0, "down": 0}, "invoice_type"),
                        ({"invoice_type": "32010", "right": "1", "down": 0}, "right"),
                        ({"invoice_type": "32010", "right": 1.5, "down": 0}, "right")):
        err = refused(op, world, "acme", "set_printer", token, **args)
        assert (err.code, err.field) == ("INVALID_INPUT", field)


def test_operations_need_a_session(op, db, make_world):
    world = make_world(spec())
    for name, args in (("list_purchases", {}), ("set_printer", {"invoice_type": "32010", "right": 0, "down": 0}),
                       ("issue_invoice", {"code": ROLL, "item": "广告设计", "amount": "1"})):
        assert refused(op, world, "acme", name, **args).code == "NOT_LOGGED_IN"
    assert db.execute(select(WpInvoice).where(WpInvoice.world_id == world.id)).first() is None


def test_a_red_reversed_invoice_is_not_voided_and_says_so_with_its_own_code(op, acme):
    world, token = acme
    ready_invoicer(op, world, token)
    op(world, "acme", "issue_invoice", token, code=ROLL, item="广告设计", amount="50")
    op(world, "acme", "red_reverse", token, code=ROLL, number="00000001", amount="10")
    err = refused(op, world, "acme", "void_invoice", token, code=ROLL, number="00000001")
    # a precondition, not the input's form: its own code (which refines INVALID_INPUT for old scenarios)
    assert (err.code, err.field) == ("INVOICE_RED_REVERSED", "number")
    from backoffice.failures import code_matches
    assert code_matches("INVOICE_RED_REVERSED", "INVALID_INPUT") and not code_matches("INVALID_INPUT", "INVOICE_RED_REVERSED")
