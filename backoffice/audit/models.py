"""The append-only audit log: every operation, accepted or rejected, and every clock move."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, WorldScoped


class AuditEntry(WorldScoped, Base):
    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_world_time", "world_id", "sim_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(120))
    actor_kind: Mapped[str] = mapped_column(String(20))       # officer | taxpayer | invoicer | system
    user_id: Mapped[int | None] = mapped_column(Integer)      # the simulator user who played the actor
    operation: Mapped[str] = mapped_column(String(40), index=True)
    args: Mapped[dict] = mapped_column(JSON, default=dict)
    result: Mapped[dict | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(40))
    error_field: Mapped[str | None] = mapped_column(String(60))
    taxpayer_ref: Mapped[str | None] = mapped_column(String(60), index=True)
    sim_time: Mapped[datetime] = mapped_column(UTCDateTime)
    wall_time: Mapped[datetime] = mapped_column(UTCDateTime)
