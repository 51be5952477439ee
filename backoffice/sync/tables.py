"""The tables the channels move rows between, as Core tables (set-based SQL, no ORM bookkeeping),
and the small pieces every channel shares: literal binds with the right column types and
per-batch commits."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, case, literal
from sqlalchemy.orm import Session

from ..clearing.models import ClIndustry, ClItem, ClTaxpayer
from ..clock import in_committing_advance
from ..db import Money, UTCDateTime
from ..jinsan.models import Change, Industry, Item, Sale, Taxpayer, TaxpayerIndustry
from ..wangpiao.models import WpAccount, WpInvoicer, WpItem, WpPurchase, WpTaxpayerIndustry
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


def money_null():
    return literal(None, Money())


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


def insert_count(session: Session, stmt) -> int:
    """Run an INSERT … SELECT and return how many rows it inserted (PostgreSQL reports it only on request)."""
    return session.execute(stmt.execution_options(preserve_rowcount=True)).rowcount


def refresh_statistics(session: Session, *tables) -> None:
    """PostgreSQL: ANALYZE those of ``tables`` that changed a lot since their statistics were taken.

    A world loaded or cleared in bulk leaves the planner believing its tables are tiny, and it then
    picks nested loops over the single-column world_id index instead of the composite keys: a
    quadratic plan. Autovacuum would catch up later; a sync run cannot wait for it.
    """
    from sqlalchemy import text
    from ..db import is_postgres

    if not is_postgres(session):
        return
    names = [t.name for t in tables]
    stale = session.execute(text(
        "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
        "WHERE s.relname = ANY(:names) AND s.n_mod_since_analyze > 200 + 0.2 * greatest(c.reltuples, 0)"),
        {"names": names}).scalars().all()
    for name in stale:
        session.execute(text(f'ANALYZE "{name}"'))
