"""The template world of a base: the base data of seed_data/ loaded once; every world is a copy.

It is found by its unique key ("template:<base>"), and made at most once even when the first
world creations of a fresh database arrive together: on PostgreSQL they queue on an advisory lock
taken only while no template exists, and re-check once they hold it; on SQLite a write
transaction holds the database's write lock anyway. The unique key refuses a second template
whatever happens.
"""
from __future__ import annotations

import zlib
from datetime import datetime, timezone

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from ..clock import wall_now
from ..db import is_postgres
from ..seed import load_base
from ..worlds.models import World
from .rows import add_industries, bulk_insert, office_rows, officer_rows, stock_rows
from ..jinsan.models import Office, Officer, Stock
from ..worlds.models import InvoiceType

EPOCH = datetime(2016, 5, 1, tzinfo=timezone.utc)


def template_key(base: str) -> str:
    return f"template:{base}"


def _find(session: Session, key: str) -> World | None:
    return session.execute(select(World).where(World.key == key)).scalar_one_or_none()


def template_world(session: Session, base: str = "default") -> World:
    """The template world of ``base``, made now if the database has none yet."""
    key = template_key(base)
    tpl = _find(session, key)
    if tpl is not None:
        return tpl
    data = load_base(base=base)           # a bad base is refused before anything is locked
    if is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": zlib.crc32(key.encode())})
        tpl = _find(session, key)
        if tpl is not None:
            return tpl
    return build_template(session, base, data)


def build_template(session: Session, base: str, data=None) -> World:
    data = data or load_base(base=base)
    tpl = World(name=template_key(base), key=template_key(base), is_template=True, clock_now=EPOCH,
                clock_start=EPOCH, seed=0, next_seq=1, cleared_seq=0, spec={}, created_wall=wall_now())
    session.add(tpl)
    session.flush()
    w = tpl.id
    offices = bulk_insert(session, Office, w, office_rows(data.offices))
    by_code = {o["code"]: o["id"] for o in offices}
    first = offices[0]["id"]
    bulk_insert(session, Officer, w, officer_rows(data.officers, by_code, first))
    bulk_insert(session, InvoiceType, w, [
        {"type_code": t.type_code, "code": t.code, "name": t.name, "wangpiao": t.wangpiao,
         "paper_width_mm": t.paper_width_mm, "paper_height_mm": t.paper_height_mm} for t in data.invoice_types])
    bulk_insert(session, Stock, w, stock_rows(data.stock, by_code, first))
    add_industries(session, w, data.industries)
    return tpl
