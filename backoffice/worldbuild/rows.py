"""Bulk rows for building worlds: ids reserved per world in one step, rows inserted many at once."""
from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.orm import Session

from ..jinsan.models import Industry, Item
from ..wangpiao.models import WpIndustry, WpItem
from ..worlds.keys import reserve

CHUNK = 2000   # rows per executemany: bounded memory and statement size whatever the world's size


def bulk_insert(session: Session, model, world_id: int, rows: list[dict]) -> list[dict]:
    """Insert ``rows`` (column → value) into ``model``'s table for one world, numbering their ids;
    returns the rows with their ``world_id`` and ``id`` set."""
    if not rows:
        return rows
    table = model.__table__
    first = reserve(session, world_id, table, len(rows))
    for offset, row in enumerate(rows):
        row["world_id"], row["id"] = world_id, first + offset
    for i in range(0, len(rows), CHUNK):
        session.execute(insert(table), rows[i:i + CHUNK])
    return rows


def office_rows(offices) -> list[dict]:
    return [{"code": o.code, "name": o.name} for o in offices]


def officer_rows(officers, office_ids: dict[str, int], default_office: int) -> list[dict]:
    return [{"login": o.login, "name": o.name, "role": o.role,
             "office_id": office_ids[o.office] if o.office else default_office} for o in officers]


def stock_rows(stock, office_ids: dict[str, int], default_office: int) -> list[dict]:
    return [{"office_id": office_ids[s.office] if s.office else default_office, "code": s.code,
             "start_no": int(s.start), "end_no": int(s.end)} for s in stock]


def add_industries(session: Session, world_id: int, industries) -> None:
    """Industries and their items in 金三, and the same catalogue in 网票 (held from the start)."""
    if not industries:
        return
    inds = bulk_insert(session, Industry, world_id, [{"code": i.code, "name": i.name} for i in industries])
    bulk_insert(session, WpIndustry, world_id, [{"code": i.code, "name": i.name} for i in industries])
    items = bulk_insert(session, Item, world_id, [{"industry_id": row["id"], "name": name, "seq": 0}
                                                  for row, ind in zip(inds, industries) for name in ind.items])
    codes = {row["id"]: row["code"] for row in inds}
    bulk_insert(session, WpItem, world_id, [{"industry_code": codes[it["industry_id"]], "name": it["name"],
                                             "source_item_id": it["id"]} for it in items])
