"""Injected channel faults and the upload channel's ledger: world state, copied by forks.

A fault makes one sync channel fail or run late between two simulated times (see
:mod:`backoffice.sync.faults`). The upload ledger records every report 网票 sends 金三 (issued,
voided, red-reversed), with the place in the world's change sequence at which it was sent, and
when 金三 received it: at once, or — under an upload fault — later, from this outbox.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, CheckConstraint, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Money, UTCDateTime, WorldScoped

CHANNELS = ("incremental", "industry", "nightly", "sync_info", "ca_cancel", "upload")
KINDS = ("fail", "delay")


class SyncFault(WorldScoped, Base):
    """A fault on one channel, active from ``starts_at`` until ``ends_at`` (open while null)."""

    __tablename__ = "sync_faults"
    __table_args__ = (
        CheckConstraint("channel IN ('incremental','industry','nightly','sync_info','ca_cancel','upload')",
                        name="channel"),
        CheckConstraint("kind IN ('fail','delay')", name="kind"),
        Index("ix_sync_faults_active", "world_id", "channel", "starts_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(10))
    delay_seconds: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # set when `{fault: clear}` (or a newer fault on the same channel) ended it early
    cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class UploadReport(WorldScoped, Base):
    """One report on the upload channel (网票 → 金三), delivered at once or held by a fault."""

    __tablename__ = "sync_upload_reports"
    __table_args__ = (
        Index("ix_sync_upload_reports_invoice", "world_id", "code", "number"),
        Index("ix_sync_upload_reports_waiting", "world_id", "delivered_at", "due_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_taxpayer_id: Mapped[int] = mapped_column(Integer, info={"refers_to": "js_taxpayers"})
    code: Mapped[str] = mapped_column(String(12))
    number: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(10))       # issued | voided | red
    amount: Mapped[Decimal] = mapped_column(Money)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # the last change sequence allocated before the report: it came after every operation with a
    # sequence up to this one, and before every later one (the order checks compare, not times)
    after_seq: Mapped[int] = mapped_column(BigInteger)
    # held by a delay fault: deliver at due_at; held by a fail fault: due_at null until it ends
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fault_id: Mapped[int | None] = mapped_column(Integer, info={"refers_to": "sync_faults"})
