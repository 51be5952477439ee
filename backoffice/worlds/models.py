"""Worlds: isolated copies of 金三, 清分库 and 网票 with their own clock, plus world reference data."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, BigId, UTCDateTime, WorldScoped
from ..users import models as _users  # noqa: F401  (worlds.owner_id refers to users: flushing a world needs it)


class World(Base):
    __tablename__ = "worlds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    is_template: Mapped[bool] = mapped_column(Boolean, default=False)
    # A world the system itself looks up ("template:default", "demo"): found by this unique key,
    # never by its name, which users may share.
    key: Mapped[str | None] = mapped_column(String(60), unique=True)
    owner_id: Mapped[int | None] = mapped_column(BigId, ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # The simulated clock. In live mode "now" is live_anchor_sim + speed × (wall − live_anchor_wall);
    # the scheduler's tick advances clock_now to it.
    clock_now: Mapped[datetime] = mapped_column(UTCDateTime)
    clock_start: Mapped[datetime] = mapped_column(UTCDateTime)
    clock_mode: Mapped[str] = mapped_column(String(10), default="manual")
    live_speed: Mapped[float] = mapped_column(Float, default=1.0)
    live_anchor_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)
    live_anchor_sim: Mapped[datetime | None] = mapped_column(UTCDateTime)
    seed: Mapped[int] = mapped_column(Integer, default=0)
    # Per-world change sequence: orders operations that share one simulated instant.
    next_seq: Mapped[int] = mapped_column(BigInteger, default=1)
    # Highest change sequence the nightly clearing has already carried into the 清分库.
    cleared_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    # The docs/scenarios.md `world:` block the world was made from (reset rebuilds from it).
    spec: Mapped[dict | None] = mapped_column(JSON)
    created_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set while a big world is built batch by batch: nobody may see or act in it until it is whole.
    building: Mapped[bool] = mapped_column(Boolean, default=False)
    # The live scheduler's cache: the earliest simulated instant at which anything is due in this
    # world (null: not known, work it out). A live world whose "now" is before it has nothing to
    # fire, so the tick moves its clock in one statement with every other idle world.
    next_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The same instant on the wall clock (by the live anchors and speed): the tick asks "due yet?"
    # with a plain comparison, without working out every live world's simulated now. (On
    # PostgreSQL the table keeps pages half free, migration 0004, so the tick's updates stay HOT.)
    next_due_wall: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WorldMember(Base):
    __tablename__ = "world_members"
    __table_args__ = (UniqueConstraint("world_id", "user_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    world_id: Mapped[int] = mapped_column(BigId, ForeignKey("worlds.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(BigId, ForeignKey("users.id", ondelete="CASCADE"), index=True)


class WorldCounter(Base):
    """The next id of one world's table (ids are numbered per world: :mod:`backoffice.worlds.keys`).

    Copied by a fork with the rest of the world, so the copy goes on numbering where its source was.
    """

    __tablename__ = "world_counters"

    world_id: Mapped[int] = mapped_column(BigId, ForeignKey("worlds.id", ondelete="CASCADE"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(60), primary_key=True)
    next_id: Mapped[int] = mapped_column(BigInteger)


class InvoiceType(WorldScoped, Base):
    """An invoice type and its 发票代码 (FAQ 3.2). Reference data both sides know."""

    __tablename__ = "invoice_types"
    __table_args__ = (UniqueConstraint("world_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    type_code: Mapped[str] = mapped_column(String(10))
    code: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100))
    wangpiao: Mapped[bool] = mapped_column(Boolean, default=False)
    paper_width_mm: Mapped[str] = mapped_column(String(10))
    paper_height_mm: Mapped[str] = mapped_column(String(10))
