"""Explorations run in the background for the control room: their state lives in the database, so
any web worker can show a job's progress and result, whichever process runs it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, UTCDateTime

JOB_STATUSES = ("queued", "running", "done", "failed")


class ExplorationJob(Base):
    __tablename__ = "exploration_jobs"
    __table_args__ = (CheckConstraint("status IN ('queued','running','done','failed')", name="status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)              # the exploration file, as given
    max_runs: Mapped[int] = mapped_column(Integer)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    from_world_id: Mapped[int | None] = mapped_column(ForeignKey("worlds.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(12), default="queued")
    runs_done: Mapped[int] = mapped_column(Integer, default=0)
    runs_total: Mapped[int] = mapped_column(Integer, default=0)
    result: Mapped[dict | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    worker: Mapped[str | None] = mapped_column(String(120))
    created_wall: Mapped[datetime] = mapped_column(UTCDateTime)
    started_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # the worker writes this as it goes; a running job whose heartbeat stopped was interrupted
    heartbeat_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)
