"""Scheduling state of the sync: the live scheduler's lease. (Due work and job runs belong to the
clock: :mod:`backoffice.clock_models`; they are named here too for the code that reads them.)"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from ..clock_models import JobRun, WorkItem  # noqa: F401
from ..db import Base, UTCDateTime


class SchedulerLease(Base):
    """Only the holder of this lease runs the live scheduler (wall-clock TTL)."""

    __tablename__ = "scheduler_leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(120))
    expires_wall: Mapped[datetime] = mapped_column(UTCDateTime)
