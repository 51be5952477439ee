"""Live mode: the tick advances live worlds through the same advance; one lease holder at a time."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from backoffice.clock import fmt, wall_now
from backoffice.cli import main
from backoffice.sync.scheduler import (acquire_lease, advance_live_worlds, lease_holder, release_lease,
                                       start_background_scheduler, stop_background_scheduler, tick)
from backoffice.wangpiao.models import WpPurchase
from backoffice.worlds.service import get_world, set_clock_mode

from test_sync_channels import ROLL, SPECIALIST, taxpayer

WALL = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)


def test_tick_advances_a_live_world_at_its_speed_firing_the_sync_on_the_way(app, db, make_world, op):
    w = make_world({"officers": [SPECIALIST], "taxpayers": [taxpayer("acme", 1, enabled=True)]})
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    wid = w.id      # (reading an expired attribute later would open a transaction, and on SQLite lock)
    set_clock_mode(db, get_world(db, wid), "live", speed=60, at_wall=WALL)
    db.commit()
    factory = app.extensions["backoffice.sessions"]
    lease = f"test-{uuid.uuid4().hex}"
    holder = "tester"
    assert tick(factory, holder, 15, at_wall=WALL + timedelta(seconds=19), world_ids=[wid], name=lease) == {wid: 0}
    db.expire_all()
    assert fmt(get_world(db, wid).clock_now) == "2016-05-03T09:19:00+08:00"
    assert db.execute(select(WpPurchase.id).where(WpPurchase.world_id == wid)).first() is None
    db.rollback()      # on SQLite every transaction holds the write lock: end ours before the next tick
    # 20 wall seconds × 60 = 20 simulated minutes: the 09:20 incremental run delivers the sale
    assert tick(factory, holder, 15, at_wall=WALL + timedelta(seconds=20), world_ids=[wid], name=lease) == {wid: 1}
    db.expire_all()
    assert fmt(get_world(db, wid).clock_now) == "2016-05-03T09:20:00+08:00"
    assert db.execute(select(WpPurchase.id).where(WpPurchase.world_id == wid)).first() is not None
    db.rollback()
    # a tick at the same wall time moves nothing; a manual world is left alone
    assert advance_live_worlds(factory, at_wall=WALL + timedelta(seconds=20), world_ids=[wid]) == {}
    set_clock_mode(db, get_world(db, wid), "manual", at_wall=WALL + timedelta(seconds=20))
    db.commit()
    assert advance_live_worlds(factory, at_wall=WALL + timedelta(hours=5), world_ids=[wid]) == {}
    release_lease(factory, holder, name=lease)


def test_the_lease_refuses_a_second_holder_until_it_expires(app):
    factory = app.extensions["backoffice.sessions"]
    lease = f"test-{uuid.uuid4().hex}"
    assert acquire_lease(factory, "first", 15, at_wall=WALL, name=lease)
    assert not acquire_lease(factory, "second", 15, at_wall=WALL + timedelta(seconds=5), name=lease)
    assert tick(factory, "second", 15, at_wall=WALL + timedelta(seconds=5), world_ids=[], name=lease) is None
    assert acquire_lease(factory, "first", 15, at_wall=WALL + timedelta(seconds=10), name=lease)   # renewed
    assert not acquire_lease(factory, "second", 15, at_wall=WALL + timedelta(seconds=24), name=lease)
    assert acquire_lease(factory, "second", 15, at_wall=WALL + timedelta(seconds=25), name=lease)  # expired
    assert lease_holder(factory, name=lease).holder == "second"
    release_lease(factory, "first", name=lease)           # not its lease any more: nothing happens
    assert lease_holder(factory, name=lease).holder == "second"
    release_lease(factory, "second", name=lease)
    assert lease_holder(factory, name=lease) is None


def test_a_second_scheduler_does_not_start(app):
    factory = app.extensions["backoffice.sessions"]
    assert start_background_scheduler(app)
    try:
        holder = app.extensions["backoffice.scheduler"]["holder"]
        assert lease_holder(factory).holder == holder
        assert not start_background_scheduler(app)
        r = app.test_cli_runner().invoke(main, ["scheduler", "--no-wait"])
        assert r.exit_code == 1 and "holds the lease" in r.output
    finally:
        stop_background_scheduler(app)
    assert lease_holder(factory) is None


def test_an_idle_live_world_moves_with_the_others_until_something_is_due(app, db, make_world, op):
    w = make_world({"officers": [SPECIALIST], "taxpayers": [taxpayer("acme", 1, enabled=True)]})
    wid = w.id
    start = wall_now()     # operations in a live world first catch it up to the real wall clock
    set_clock_mode(db, get_world(db, wid), "live", speed=60, at_wall=start)
    db.commit()
    factory = app.extensions["backoffice.sessions"]
    # the first tick works out what is due next: nothing
    assert advance_live_worlds(factory, at_wall=start + timedelta(seconds=1), world_ids=[wid]) == {wid: 0}
    db.expire_all()
    assert get_world(db, wid).next_due.year == 9999
    db.rollback()
    # from then on the world is idle: its clock moves in the tick's one statement, nothing is advanced
    assert advance_live_worlds(factory, at_wall=start + timedelta(seconds=10), world_ids=[wid]) == {}
    db.expire_all()
    assert fmt(get_world(db, wid).clock_now) == "2016-05-03T09:10:00+08:00"
    db.rollback()
    # a sale changes the world: what is due is worked out again, and the 09:35 run delivers it
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    assert get_world(db, wid).next_due is None
    sold = get_world(db, wid).clock_now
    db.commit()
    assert advance_live_worlds(factory, at_wall=start + timedelta(seconds=11), world_ids=[wid]) == {wid: 0}
    db.expire_all()
    due = get_world(db, wid).next_due
    assert due >= sold + timedelta(minutes=20) and due.minute % 5 == 0 and due.second == 0
    db.rollback()
    seconds = (due - get_world(db, wid).clock_start).total_seconds() / 60
    db.rollback()
    assert advance_live_worlds(factory, at_wall=start + timedelta(seconds=seconds - 0.5), world_ids=[wid]) == {}
    assert advance_live_worlds(factory, at_wall=start + timedelta(seconds=seconds), world_ids=[wid]) == {wid: 1}
    db.expire_all()
    assert db.execute(select(WpPurchase.id).where(WpPurchase.world_id == wid)).first() is not None
    db.rollback()
