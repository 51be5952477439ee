"""The nightly clearing (02:00): 金三 → 清分库 → 网票.

Hop 1 copies into the 清分库 every enabled taxpayer it lacks, the industry assignments changed
since the last clearing (and those of newly cleared taxpayers), and the items approved since.
Hop 2 creates the 网票 account (with its 系统管理员 and its industries) of every cleared taxpayer
that has none, replaces the industries of accounts behind the 清分库, and adds the new items to
网票's catalogue.

"Changed since" is World.cleared_seq, a watermark on the change sequence, raised only when the
whole run is done: a run killed half way is re-run over the same window, and every statement
skips what is already there, so each row arrives exactly once.

Every statement names its world and joins on ``(world_id, …)``: ids repeat from world to world.
Batches are ranges of keys worked out in one query per pass (:func:`.tables.batch_bounds`);
PostgreSQL's statistics are checked once per hop (:func:`.tables.refresh_statistics`).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from . import accounts
from .tables import (A, CI, CIT, CT, IND, INV, ITEM, T, TI, WI, WTI, at_, batch_bounds, end_batch, insert_rows,
                     ranges, refresh_statistics)

BY_NIGHTLY = "nightly_clearing"


def _cl_industries_current():
    """The 清分库 holds the taxpayer's current assignment (every assignment has a main industry, slot 0)."""
    return exists().where(CI.c.world_id == T.c.world_id, CI.c.source_taxpayer_id == T.c.id, CI.c.slot == 0,
                          CI.c.seq == T.c.industries_seq)


def _not_cleared(after: int | None = None, upto: int | None = None):
    """No 清分库 row for the taxpayer. Within a batch (after, upto] the question is bounded by the
    batch's range too: the rows this very run is adding are unknown to the planner's statistics,
    and it must not be able to scan them all for every taxpayer."""
    cond = [CT.c.world_id == T.c.world_id, CT.c.source_taxpayer_id == T.c.id]
    if after is not None:
        cond += [CT.c.source_taxpayer_id > after, CT.c.source_taxpayer_id <= upto]
    return ~exists().where(*cond)


def _account_behind(world_id: int):
    """The 网票 account is missing, or holds older industries than 金三."""
    acc = A.alias("acc")
    missing = ~exists().where(acc.c.world_id == world_id, acc.c.source_taxpayer_id == T.c.id)
    stale = exists().where(acc.c.world_id == world_id, acc.c.source_taxpayer_id == T.c.id,
                           func.coalesce(acc.c.industries_seq, 0) < T.c.industries_seq)
    return or_(missing, stale)


def _items_due(world_id: int, since: int):
    done = exists().where(CIT.c.world_id == world_id, CIT.c.source_item_id == ITEM.c.id, CIT.c.delivered.is_(True))
    return and_(ITEM.c.world_id == world_id, ITEM.c.seq > since, ~done)


def _touched(world_id: int, since: int):
    """Enabled taxpayers touched since the last clearing (enabled, or industries assigned)."""
    return and_(T.c.world_id == world_id, T.c.wangpiao_enabled.is_(True),
                or_(T.c.industries_seq > since, T.c.enabled_seq > since))


def pending(session: Session, world, now: datetime) -> datetime | None:
    w, since = world.id, world.cleared_seq
    work = or_(_not_cleared(), and_(T.c.industries_seq > 0, ~_cl_industries_current()), _account_behind(w))
    enabled = and_(T.c.world_id == w, T.c.wangpiao_enabled.is_(True))
    # two questions rather than one with OR, so each can use its (world_id, …_seq) index
    for touched in (T.c.industries_seq > since, T.c.enabled_seq > since):
        if session.execute(select(exists().where(enabled, touched, work))).scalar():
            return now
    if session.execute(select(exists().where(_items_due(w, since)))).scalar():
        return now
    return None


