"""The upload channel (网票 → 金三, "at once") with its ledger, and what an injected fault does to it.

Every report 网票 sends — an invoice issued, voided or red-reversed — is written to the ledger
(``sync_upload_reports``) with its place in the world's change sequence, so the consistency
checks can tell whether it came before or after a 金三 operation of the same minute. Normally 金三
receives it at once. Under a fault the ledger is an outbox, and nothing is lost:

- ``fail``: 金三 receives nothing while the fault lasts; every report held is delivered, in the
  order sent, at the instant the fault ends (or is cleared). Issuing in 网票 itself goes on: the
  invoice is 网票's own record, only the report to 金三 waits.
- ``delay`` by D: each report sent during the fault reaches 金三 D after it was sent.

While a report waits, 金三 does not know the number is used, so a return of it is accepted —
the return race that the consistency check ``issued_outside_holding`` names.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ..clock import register_work
from ..wangpiao.upload import deliver as deliver_now, register_transport
from ..worlds.models import World
from . import faults
from .fault_models import SyncFault, UploadReport
from .models import WorkItem

RELEASE = "upload_release"


def transport(session: Session, deliver, *, world_id: int, source_taxpayer_id: int, code: str, number: int,
              event: str, amount, at: datetime) -> None:
    after_seq = session.scalar(select(World.next_seq).where(World.id == world_id)) - 1
    row = UploadReport(world_id=world_id, source_taxpayer_id=source_taxpayer_id, code=code, number=int(number),
                       event=event, amount=amount, reported_at=at, after_seq=after_seq)
    fault = faults.active(session, world_id, "upload", at)
    if fault is None:
        deliver(session, world_id=world_id, source_taxpayer_id=source_taxpayer_id, code=code, number=number,
                event=event, amount=amount, at=at)
        row.delivered_at = at
    else:
        row.fault_id = fault.id
        if fault.kind == "delay":
            row.due_at = at + timedelta(seconds=fault.delay_seconds)
            _release_at(session, world_id, row.due_at)
    session.add(row)


def schedule_release(session: Session, world, fault: SyncFault) -> None:
    """A new upload fault: held reports are released when it ends (a fail fault) or when due (delay)."""
    if fault.kind == "fail" and fault.ends_at is not None:
        _release_at(session, world.id, fault.ends_at)


def _release_at(session: Session, world_id: int, due: datetime) -> None:
    exists_ = session.scalar(select(WorkItem.id).where(WorkItem.world_id == world_id, WorkItem.kind == RELEASE,
                                                      WorkItem.done_at.is_(None), WorkItem.due_at == due).limit(1))
    if exists_ is None:
        session.add(WorkItem(world_id=world_id, kind=RELEASE, due_at=due, created_at=due, payload={}))


def release(session: Session, world, at: datetime) -> int:
    """Deliver every held report whose hold is over — unless the channel is failing now, which
    holds them on until that fault ends. Returns how many reached 金三."""
    w = world.id
    over = list(session.scalars(select(UploadReport).where(
        UploadReport.world_id == w, UploadReport.delivered_at.is_(None),
        or_(UploadReport.due_at.is_(None), UploadReport.due_at <= at)).order_by(UploadReport.id)))
    failing = faults.active(session, w, "upload", at)
    if failing is not None and failing.kind == "fail":
        for row in over:
            row.fault_id, row.due_at = failing.id, None
        if failing.ends_at is not None:
            _release_at(session, w, failing.ends_at)
        return 0
    for row in over:
        deliver_now(session, world_id=w, source_taxpayer_id=row.source_taxpayer_id, code=row.code,
                    number=row.number, event=row.event, amount=row.amount, at=at)
        row.delivered_at = at
    session.flush()
    return len(over)


def _release_item(session: Session, world, item: WorkItem, at: datetime) -> None:
    release(session, world, at)


register_transport(transport)
register_work(RELEASE, _release_item)
