"""The append-only audit log: every operation, accepted or rejected, and every clock move."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, UTCDateTime


class AuditEntry(Base):
    """One line of a world's history. Keyed globally (entries are written by concurrent requests and
    by refusals in transactions of their own); a fork copies its source's entries under new keys."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_world_time", "world_id", "sim_time"),
                      Index("ix_audit_world_operation", "world_id", "operation"),
                      Index("ix_audit_world_taxpayer", "world_id", "taxpayer_ref"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    world_id: Mapped[int] = mapped_column(BigId, ForeignKey("worlds.id", ondelete="CASCADE"))
    seq: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(120))
    actor_kind: Mapped[str] = mapped_column(String(20))       # officer | taxpayer | invoicer | system
    user_id: Mapped[int | None] = mapped_column(BigId)        # the simulator user who played the actor
    operation: Mapped[str] = mapped_column(String(40))
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_field: Mapped[str | None] = mapped_column(String(60))
    taxpayer_ref: Mapped[str | None] = mapped_column(String(60))
    sim_time: Mapped[datetime] = mapped_column(UTCDateTime)
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime)
