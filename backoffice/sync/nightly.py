"""The nightly clearing (02:00): 金三 → 清分库 → 网票.

Hop 1 copies into the 清分库 every enabled taxpayer it lacks, the industry assignments changed
since the last clearing (and those of newly cleared taxpayers), and the items approved since.
Hop 2 creates the 网票 account (with its 系统管理员) of every cleared taxpayer that has none,
replaces the industries of accounts behind the 清分库, and adds the new items to 网票's catalogue.

"Changed since" is World.cleared_seq, a watermark on the change sequence, raised only when the
whole run is done: a run killed half way is re-run over the same window, and every statement
skips what is already there, so each row arrives exactly once.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from . import accounts
from .tables import (A, CI, CIT, CT, IND, INV, ITEM, T, TI, WI, WTI, at_, end_batch, insert_count, refresh_statistics,
                     text_)

BY_NIGHTLY = "nightly_clearing"
BY_INDUSTRY = "industry_incremental"


def _cl_industries_current():
    """The 清分库 holds the taxpayer's current assignment (every assignment has a main industry, slot 0)."""
    return exists().where(CI.c.world_id == T.c.world_id, CI.c.source_taxpayer_id == T.c.id, CI.c.slot == 0,
                          CI.c.seq == T.c.industries_seq)


def _candidates(world_id: int, since: int):
    """Enabled taxpayers touched since the last clearing (enabled, or industries assigned)."""
    return and_(T.c.world_id == world_id, T.c.wangpiao_enabled.is_(True),
                or_(T.c.industries_seq > since, T.c.enabled_seq > since))


def _hop1_due(world_id: int, since: int):
    no_cl = ~exists().where(CT.c.world_id == world_id, CT.c.source_taxpayer_id == T.c.id)
    return and_(_candidates(world_id, since), or_(no_cl, and_(T.c.industries_seq > 0, ~_cl_industries_current())))


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


def pending(session: Session, world, now: datetime) -> datetime | None:
    w, since = world.id, world.cleared_seq
    work = or_(~exists().where(CT.c.world_id == w, CT.c.source_taxpayer_id == T.c.id),
               and_(T.c.industries_seq > 0, ~_cl_industries_current()), _account_behind(w))
    enabled = and_(T.c.world_id == w, T.c.wangpiao_enabled.is_(True))
    # two questions rather than one with OR, so the first can use the industries_seq index
    for touched in (T.c.industries_seq > since, T.c.enabled_seq > since):
        if session.execute(select(exists().where(enabled, touched, work))).scalar():
            return now
    if session.execute(select(exists().where(_items_due(w, since)))).scalar():
        return now
    return None


def run(session: Session, world, at: datetime, *, batch: int, commit: bool) -> int:
    w, since = world.id, world.cleared_seq
    upto = world.next_seq - 1          # changes made from now on wait for the next night
    refresh_statistics(session, T, TI)
    moved = _clear_taxpayers(session, w, since, at, batch, commit)
    moved += _clear_items(session, w, since, batch, commit)
    moved += _create_accounts(session, w, at, batch, commit)
    moved += _deliver_industries(session, w, at, batch, commit)
    moved += _deliver_items(session, w, at, batch, commit)
    if world.cleared_seq < upto:
        world.cleared_seq = upto
    end_batch(session, commit)
    return moved


def next_bound(session: Session, key, where, after: int, batch: int) -> int | None:
    """The last key of the next batch of rows matching ``where`` after ``after`` (keyset paging).

    Batches are key ranges, not lists of ids: each statement of a batch then carries two bounds
    instead of thousands of bound parameters.
    """
    page = select(key.label("k")).where(where, key > after).order_by(key).limit(batch).subquery()
    return session.execute(select(func.max(page.c.k))).scalar()


def _clear_taxpayers(session, w, since, at, batch, commit) -> int:
    moved, last = 0, 0
    due = _hop1_due(w, since)
    while True:
        refresh_statistics(session, CT, CI)
        hi = next_bound(session, T.c.id, due, last, batch)
        if hi is None:
            return moved
        in_range = and_(T.c.world_id == w, T.c.id > last, T.c.id <= hi)
        sel = (select(T.c.world_id, T.c.id, T.c.ref, T.c.name, T.c.tax_id, T.c.registration_no, T.c.taxpayer_code,
                      T.c.former_ds_wangpiao, T.c.keeps_ds_login, T.c.ds_account, T.c.ds_password_hash, T.c.ca,
                      T.c.ygz, T.c.dual, T.c.industries_seq, at_(at))
               .where(in_range, T.c.wangpiao_enabled.is_(True),
                      ~exists().where(CT.c.world_id == w, CT.c.source_taxpayer_id == T.c.id)))
        moved += insert_count(session, insert(CT).from_select(
            ["world_id", "source_taxpayer_id", "ref", "name", "tax_id", "registration_no", "taxpayer_code",
             "former_ds_wangpiao", "keeps_ds_login", "ds_account", "ds_password_hash", "ca", "ygz", "dual",
             "industries_seq", "cleared_at"], sel))
        # the 清分库's copy of each assignment: replace what is older than 金三's
        current_seq = select(T.c.industries_seq).where(T.c.id == CI.c.source_taxpayer_id).scalar_subquery()
        session.execute(delete(CI).where(CI.c.world_id == w, CI.c.source_taxpayer_id > last,
                                         CI.c.source_taxpayer_id <= hi, CI.c.seq != current_seq))
        rows = (select(TI.c.world_id, TI.c.taxpayer_id, IND.c.code, TI.c.slot, T.c.industries_seq)
                .select_from(T.join(TI, TI.c.taxpayer_id == T.c.id).join(IND, IND.c.id == TI.c.industry_id))
                .where(in_range, T.c.wangpiao_enabled.is_(True), T.c.industries_seq > 0,
                       ~exists().where(CI.c.world_id == w, CI.c.source_taxpayer_id == T.c.id)))
        moved += insert_count(session, insert(CI).from_select(
            ["world_id", "source_taxpayer_id", "industry_code", "slot", "seq"], rows))
        cl_seq = select(T.c.industries_seq).where(T.c.id == CT.c.source_taxpayer_id).scalar_subquery()
        session.execute(update(CT).where(CT.c.world_id == w, CT.c.source_taxpayer_id > last,
                                         CT.c.source_taxpayer_id <= hi, CT.c.industries_seq != cl_seq)
                        .values(industries_seq=cl_seq))
        last = hi
        end_batch(session, commit)


