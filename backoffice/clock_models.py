"""What a world's clock keeps: work due at a simulated time, and the job runs it already made.

These belong to the clock (the core), not to any domain: a domain registers its jobs and its kinds
of due work with :mod:`backoffice.clock` and writes work items; the clock runs them and records
each job occurrence that did something, keyed so that a repeated or resumed run changes nothing.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .db import Base, BigId, UTCDateTime, WorldScoped


class WorkItem(WorldScoped, Base):
    """A piece of work due at a simulated time (e.g. a CA cancellation 30–60 min after the request)."""

    __tablename__ = "work_items"
    __table_args__ = (Index("ix_work_items_due", "world_id", "done_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    payload: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    taxpayer_ref: Mapped[str | None] = mapped_column(String(60))


class JobRun(Base):
    """One occurrence of a scheduled job that had something to do; keyed so a rerun changes nothing.

    ``status`` is ok, failed (the run raised JobFailed — an injected fault: ``reason`` says which) or
    delayed (it was held back and takes place later; ``detail`` says when).
    """

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("world_id", "job", "scheduled_for"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    world_id: Mapped[int] = mapped_column(BigId, ForeignKey("worlds.id", ondelete="CASCADE"))
    job: Mapped[str] = mapped_column(String(40))
    scheduled_for: Mapped[datetime] = mapped_column(UTCDateTime)
    items: Mapped[int] = mapped_column(BigInteger, default=0)
    detail: Mapped[dict | None] = mapped_column(JSON)
    finished_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="ok", server_default="ok")
    reason: Mapped[str | None] = mapped_column(String(300))
