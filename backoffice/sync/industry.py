"""The industry incremental channel (:00 and :30): a changed assignment reaches 网票 within half an
hour — but only for a taxpayer whose industries 网票 already holds; a first assignment waits for
the nightly clearing (FAQ 4.6 "半小时至一天")."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from .nightly import replace_industries
from .tables import A, T, WTI, batch_bounds, end_batch, ranges, refresh_statistics


def _behind(world_id: int, since: int):
    # Assignments at or below the clearing watermark were delivered by a nightly run already.
    return and_(A.c.world_id == world_id, A.c.industries_seq.is_not(None),
                exists().where(T.c.world_id == world_id, T.c.id == A.c.source_taxpayer_id,
                               T.c.industries_seq > since, T.c.industries_seq > A.c.industries_seq))


def pending(session: Session, world, now: datetime) -> datetime | None:
    # driven by the (world_id, industries_seq) index: only assignments newer than the last clearing
    w = world.id
    behind = exists().where(A.c.world_id == w, A.c.source_taxpayer_id == T.c.id, A.c.industries_seq.is_not(None),
                            A.c.industries_seq < T.c.industries_seq)
    due = exists().where(T.c.world_id == w, T.c.industries_seq > world.cleared_seq, behind)
    return now if session.execute(select(due)).scalar() else None


def run(session: Session, world, at: datetime, *, batch: int, commit: bool) -> int:
    w, moved = world.id, 0
    refresh_statistics(session, w, A, T, WTI)
    behind = _behind(w, world.cleared_seq)
    for last, hi in ranges(batch_bounds(session, A.c.id, behind, batch)):
        moved += replace_industries(session, w, last, hi, behind, source="jinsan")
        end_batch(session, commit)
    return moved