def _clear_items(session, w, since, batch, commit) -> int:
    moved = 0
    while True:
        fresh = and_(ITEM.c.world_id == w, ITEM.c.seq > since,
                     ~exists().where(CIT.c.world_id == w, CIT.c.source_item_id == ITEM.c.id))
        ids = list(session.scalars(select(ITEM.c.id).where(fresh).order_by(ITEM.c.id).limit(batch)))
        if not ids:
            return moved
        sel = (select(ITEM.c.world_id, ITEM.c.id, IND.c.code, IND.c.name, ITEM.c.name, False)
               .select_from(ITEM.join(IND, IND.c.id == ITEM.c.industry_id)).where(ITEM.c.id.in_(ids)))
        moved += insert_count(session, insert(CIT).from_select(
            ["world_id", "source_item_id", "industry_code", "industry_name", "name", "delivered"], sel))
        end_batch(session, commit)


def _create_accounts(session, w, at, batch, commit) -> int:
    moved, last = 0, 0
    lacking = and_(CT.c.world_id == w,
                   ~exists().where(A.c.world_id == w, A.c.source_taxpayer_id == CT.c.source_taxpayer_id))
    while True:
        refresh_statistics(session, CT, A, INV)
        hi = next_bound(session, CT.c.source_taxpayer_id, lacking, last, batch)
        if hi is None:
            return moved
        moved += accounts.from_clearing(session, w, last, hi, at, BY_NIGHTLY)
        last = hi
        end_batch(session, commit)


def _clearing_ahead():
    """The 清分库 holds a newer industry assignment than the account."""
    return exists().where(CT.c.world_id == A.c.world_id, CT.c.source_taxpayer_id == A.c.source_taxpayer_id,
                          CT.c.industries_seq > func.coalesce(A.c.industries_seq, 0))


def _deliver_industries(session, w, at, batch, commit) -> int:
    moved, last = 0, 0
    behind = _clearing_ahead()
    while True:
        refresh_statistics(session, A, WTI, CI)
        hi = next_bound(session, A.c.id, and_(A.c.world_id == w, behind), last, batch)
        if hi is None:
            return moved
        moved += replace_industries(session, w, last, hi, behind, at, source="clearing")
        last = hi
        end_batch(session, commit)


def replace_industries(session: Session, w: int, after: int, upto: int, behind, at: datetime, *, source: str) -> int:
    """Replace the industries of the accounts with ids in (after, upto] that are ``behind``, by the
    清分库's (nightly) or 金三's (industry incremental), noting when and by which channel; returns
    how many accounts."""
    accounts_ = and_(A.c.world_id == w, A.c.id > after, A.c.id <= upto, behind)
    session.execute(delete(WTI).where(WTI.c.world_id == w, WTI.c.account_id > after, WTI.c.account_id <= upto,
                                      WTI.c.account_id.in_(select(A.c.id).where(accounts_))))
    if source == "clearing":
        rows = (select(A.c.world_id, A.c.id, CI.c.industry_code, CI.c.slot)
                .select_from(A.join(CI, and_(CI.c.world_id == w, CI.c.source_taxpayer_id == A.c.source_taxpayer_id)))
                .where(accounts_))
        seq = select(CT.c.industries_seq).where(CT.c.world_id == w, CT.c.source_taxpayer_id == A.c.source_taxpayer_id)
    else:
        rows = (select(A.c.world_id, A.c.id, IND.c.code, TI.c.slot)
                .select_from(A.join(TI, TI.c.taxpayer_id == A.c.source_taxpayer_id)
                             .join(IND, IND.c.id == TI.c.industry_id))
                .where(accounts_))
        seq = select(T.c.industries_seq).where(T.c.id == A.c.source_taxpayer_id)
    insert_count(session, insert(WTI).from_select(["world_id", "account_id", "industry_code", "slot"], rows))
    channel = BY_NIGHTLY if source == "clearing" else BY_INDUSTRY
    return session.execute(update(A).where(accounts_).values(industries_seq=seq.scalar_subquery(), industries_at=at_(at),
                                                             industries_by=text_(channel))).rowcount


def _deliver_items(session, w, at, batch, commit) -> int:
    moved = 0
    while True:
        ids = list(session.scalars(select(CIT.c.id).where(CIT.c.world_id == w, CIT.c.delivered.is_(False))
                                   .order_by(CIT.c.id).limit(batch)))
        if not ids:
            return moved
        sel = (select(CIT.c.world_id, CIT.c.industry_code, CIT.c.name, CIT.c.source_item_id, at_(at))
               .where(CIT.c.id.in_(ids),
                      ~exists().where(WI.c.world_id == w, WI.c.industry_code == CIT.c.industry_code,
                                      WI.c.name == CIT.c.name)))
        moved += insert_count(session, insert(WI).from_select(
            ["world_id", "industry_code", "name", "source_item_id", "delivered_at"], sel))
        session.execute(update(CIT).where(CIT.c.id.in_(ids)).values(delivered=True))
        end_batch(session, commit)
