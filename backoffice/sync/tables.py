"""The tables the channels move rows between, as Core tables (set-based SQL, no ORM bookkeeping),
and the small pieces every channel shares: literal binds with the right column types and
per-batch commits."""
from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy import Boolean, String, case, func, literal, select, text
from sqlalchemy.orm import Session

from ..clearing.models import ClIndustry, ClItem, ClTaxpayer
from ..clock import in_committing_advance
from ..db import UTCDateTime
from ..jinsan.models import Change, Industry, Item, Sale, Taxpayer, TaxpayerIndustry
from ..wangpiao.models import WpAccount, WpInvoicer, WpItem, WpPurchase, WpTaxpayerIndustry
from ..worlds.keys import insert_select
from ..worlds.models import InvoiceType

T = Taxpayer.__table__
C = Change.__table__
S = Sale.__table__
IND = Industry.__table__
ITEM = Item.__table__
TI = TaxpayerIndustry.__table__
CT = ClTaxpayer.__table__
CI = ClIndustry.__table__
CIT = ClItem.__table__
A = WpAccount.__table__
INV = WpInvoicer.__table__
WI = WpItem.__table__
WTI = WpTaxpayerIndustry.__table__
P = WpPurchase.__table__
IT = InvoiceType.__table__

ADMIN_NAME = "系统管理员"


def at_(value: datetime):
    return literal(value, UTCDateTime())


def text_(value: str):
    return literal(value, String())


def true_():
    return literal(True, Boolean())


def password_state(former, keeps):
    """Former 地税 users who keep their login keep their old password; everyone else starts at default."""
    return case((former & keeps, text_("ds")), else_=text_("default"))


def end_batch(session: Session, commit: bool) -> None:
    """A batch is one transaction when the caller lets jobs commit (DESIGN.md rule 9)."""
    if commit:
        session.commit()
    else:
        session.flush()


def may_commit(session: Session) -> bool:
    return in_committing_advance(session)


def insert_rows(session: Session, table, world_id: int, columns: list[str], rows, *, order_by) -> int:
    """INSERT … SELECT for one world, the new rows' ids numbered from the world's counter in
    ``order_by`` order (:func:`backoffice.worlds.keys.insert_select`); returns how many."""
    return insert_select(session, table, world_id, columns, rows, order_by=order_by)


def batch_bounds(session: Session, key, where, batch: int) -> list[int]:
    """Upper bounds of consecutive batches of ``batch`` rows matching ``where``, in ``key`` order:
    batch i holds the rows with bounds[i-1] < key <= bounds[i] (bounds[-1] = 0 before the first).

    One query for the whole run: each statement of a batch then carries two bounds instead of a
    list of ids, and no batch asks again where it ends.
    """
    numbered = select(key.label("k"), func.row_number().over(order_by=key).label("rn"),
                      func.count().over().label("n")).where(where).subquery()
    return list(session.scalars(select(numbered.c.k).where((numbered.c.rn % batch == 0) | (numbered.c.rn == numbered.c.n))
                                .order_by(numbered.c.k)))


def ranges(bounds: list[int]):
    """(after, upto] pairs from :func:`batch_bounds`."""
    after = 0
    for upto in bounds:
        yield after, upto
        after = upto


# PostgreSQL plans a world's statements from statistics of the whole table. A world filled since
# they were taken (made from a big spec, or by the previous hop of this very run) is unknown to
# them: the planner expects a row or two and may loop over thousands. So, once per hop, a table
# whose statistics expect far fewer rows of this world than it holds is analysed first.
STALE_FACTOR = 10
STALE_MIN_ROWS = 1000


def refresh_statistics(session: Session, world_id: int, *tables) -> list[str]:
    """PostgreSQL: ANALYZE those of ``tables`` whose statistics do not know ``world_id``'s rows;
    returns their names."""
    from ..db import is_postgres

    if not is_postgres(session):
        return []
    analysed = []
    for t in tables:
        held = session.execute(select(func.count()).select_from(t).where(t.c.world_id == world_id)).scalar()
        if held < STALE_MIN_ROWS:
            continue
        plan = session.execute(text(f'EXPLAIN (FORMAT JSON) SELECT 1 FROM "{t.name}" WHERE world_id = :w'),
                               {"w": world_id}).scalar()
        expected = (plan if isinstance(plan, list) else json.loads(plan))[0]["Plan"]["Plan Rows"]
        if held > STALE_FACTOR * max(expected, 1):
            session.execute(text(f'ANALYZE "{t.name}"'))
            analysed.append(t.name)
    return analysed