def run(session: Session, world, at: datetime, *, batch: int, commit: bool) -> int:
    w, since = world.id, world.cleared_seq
    upto = world.next_seq - 1          # changes made from now on wait for the next night
    refresh_statistics(session, w, T, TI, CT, CI)
    moved = _clear_taxpayers(session, w, since, at, batch, commit)
    moved += _clear_items(session, w, since, batch, commit)
    refresh_statistics(session, w, CT, CI, CIT, A, INV, WTI)
    moved += _create_accounts(session, w, at, batch, commit)
    moved += _deliver_industries(session, w, batch, commit)
    moved += _deliver_items(session, w, batch, commit)
    if world.cleared_seq < upto:
        world.cleared_seq = upto
    end_batch(session, commit)
    return moved


def _clear_taxpayers(session, w, since, at, batch, commit) -> int:
    moved = 0
    due = and_(_touched(w, since), or_(_not_cleared(), and_(T.c.industries_seq > 0, ~_cl_industries_current())))
    for last, hi in ranges(batch_bounds(session, T.c.id, due, batch)):
        in_range = and_(T.c.world_id == w, T.c.id > last, T.c.id <= hi, T.c.wangpiao_enabled.is_(True))
        sel = (select(T.c.world_id, T.c.id, T.c.ref, T.c.name, T.c.tax_id, T.c.registration_no, T.c.taxpayer_code,
                      T.c.former_ds_wangpiao, T.c.keeps_ds_login, T.c.ds_account, T.c.ds_password_hash, T.c.ca,
                      T.c.ygz, T.c.dual, T.c.industries_seq, at_(at))
               .where(in_range, _not_cleared(last, hi)))
        moved += insert_rows(session, CT, w, [
            "world_id", "source_taxpayer_id", "ref", "name", "tax_id", "registration_no", "taxpayer_code",
            "former_ds_wangpiao", "keeps_ds_login", "ds_account", "ds_password_hash", "ca", "ygz", "dual",
            "industries_seq", "cleared_at"], sel, order_by=T.c.id)
        # the 清分库's copy of each assignment: replace what is older than 金三's
        current_seq = (select(T.c.industries_seq).where(T.c.world_id == w, T.c.id == CI.c.source_taxpayer_id)
                       .scalar_subquery())
        session.execute(delete(CI).where(CI.c.world_id == w, CI.c.source_taxpayer_id > last,
                                         CI.c.source_taxpayer_id <= hi, CI.c.seq != current_seq))
        rows = (select(TI.c.world_id, TI.c.taxpayer_id, IND.c.code, TI.c.slot, T.c.industries_seq)
                .select_from(T.join(TI, and_(TI.c.world_id == T.c.world_id, TI.c.taxpayer_id == T.c.id))
                             .join(IND, and_(IND.c.world_id == TI.c.world_id, IND.c.id == TI.c.industry_id)))
                .where(in_range, T.c.industries_seq > 0,
                       ~exists().where(CI.c.world_id == w, CI.c.source_taxpayer_id == T.c.id,
                                       CI.c.source_taxpayer_id > last, CI.c.source_taxpayer_id <= hi)))
        moved += insert_rows(session, CI, w, ["world_id", "source_taxpayer_id", "industry_code", "slot", "seq"],
                             rows, order_by=(TI.c.taxpayer_id, TI.c.slot))
        cl_seq = (select(T.c.industries_seq).where(T.c.world_id == w, T.c.id == CT.c.source_taxpayer_id)
                  .scalar_subquery())
        session.execute(update(CT).where(CT.c.world_id == w, CT.c.source_taxpayer_id > last,
                                         CT.c.source_taxpayer_id <= hi, CT.c.industries_seq != cl_seq)
                        .values(industries_seq=cl_seq))
        end_batch(session, commit)
    return moved


def _clear_items(session, w, since, batch, commit) -> int:
    moved = 0
    fresh = and_(ITEM.c.world_id == w, ITEM.c.seq > since,
                 ~exists().where(CIT.c.world_id == w, CIT.c.source_item_id == ITEM.c.id))
    for last, hi in ranges(batch_bounds(session, ITEM.c.id, fresh, batch)):
        sel = (select(ITEM.c.world_id, ITEM.c.id, IND.c.code, IND.c.name, ITEM.c.name, False)
               .select_from(ITEM.join(IND, and_(IND.c.world_id == ITEM.c.world_id, IND.c.id == ITEM.c.industry_id)))
               .where(fresh, ITEM.c.id > last, ITEM.c.id <= hi))
        moved += insert_rows(session, CIT, w, ["world_id", "source_item_id", "industry_code", "industry_name", "name",
                                               "delivered"], sel, order_by=ITEM.c.id)
        end_batch(session, commit)
    return moved


