"""清分库 (clearing library): the staging copy of 金三 data that the nightly sync fills.

``source_taxpayer_id`` and ``source_item_id`` are the 金三 ids the nightly run carried over (within
the same world), kept as plain values: the 清分库 is a copy, not a part of 金三.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, UTCDateTime, WorldScoped


class ClTaxpayer(WorldScoped, Base):
    """An enabled 网票 taxpayer as the clearing library knows it."""

    __tablename__ = "cl_taxpayers"
    __table_args__ = (UniqueConstraint("world_id", "source_taxpayer_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_taxpayer_id: Mapped[int] = mapped_column(Integer)
    ref: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(18))
    registration_no: Mapped[str] = mapped_column(String(20))
    taxpayer_code: Mapped[str] = mapped_column(String(40))
    former_ds_wangpiao: Mapped[bool] = mapped_column(Boolean, default=False)
    keeps_ds_login: Mapped[bool] = mapped_column(Boolean, default=True)
    ds_account: Mapped[str | None] = mapped_column(String(40))
    ds_password_hash: Mapped[str | None] = mapped_column(String(255))
    ca: Mapped[str] = mapped_column(String(8), default="none")
    ygz: Mapped[bool] = mapped_column(Boolean, default=True)
    dual: Mapped[bool] = mapped_column(Boolean, default=False)
    industries_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    cleared_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClIndustry(WorldScoped, Base):
    __tablename__ = "cl_taxpayer_industries"
    __table_args__ = (UniqueConstraint("world_id", "source_taxpayer_id", "slot"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_taxpayer_id: Mapped[int] = mapped_column(Integer)
    industry_code: Mapped[str] = mapped_column(String(10))
    slot: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class ClItem(WorldScoped, Base):
    __tablename__ = "cl_items"
    __table_args__ = (UniqueConstraint("world_id", "source_item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_item_id: Mapped[int] = mapped_column(Integer)
    industry_code: Mapped[str] = mapped_column(String(10))
    industry_name: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    delivered: Mapped[bool] = mapped_column(Boolean, default=False)
