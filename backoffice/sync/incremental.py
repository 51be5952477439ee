"""The incremental channel (every 5 minutes) and 同步信息: 金三's outbox of changes → 网票.

A change is deliverable once 网票 holds the taxpayer's account and it is either forced (同步信息)
or automatic and ready (a sale once 20 minutes old; everything else at once). A batch of changes
is delivered in one transaction — purchases inserted or removed, red limit and password state
set, each change marked delivered — so a batch killed half way is simply delivered again.

Purchases follow 金三's current state of the sales concerned: a delivered sale shows as its
active pieces (itself, or what partial returns left of it), keyed by the piece's sale id, so a
piece reaches 网票 exactly once whatever order the changes are delivered in.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, delete, exists, func, or_, select, update
from sqlalchemy.orm import Session

from .accounts import from_jinsan
from .tables import (A, C, IT, P, S, T, at_, batch_bounds, end_batch, insert_rows, ranges, refresh_statistics,
                     text_)

BY_INCREMENTAL = "incremental"
BY_SYNC_INFO = "sync_info"


def _has_account(world_id: int):
    return exists().where(A.c.world_id == world_id, A.c.source_taxpayer_id == C.c.taxpayer_id)


def _due(world_id: int, at: datetime):
    return and_(C.c.world_id == world_id, C.c.delivered_at.is_(None),
                or_(C.c.forced.is_(True), and_(C.c.auto.is_(True), C.c.ready_at <= at)),
                _has_account(world_id))


def _former_ds_without_account(world_id: int, since: int):
    # Enabled at or before the last clearing means the nightly run made the account already.
    return and_(T.c.world_id == world_id, T.c.enabled_seq > since, T.c.wangpiao_enabled.is_(True),
                T.c.former_ds_wangpiao.is_(True),
                ~exists().where(A.c.world_id == world_id, A.c.source_taxpayer_id == T.c.id))


def pending(session: Session, world, now: datetime) -> datetime | None:
    w = world.id
    if session.execute(select(exists().where(_former_ds_without_account(w, world.cleared_seq)))).scalar():
        return now
    base = and_(C.c.world_id == w, C.c.delivered_at.is_(None), _has_account(w))
    if session.execute(select(exists().where(base, C.c.forced.is_(True)))).scalar():
        return now
    return session.execute(select(func.min(C.c.ready_at)).where(base, C.c.auto.is_(True))).scalar()


def run(session: Session, world, at: datetime, *, batch: int, commit: bool, as_of: datetime | None = None,
        upto_seq: int | None = None) -> int:
    """One run at ``at``. A run held back by a delay fault (sync/faults.py) passes ``as_of``, its
    scheduled time, and ``upto_seq``, the last change sequence then: it carries only what was ready
    at that time, stamped with the time it actually ran."""
    w = world.id
    moved = 0
    refresh_statistics(session, w, C, S, A, P)
    # former 地税 users' accounts first: their waiting changes then go out in this same run
    lacking = _former_ds_without_account(w, world.cleared_seq)
    due = _due(w, as_of or at)
    if upto_seq is not None:
        lacking = and_(lacking, T.c.enabled_seq <= upto_seq)
        due = and_(due, C.c.seq <= upto_seq)
    for last, hi in ranges(batch_bounds(session, T.c.id, lacking, batch)):
        moved += from_jinsan(session, w, last, hi, at, BY_INCREMENTAL, lacking)
        end_batch(session, commit)
    moved += deliver(session, w, at, due, by=BY_INCREMENTAL, batch=batch, commit=commit)
    return moved


def deliver(session: Session, world_id: int, at: datetime, where, *, by: str, batch: int, commit: bool) -> int:
    """Deliver the changes matching ``where`` in change-sequence order, ``batch`` per transaction."""
    moved = 0
    while True:
        ids = list(session.scalars(select(C.c.id).where(where).order_by(C.c.seq, C.c.id).limit(batch)))
        if not ids:
            return moved
        _deliver_batch(session, world_id, ids, at, by)
        moved += len(ids)
        end_batch(session, commit)


def _deliver_batch(session: Session, w: int, ids: list[int], at: datetime, by: str) -> None:
    in_batch = and_(C.c.world_id == w, C.c.id.in_(ids))
    # Roots: each sale change's sale, and each return change's closed sale if 网票 held it; what 网票
    # must hold for a root is its active pieces.
    delivered_root = exists().where(P.c.world_id == w, P.c.source_sale_id == C.c.sale_id)
    roots = (select(C.c.sale_id.label("sale_id"))
             .where(in_batch, or_(C.c.kind == "sale", and_(C.c.kind == "return", delivered_root)))
             .cte("pieces", recursive=True))
    child = S.alias("child")
    pieces = roots.union_all(select(child.c.id).where(child.c.world_id == w, child.c.parent_id == roots.c.sale_id))
    # written so that the batch's pieces drive the query (not every account of the world)
    account = (select(A.c.id).where(A.c.world_id == w, A.c.source_taxpayer_id == S.c.taxpayer_id)
               .scalar_subquery())
    wangpiao_codes = select(IT.c.code).where(IT.c.world_id == w, IT.c.wangpiao.is_(True))
    sel = (select(S.c.world_id, account, S.c.id, S.c.code, S.c.start_no, S.c.end_no, at_(at), text_(by))
           .where(S.c.world_id == w, S.c.id.in_(select(pieces.c.sale_id)), S.c.status == "active",
                  S.c.code.in_(wangpiao_codes),
                  exists().where(A.c.world_id == w, A.c.source_taxpayer_id == S.c.taxpayer_id),
                  ~exists().where(P.c.world_id == w, P.c.source_sale_id == S.c.id)))
    insert_rows(session, P, w, ["world_id", "account_id", "source_sale_id", "code", "start_no", "end_no",
                                "delivered_at", "channel"], sel, order_by=S.c.id)
    closed = select(C.c.sale_id).where(in_batch, C.c.kind == "return")
    session.execute(delete(P).where(P.c.world_id == w, P.c.source_sale_id.in_(closed),
                                    P.c.source_sale_id.in_(select(S.c.id).where(S.c.world_id == w,
                                                                                S.c.status == "returned"))))
    # non-correlated IN (the batch's taxpayers) so the database looks at those accounts only
    red_tps = select(C.c.taxpayer_id).where(in_batch, C.c.kind == "red_limit")
    latest = (select(C.c.amount).where(in_batch, C.c.kind == "red_limit", C.c.taxpayer_id == A.c.source_taxpayer_id)
              .order_by(C.c.seq.desc(), C.c.id.desc()).limit(1).scalar_subquery())
    session.execute(update(A).where(A.c.world_id == w, A.c.source_taxpayer_id.in_(red_tps)).values(red_limit=latest))
    reset_tps = select(C.c.taxpayer_id).where(in_batch, C.c.kind == "password_reset")
    session.execute(update(A).where(A.c.world_id == w, A.c.source_taxpayer_id.in_(reset_tps))
                    .values(password_state="default", password_hash=None))
    session.execute(update(C).where(in_batch).values(delivered_at=at, delivered_by=by))