def _create_accounts(session, w, at, batch, commit) -> int:
    moved = 0
    lacking = and_(CT.c.world_id == w,
                   ~exists().where(A.c.world_id == w, A.c.source_taxpayer_id == CT.c.source_taxpayer_id))
    for last, hi in ranges(batch_bounds(session, CT.c.source_taxpayer_id, lacking, batch)):
        moved += accounts.from_clearing(session, w, last, hi, at, BY_NIGHTLY)
        end_batch(session, commit)
    return moved


def _clearing_ahead():
    """The 清分库 holds a newer industry assignment than the account."""
    return exists().where(CT.c.world_id == A.c.world_id, CT.c.source_taxpayer_id == A.c.source_taxpayer_id,
                          CT.c.industries_seq > func.coalesce(A.c.industries_seq, 0))


def _deliver_industries(session, w, batch, commit) -> int:
    moved = 0
    behind = _clearing_ahead()
    for last, hi in ranges(batch_bounds(session, A.c.id, and_(A.c.world_id == w, behind), batch)):
        moved += replace_industries(session, w, last, hi, behind, source="clearing")
        end_batch(session, commit)
    return moved


def replace_industries(session: Session, w: int, after: int, upto: int, behind, *, source: str) -> int:
    """Replace the industries of the accounts with ids in (after, upto] that are ``behind``, by the
    清分库's (nightly) or 金三's (industry incremental); returns how many accounts."""
    accounts_ = and_(A.c.world_id == w, A.c.id > after, A.c.id <= upto, behind)
    session.execute(delete(WTI).where(WTI.c.world_id == w, WTI.c.account_id > after, WTI.c.account_id <= upto,
                                      WTI.c.account_id.in_(select(A.c.id).where(accounts_))))
    if source == "clearing":
        rows = (select(A.c.world_id, A.c.id, CI.c.industry_code, CI.c.slot)
                .select_from(A.join(CI, and_(CI.c.world_id == w, CI.c.source_taxpayer_id == A.c.source_taxpayer_id)))
                .where(accounts_))
        order = (A.c.id, CI.c.slot)
        seq = select(CT.c.industries_seq).where(CT.c.world_id == w, CT.c.source_taxpayer_id == A.c.source_taxpayer_id)
    else:
        rows = (select(A.c.world_id, A.c.id, IND.c.code, TI.c.slot)
                .select_from(A.join(TI, and_(TI.c.world_id == w, TI.c.taxpayer_id == A.c.source_taxpayer_id))
                             .join(IND, and_(IND.c.world_id == w, IND.c.id == TI.c.industry_id)))
                .where(accounts_))
        order = (A.c.id, TI.c.slot)
        seq = select(T.c.industries_seq).where(T.c.world_id == w, T.c.id == A.c.source_taxpayer_id)
    insert_rows(session, WTI, w, ["world_id", "account_id", "industry_code", "slot"], rows, order_by=order)
    return session.execute(update(A).where(accounts_).values(industries_seq=seq.scalar_subquery())).rowcount


def _deliver_items(session, w, batch, commit) -> int:
    moved = 0
    waiting = and_(CIT.c.world_id == w, CIT.c.delivered.is_(False))
    for last, hi in ranges(batch_bounds(session, CIT.c.id, waiting, batch)):
        in_range = and_(waiting, CIT.c.id > last, CIT.c.id <= hi)
        sel = (select(CIT.c.world_id, CIT.c.industry_code, CIT.c.name, CIT.c.source_item_id)
               .where(in_range, ~exists().where(WI.c.world_id == w, WI.c.industry_code == CIT.c.industry_code,
                                                WI.c.name == CIT.c.name)))
        moved += insert_rows(session, WI, w, ["world_id", "industry_code", "name", "source_item_id"], sel,
                             order_by=CIT.c.id)
        session.execute(update(CIT).where(in_range).values(delivered=True))
        end_batch(session, commit)
    return moved
