"""A database made by the release before per-world keys upgrades in place, its worlds intact.

tests/data/release_0002_worlds.json.gz is every row of a database that release (revision 0002)
made: the demo world, six FAQ scenario worlds with their history (sales, returns, logins, issued
and reversed invoices, a CA cancellation, an approved item), a fork of the worked demo world and a
fork of that fork (ids shifted past the others', the old way). The test loads it at revision 0002,
upgrades to the head, compares every row, then works in the migrated worlds.
"""
from __future__ import annotations

import gzip
import json
import os
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import JSON, DateTime, MetaData, func, insert, select, text

from backoffice.db import make_engine, make_session_factory
from backoffice.dispatch import advance_clock, execute
from backoffice.migrate import upgrade
from backoffice.wangpiao.models import WpAccount, WpPurchase
from backoffice.worldbuild import create_world
from backoffice.worlds.models import World
from backoffice.worlds.service import fork_world

FIXTURE = Path(__file__).parent / "data" / "release_0002_worlds.json.gz"


@pytest.fixture(params=["0002", "0001"])
def release_db(request, empty_database):
    """An empty database of the kind under test, at revision 0002 (or 0001, whose worlds have no
    ``key`` yet: 0002 finds the template and the demo world by name), holding the release's rows."""
    revision = request.param
    url = empty_database("release")
    upgrade(url, revision)
    rows = json.loads(gzip.decompress(FIXTURE.read_bytes()))
    given = {name: [{k: v for k, v in r.items() if not (revision == "0001" and k == "key")} for r in table]
             for name, table in rows.items()}
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if given.get(table.name):
                conn.execute(insert(table), [_typed(table, r) for r in given[table.name]])
        if engine.dialect.name == "postgresql":
            for table in meta.sorted_tables:
                if "id" in table.c and rows.get(table.name):
                    conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                      f"(SELECT max(id) FROM \"{table.name}\"))"))
    engine.dispose()
    yield url, rows



def _typed(table, row: dict) -> dict:
    out = {}
    for key, value in row.items():
        col = table.c[key]
        if value is not None and isinstance(col.type, DateTime) and not isinstance(col.type, JSON):
            value = datetime.fromisoformat(value)
        out[key] = value
    return out


def _plain(value):
    return value.isoformat() if isinstance(value, datetime) else value


def test_a_release_database_upgrades_with_every_world_intact_and_working(release_db):
    url, before = release_db
    upgrade(url)
    engine = make_engine(url)
    meta = MetaData()
    meta.reflect(engine)
    with engine.connect() as conn:
        for name, old_rows in before.items():
            table = meta.tables[name]
            keys = [c.name for c in table.primary_key.columns]
            kept = set(old_rows[0]) if old_rows else set()      # later revisions may add columns
            now = [{k: _plain(v) for k, v in r.items() if k in kept}
                   for r in conn.execute(select(table).order_by(*[table.c[k] for k in keys])).mappings()]
            old = sorted(old_rows, key=lambda r: tuple(r[k] for k in keys))
            assert now == old, f"{name} changed in the upgrade"
        assert conn.execute(select(func.count()).select_from(meta.tables["world_counters"])).scalar() == 0

    session = make_session_factory(engine)()
    try:
        demo = session.execute(select(World).where(World.key == "demo")).scalar_one()
        fork = session.execute(select(World).where(World.name == "fork of fork")).scalar_one()
        # the migrated demo world goes on numbering past its own rows: an FAQ 3.2 walk-through
        execute(session, demo.id, "zhang_wei", "sell_invoices",
                {"taxpayer": "chenji_xiaomian", "code": "150001320410", "start": "00095001", "end": "00095100"})
        advance_clock(session, demo.id, by="1h")
        account = session.execute(select(WpAccount).where(WpAccount.world_id == demo.id,
                                                          WpAccount.ref == "chenji_xiaomian")).scalar_one()
        got = session.scalars(select(WpPurchase.start_no).where(WpPurchase.world_id == demo.id,
                                                                WpPurchase.account_id == account.id))
        assert 95001 in set(got)
        # the fork of a fork (old, shifted ids) returns what it sold before the upgrade and forks again
        execute(session, fork.id, "zhang_wei", "return_invoices",
                {"taxpayer": "xinchuang_guanggao", "code": "150001320410", "start": "00090001", "end": "00090050"})
        again = fork_world(session, fork, name="after the upgrade")
        session.commit()
        execute(session, again.id, "zhang_wei", "sell_invoices",
                {"taxpayer": "xinchuang_guanggao", "code": "150001320410", "start": "00090001", "end": "00090010"})
        # and a new world comes from the migrated template
        fresh = create_world(session, {"start": "2016-05-03T09:00:00+08:00"}, name="new after the upgrade")
        session.commit()
        assert fresh.id > max(w["id"] for w in before["worlds"])
        officers = session.execute(text("SELECT count(*) FROM js_officers WHERE world_id = :w"), {"w": fresh.id})
        assert officers.scalar() == sum(1 for o in before["js_officers"] if o["world_id"] == 1)
    finally:
        session.close()
        engine.dispose()


@pytest.mark.skipif(not os.environ.get("BACKOFFICE_DATABASE_URL", "").startswith("postgres"),
                    reason="the key types are widened on PostgreSQL only (SQLite's INTEGER keys are 64-bit)")
def test_global_keys_are_64_bit_after_the_upgrade(release_db):
    url, _ = release_db
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as conn:
        types = dict(conn.execute(text(
            "SELECT table_name || '.' || column_name, data_type FROM information_schema.columns "
            "WHERE column_name IN ('id', 'world_id') AND table_schema = current_schema()")).all())
    engine.dispose()
    assert {types[k] for k in ("worlds.id", "audit_entries.id", "audit_entries.world_id", "users.id",
                               "js_sales.world_id")} == {"bigint"}
