"""The tables the channels move rows between, as Core tables (set-based SQL, no ORM bookkeeping),
and the small pieces every channel shares: literal binds with the right column types and
per-batch commits."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, case, literal
from sqlalchemy.orm import Session

from ..clearing.models import ClIndustry, ClItem, ClTaxpayer
from ..clock import in_committing_advance
from ..db import UTCDateTime
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


def password_state(former, keeps):
    """Former 地税 users who keep their login keep their old password; everyone else starts at default."""
    return case((former & keeps, text_("ds")), else_=text_("default"))


def end_batch(session: Session, commit: bool) -> None:
    """A batch is one transaction when the caller lets jobs commit (docs/architecture.md rule 9)."""
    if commit:
        session.commit()
    else:
        session.flush()


def may_commit(session: Session) -> bool:
    return in_committing_advance(session)


def insert_count(session: Session, stmt) -> int:
    """Run an INSERT … SELECT and return how many rows it inserted (PostgreSQL reports it only on request)."""
    n = session.execute(stmt.execution_options(preserve_rowcount=True)).rowcount
    if n > 0:
        grown = session.info.setdefault("sync.inserted", {})
        grown[stmt.table.name] = grown.get(stmt.table.name, 0) + n
    return n


def refresh_statistics(session: Session, *tables) -> None:
    """PostgreSQL: ANALYZE those of ``tables`` that grew a lot since their statistics were taken.

    A table filled in bulk leaves the planner believing it is tiny, and it then probes it through
    the single-column world_id index instead of the composite keys: a quadratic plan. Autovacuum
    catches up only later, and the activity counters lag by a second, so the rows this session
    inserted are counted too.
    """
    from sqlalchemy import text
    from ..db import is_postgres

    if not is_postgres(session):
        return
    grown = session.info.setdefault("sync.inserted", {})
    names = [t.name for t in tables]
    rows = session.execute(text(
        "SELECT c.relname, greatest(c.reltuples, 0), coalesce(s.n_mod_since_analyze, 0) FROM pg_class c "
        "LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid "
        "WHERE c.relname = ANY(:names) AND c.relkind = 'r' AND c.relnamespace = to_regnamespace(current_schema())"),
        {"names": names}).all()
    for name, tuples, modified in rows:
        if max(modified, grown.get(name, 0)) > 200 + 0.2 * tuples:
            session.execute(text(f'ANALYZE "{name}"'))
            grown[name] = 0
