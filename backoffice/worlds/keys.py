"""Ids numbered per world.

Every domain row is keyed ``(world_id, id)`` (:class:`backoffice.db.WorldScoped`). The ids of one
world's table come from that world's counter (a ``world_counters`` row per world and table), so

- a copy of a world keeps every id of its source: a fork copies rows unchanged but for
  ``world_id``, and costs what it copies, however many worlds share the tables;
- the same steps in two worlds give the same ids (a scenario's results repeat run after run);
- concurrent work in different worlds never contends for an id, and within one world the counter
  row is the only thing two writers queue on.

Ids are handed out in blocks: the ORM's new rows when the session flushes (one counter update per
world and table), a set-based ``INSERT … SELECT`` through :func:`insert_select` (the counter row is
locked, the statement numbers its rows with ``row_number()``, the counter moves past them).
A counter missing for a table (a world made before the table existed) starts past the table's
highest id in that world.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import Table, event, func, insert, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..db import WorldScoped
from .models import WorldCounter

WC = WorldCounter.__table__


def _insert_ignore(session: Session):
    dialect = session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(WC)


def _start_counter(session: Session, world_id: int, table: Table) -> None:
    """Create the counter of ``table`` in ``world_id`` past its highest id (first use only)."""
    conn = session.connection()
    top = conn.execute(select(func.coalesce(func.max(table.c.id), 0)).where(table.c.world_id == world_id)).scalar()
    conn.execute(_insert_ignore(session).values(world_id=world_id, table_name=table.name, next_id=top + 1)
                 .on_conflict_do_nothing(index_elements=["world_id", "table_name"]))


def reserve(session: Session, world_id: int, table: Table, count: int) -> int:
    """Reserve ``count`` consecutive ids of ``table`` in ``world_id``; returns the first."""
    conn = session.connection()
    stmt = (update(WC).where(WC.c.world_id == world_id, WC.c.table_name == table.name)
            .values(next_id=WC.c.next_id + count).returning(WC.c.next_id))
    after = conn.execute(stmt).scalar()
    if after is None:
        _start_counter(session, world_id, table)
        after = conn.execute(stmt).scalar()
    return after - count


def insert_select(session: Session, table: Table, world_id: int, columns: list[str], rows, *,
                  order_by) -> int:
    """``INSERT INTO table (id, columns…) SELECT …`` for one world, numbering the new rows' ids
    from the world's counter in ``order_by`` order; returns how many rows were inserted.

    ``rows`` is a select of ``columns`` (``world_id`` among them, equal to ``world_id``).
    """
    first = reserve(session, world_id, table, 0)          # locks the counter row until commit
    numbered = rows.add_columns((literal(first - 1) + func.row_number().over(order_by=order_by)).label("id"))
    session.execute(insert(table).from_select([*columns, "id"], numbered))
    # the new rows are first, first + 1, …: the highest id says how many (a driver's rowcount does
    # not, for a statement that starts with WITH on SQLite)
    top = session.connection().execute(select(func.max(table.c.id)).where(table.c.world_id == world_id)).scalar()
    count = max(0, (top or 0) - first + 1)
    if count:
        session.connection().execute(update(WC).where(WC.c.world_id == world_id, WC.c.table_name == table.name)
                                     .values(next_id=first + count))
    return count


@event.listens_for(Session, "before_flush")
def _number_new_rows(session: Session, _context, _instances) -> None:
    """Give every new domain row without an id the next ids of its world's table."""
    pending: dict[tuple[int, Table], list] = defaultdict(list)
    for obj in session.new:
        if isinstance(obj, WorldScoped) and obj.id is None:
            if obj.world_id is None:
                raise ValueError(f"a new {type(obj).__name__} has no world_id")
            pending[(obj.world_id, obj.__table__)].append(obj)
    for (world_id, table), objs in pending.items():
        first = reserve(session, world_id, table, len(objs))
        for offset, obj in enumerate(objs):
            obj.id = first + offset
