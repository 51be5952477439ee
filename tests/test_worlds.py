"""Worlds: isolation, fork, reset, delete, and the world-scoped session."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from backoffice.clock import fmt
from backoffice.db import world_session
from backoffice.errors import OperationError
from backoffice.jinsan.models import Officer, Sale, Taxpayer
from backoffice.wangpiao.models import WpAccount, WpPurchase
from backoffice.worldbuild import create_world, reset_world
from backoffice.worlds.service import (delete_world, fork_world, get_world,
                                       world_tables)

UNIT = {"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
        "registration_no": "11500000000000000001", "specialist": "h_zhang"}
SPEC = {"officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"}], "taxpayers": [UNIT]}


def counts(db, world_id):
    return {t.name: db.scalar(select(func.count()).select_from(t).where(t.c.world_id == world_id))
            for t in world_tables()}


def test_twin_worlds_do_not_see_each_other(db, make_world, op):
    a, b = make_world(SPEC), make_world(SPEC)
    before_b = counts(db, b.id)
    op(a, "h_zhang", "open_wangpiao", taxpayer="acme")
    op(a, "h_zhang", "sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    # the same range is still free in the twin: its stock and sales are its own
    op(b, "h_zhang", "sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    after_b = counts(db, b.id)
    assert after_b["js_sales"] == before_b["js_sales"] + 1
    assert db.scalar(select(Taxpayer.wangpiao_enabled).where(Taxpayer.world_id == b.id)) is False

    db.commit()  # end the read transaction: on SQLite every transaction holds the write lock
    # a session scoped to world a sees only a's rows, even without a filter in the query
    scoped = world_session(sessionmaker_of(db), a.id)
    try:
        refs = {(t.world_id, t.ref) for t in scoped.scalars(select(Taxpayer))}
        assert refs == {(a.id, "acme")}
        assert {s.world_id for s in scoped.scalars(select(Sale))} == {a.id}
    finally:
        scoped.close()


def sessionmaker_of(db):
    from sqlalchemy.orm import sessionmaker
    return sessionmaker(bind=db.get_bind())


def test_an_operation_in_one_world_cannot_touch_another_worlds_taxpayer(db, make_world, op):
    a = make_world(SPEC)
    b = make_world({"officers": [{"login": "h_li", "name": "李", "role": "specialist"}]})
    with pytest.raises(OperationError) as exc:
        op(b, "h_li", "open_wangpiao", taxpayer="acme")   # acme lives in world a only
    assert exc.value.code == "INVALID_INPUT" and exc.value.field == "taxpayer"
    with pytest.raises(OperationError) as exc:
        op(b, "h_zhang", "open_wangpiao", taxpayer="acme")  # a's officer is not b's
    assert exc.value.code == "FORBIDDEN"
    assert db.scalar(select(Taxpayer.wangpiao_enabled).where(Taxpayer.world_id == a.id)) is False


def test_fork_is_a_full_copy_with_clock_seed_and_sequence(db, make_world):
    spec = dict(SPEC, seed=7, taxpayers=[dict(UNIT, enabled=True, red_limit="1000.00",
                                              industries={"main": "7240", "secondary": []},
                                              purchases=[{"code": "150001320410", "start": "00000001", "end": "00000050"}])])
    src = make_world(spec)
    src.clock_now = src.clock_now + timedelta(hours=5)
    db.commit()
    copy = fork_world(db, src, name="copy")
    db.commit()
    assert counts(db, copy.id) == counts(db, src.id)
    assert (copy.clock_now, copy.seed, copy.next_seq) == (src.clock_now, src.seed, src.next_seq)
    # references were re-pointed inside the copy, never at the source's rows
    purchase = db.scalars(select(WpPurchase).where(WpPurchase.world_id == copy.id)).one()
    sale = db.get(Sale, (copy.id, purchase.source_sale_id))
    assert sale.world_id == copy.id
    account = db.scalars(select(WpAccount).where(WpAccount.world_id == copy.id)).one()
    assert db.get(Taxpayer, (copy.id, account.source_taxpayer_id)).world_id == copy.id
    officer = db.get(Officer, (copy.id, db.get(Taxpayer, (copy.id, account.source_taxpayer_id)).specialist_id))
    assert officer.world_id == copy.id and officer.login == "h_zhang"


def test_fork_of_a_fork_stays_consistent(db, make_world):
    a = make_world(SPEC)
    b = fork_world(db, a)
    c = fork_world(db, b)
    db.commit()
    assert counts(db, a.id) == counts(db, b.id) == counts(db, c.id)


def test_reset_returns_to_the_start(db, make_world, op):
    w = make_world(SPEC)
    start_counts = counts(db, w.id)
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    w.clock_now = w.clock_now + timedelta(days=2)
    db.commit()
    reset_world(db, w)
    db.commit()
    assert fmt(w.clock_now) == "2016-05-03T09:00:00+08:00"
    after = counts(db, w.id)
    after.pop("audit_entries"); start_counts.pop("audit_entries")
    assert after == start_counts
    assert db.scalar(select(Taxpayer.wangpiao_enabled).where(Taxpayer.world_id == w.id)) is False


def test_delete_removes_every_row(db, make_world):
    w = make_world(SPEC)
    world_id = w.id
    delete_world(db, w)
    db.commit()
    assert all(n == 0 for n in counts(db, world_id).values())
    with pytest.raises(OperationError) as exc:
        get_world(db, world_id)
    assert exc.value.code == "NOT_FOUND"


@pytest.mark.parametrize("bad, field", [
    ({"taxpayers": [dict(UNIT, tax_id="91500000MA5U0A0A2X")]}, "world.taxpayers.0.tax_id"),
    ({"taxpayers": [dict(UNIT, registration_no="21500000000000000001")]}, "world.taxpayers.0.registration_no"),
    ({"taxpayers": [dict(UNIT, specialist="nobody")]}, "world.taxpayers.0.specialist"),
    ({"officers": [{"login": "zhang_wei", "name": "重复", "role": "specialist"}]}, "world.officers.0.login"),
    ({"stock": [{"code": "150001320410", "start": 1, "end": "00000010"}]}, "world.stock.0.start"),
    ({"taxpayers": [dict(UNIT, industries={"main": "0000"})]}, "world.taxpayers.0.industries.main"),
])
def test_bad_world_blocks_are_refused_naming_the_field(db, bad, field):
    spec = {"start": "2016-05-03T09:00:00+08:00", **bad}
    if "taxpayers" in bad and "officers" not in bad:
        spec["officers"] = SPEC["officers"]
    with pytest.raises(OperationError) as exc:
        create_world(db, spec)
    db.rollback()
    assert exc.value.code == "INVALID_INPUT"
    assert exc.value.field == field


def test_unquoted_numbers_are_refused_with_quote_it(db):
    with pytest.raises(OperationError) as exc:
        create_world(db, {"start": "2016-05-03T09:00:00+08:00",
                          "stock": [{"code": 150001320410, "start": "00000001", "end": "00000010"}]})
    db.rollback()
    assert "quote it" in exc.value.reason
