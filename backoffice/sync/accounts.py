"""Creating 网票 accounts with their 系统管理员, set-based.

Two roads lead here: the nightly clearing (清分库 → 网票, for every new 网票 taxpayer) and the
incremental channel (金三 → 网票, for former 地税 网票 users, who keep using 网票 without waiting a
night). Either way the account and its admin are inserted in one transaction, so a batch killed
half way leaves neither. An account made by the nightly run arrives with the industries the
清分库 holds for it, in the same statements (no second pass to update what was just inserted).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, case, exists, null, select
from sqlalchemy.orm import Session

from ..worlds.keys import reserve
from .tables import A, ADMIN_NAME, CI, CT, INV, T, WTI, at_, insert_rows, password_state, text_, true_

ACCOUNT_COLUMNS = ["world_id", "source_taxpayer_id", "ref", "name", "tax_id", "registration_no", "taxpayer_code",
                   "former_ds_wangpiao", "keeps_ds_login", "ds_account", "password_state", "password_hash", "ca",
                   "ca_cancelled", "ygz", "dual", "red_limit", "ds_blank_invoices", "created_at", "created_by",
                   "industries_seq"]


def _no_account(world_id: int, taxpayer_id_col, after: int, upto: int):
    # bounded by the batch's range too: the accounts this very run is adding are unknown to the
    # planner's statistics, and it must not be able to scan them all for every taxpayer
    return ~exists().where(A.c.world_id == world_id, A.c.source_taxpayer_id == taxpayer_id_col,
                           A.c.source_taxpayer_id > after, A.c.source_taxpayer_id <= upto)


def from_clearing(session: Session, world_id: int, after: int, upto: int, at: datetime, by: str) -> int:
    """Accounts for the cleared taxpayers with ids in (after, upto] from their 清分库 rows (industries
    included); CA/营改增/dual flags and the red limit from 金三."""
    src = CT
    industries_seq = case((src.c.industries_seq > 0, src.c.industries_seq), else_=null())
    sel = (select(src.c.world_id, src.c.source_taxpayer_id, src.c.ref, src.c.name, src.c.tax_id,
                  src.c.registration_no, src.c.taxpayer_code, src.c.former_ds_wangpiao, src.c.keeps_ds_login,
                  src.c.ds_account, password_state(src.c.former_ds_wangpiao, src.c.keeps_ds_login),
                  _ds_hash(src.c.former_ds_wangpiao, src.c.keeps_ds_login, src.c.ds_password_hash),
                  T.c.ca, T.c.ca_cancelled_at.is_not(None), T.c.ygz, T.c.dual, T.c.red_limit, 0, at_(at), text_(by),
                  industries_seq)
           .select_from(src.join(T, and_(T.c.world_id == src.c.world_id, T.c.id == src.c.source_taxpayer_id)))
           .where(src.c.world_id == world_id, src.c.source_taxpayer_id > after, src.c.source_taxpayer_id <= upto,
                  _no_account(world_id, src.c.source_taxpayer_id, after, upto)))
    first = reserve(session, world_id, A, 0)
    n = insert_rows(session, A, world_id, ACCOUNT_COLUMNS, sel, order_by=src.c.source_taxpayer_id)
    _admins(session, world_id, first)
    _first_industries(session, world_id, first)
    return n


def from_jinsan(session: Session, world_id: int, after: int, upto: int, at: datetime, by: str, where) -> int:
    """Accounts straight from 金三 for the taxpayers with ids in (after, upto] matching ``where``
    (former 地税 网票 users); their industries wait for the nightly clearing."""
    sel = (select(T.c.world_id, T.c.id, T.c.ref, T.c.name, T.c.tax_id, T.c.registration_no, T.c.taxpayer_code,
                  T.c.former_ds_wangpiao, T.c.keeps_ds_login, T.c.ds_account,
                  password_state(T.c.former_ds_wangpiao, T.c.keeps_ds_login),
                  _ds_hash(T.c.former_ds_wangpiao, T.c.keeps_ds_login, T.c.ds_password_hash),
                  T.c.ca, T.c.ca_cancelled_at.is_not(None), T.c.ygz, T.c.dual, T.c.red_limit, 0, at_(at), text_(by),
                  null())
           .where(T.c.world_id == world_id, T.c.id > after, T.c.id <= upto, where,
                  _no_account(world_id, T.c.id, after, upto)))
    first = reserve(session, world_id, A, 0)
    n = insert_rows(session, A, world_id, ACCOUNT_COLUMNS, sel, order_by=T.c.id)
    _admins(session, world_id, first)
    return n


def _ds_hash(former, keeps, ds_hash):
    return case((and_(former, keeps), ds_hash), else_=null())


# The accounts a batch just inserted are those from its first new id on (ids only grow, and an
# account, its admin and its industries are written in one transaction): no need to ask which
# accounts lack them, a question whose plan would rest on statistics that know none of these rows.

def _admins(session: Session, world_id: int, first: int) -> None:
    """The 系统管理员 of every account from id ``first`` on (FAQ 4.1)."""
    sel = select(A.c.world_id, A.c.id, text_(ADMIN_NAME), true_()).where(A.c.world_id == world_id, A.c.id >= first)
    insert_rows(session, INV, world_id, ["world_id", "account_id", "name", "is_admin"], sel, order_by=A.c.id)


def _first_industries(session: Session, world_id: int, first: int) -> None:
    """The 清分库's industries of the accounts from id ``first`` on."""
    rows = (select(A.c.world_id, A.c.id, CI.c.industry_code, CI.c.slot)
            .select_from(A.join(CI, and_(CI.c.world_id == A.c.world_id,
                                         CI.c.source_taxpayer_id == A.c.source_taxpayer_id)))
            .where(A.c.world_id == world_id, A.c.id >= first, A.c.industries_seq.is_not(None)))
    insert_rows(session, WTI, world_id, ["world_id", "account_id", "industry_code", "slot"], rows,
                order_by=(A.c.id, CI.c.slot))
