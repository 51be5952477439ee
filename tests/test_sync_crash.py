"""A nightly run killed half way and run again delivers every item exactly once (SQLite and PostgreSQL)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from backoffice.clearing.models import ClIndustry, ClTaxpayer
from backoffice.dispatch import advance_clock
from backoffice.jinsan.models import Change, Industry, Sale, Taxpayer, TaxpayerIndustry
from backoffice.sync.models import JobRun
from backoffice.wangpiao.models import WpAccount, WpInvoicer, WpPurchase, WpTaxpayerIndustry
from backoffice.worldbuild.rows import bulk_insert
from backoffice.worlds.models import World

N = 3000
ROLL = "150001320410"
ENABLED_AT = datetime.fromisoformat("2016-05-03T10:00:00+08:00")


def populate(db, world) -> None:
    """N enabled taxpayers waiting for their accounts, each with two industries and a sale."""
    w = world.id
    seq = world.next_seq
    bulk_insert(db, Taxpayer, w, [
        {"ref": f"k{i}", "kind": "unit", "name": f"纳税人{i}", "tax_id": f"T{i:017d}",
         "registration_no": f"1150{i:016d}", "taxpayer_code": f"1150{i:016d}", "wangpiao_enabled": True,
         "enabled_at": ENABLED_AT, "enabled_seq": seq + i, "industries_seq": seq + N + i} for i in range(N)])
    ids = dict(db.execute(select(Taxpayer.ref, Taxpayer.id).where(Taxpayer.world_id == w)).all())
    inds = list(db.scalars(select(Industry.id).where(Industry.world_id == w).order_by(Industry.id).limit(2)))
    bulk_insert(db, TaxpayerIndustry, w, [
        {"taxpayer_id": ids[f"k{i}"], "industry_id": inds[slot], "slot": slot} for i in range(N) for slot in (0, 1)])
    bulk_insert(db, Sale, w, [
        {"taxpayer_id": ids[f"k{i}"], "code": ROLL, "start_no": i * 10 + 1, "end_no": i * 10 + 10,
         "sold_at": ENABLED_AT, "seq": seq + 2 * N + i, "enabled_at_sale": True, "status": "active"}
        for i in range(N)])
    sales = dict(db.execute(select(Sale.taxpayer_id, Sale.id).where(Sale.world_id == w)).all())
    bulk_insert(db, Change, w, [
        {"seq": seq + 2 * N + i, "taxpayer_id": ids[f"k{i}"], "kind": "sale",
         "sale_id": sales[ids[f"k{i}"]], "created_at": ENABLED_AT, "ready_at": ENABLED_AT + timedelta(minutes=20),
         "auto": True, "forced": False} for i in range(N)])
    world.next_seq = seq + 3 * N
    db.commit()


RUNNER = textwrap.dedent("""
    import sys, time
    from sqlalchemy import event
    from sqlalchemy.orm import Session
    import jobs.schedules
    from backoffice.db import make_engine, make_session_factory
    from backoffice.dispatch import advance_clock
    jobs.schedules.batch_size = lambda: 40
    # slow each committed batch a little so the test can kill the run half way
    event.listen(Session, "after_commit", lambda s: time.sleep(0.004))
    session = make_session_factory(make_engine(sys.argv[1]))()
    advance_clock(session, int(sys.argv[2]), until="2016-05-04T02:00:00+08:00")
    print("finished")
""")


def count(db, model, world, *where):
    return db.execute(select(func.count()).select_from(model).where(model.world_id == world.id, *where)).scalar()


@pytest.mark.parametrize("kill_when", ["accounts", "purchases"])
def test_nightly_killed_half_way_then_rerun_delivers_everything_exactly_once(app, db, world, database_url,
                                                                             kill_when):
    populate(db, world)
    watched = WpAccount if kill_when == "accounts" else WpPurchase
    proc = subprocess.Popen([sys.executable, "-c", RUNNER, database_url, str(world.id)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ))
    engine = app.extensions["backoffice.engine"]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            with engine.connect() as conn:
                seen = conn.execute(select(func.count()).select_from(watched)
                                    .where(watched.world_id == world.id)).scalar()
            if seen >= 200:
                break
            time.sleep(0.02)
        assert proc.poll() is None, f"the run ended before it could be killed: {proc.communicate()}"
        proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    db.expire_all()
    assert 0 < count(db, watched, world) < N                    # it really died half way
    # run again: the killed occurrence is re-run (or, if it was the incremental, the next one)
    advance_clock(db, world.id, until="2016-05-04T02:05:00+08:00")
    db.expire_all()
    assert count(db, ClTaxpayer, world) == N
    assert count(db, ClIndustry, world) == 2 * N
    assert count(db, WpAccount, world) == N
    assert count(db, WpInvoicer, world) == N
    assert db.execute(select(func.count(func.distinct(WpInvoicer.account_id)))
                      .where(WpInvoicer.world_id == world.id, WpInvoicer.is_admin.is_(True))).scalar() == N
    assert count(db, WpTaxpayerIndustry, world) == 2 * N
    assert count(db, WpPurchase, world) == N
    assert count(db, Change, world, Change.delivered_at.is_(None)) == 0
    assert count(db, WpAccount, world, WpAccount.industries_seq.is_(None)) == 0
    assert count(db, JobRun, world, JobRun.job == "nightly_clearing") == 1
    w = db.get(World, world.id)
    assert w.cleared_seq == w.next_seq - 1
