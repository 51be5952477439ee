"""金三 (Golden Tax III): the truth about taxpayers, sales, limits and industries (SPEC.md §4)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Money, UTCDateTime, WorldScoped, world_fk, world_index

OFFICER_ROLES = ("specialist", "ds_specialist", "collection_section", "ops", "instructor")


class Office(WorldScoped, Base):
    __tablename__ = "js_offices"
    __table_args__ = (UniqueConstraint("world_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))


class Officer(WorldScoped, Base):
    __tablename__ = "js_officers"
    __table_args__ = (UniqueConstraint("world_id", "login"),
                      CheckConstraint("role IN ('specialist','ds_specialist','collection_section','ops','instructor')",
                                      name="role"),
                      world_fk("office_id", "js_offices", ondelete="CASCADE"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    login: Mapped[str] = mapped_column(String(60))
    name: Mapped[str] = mapped_column(String(60))
    role: Mapped[str] = mapped_column(String(30))
    office_id: Mapped[int | None] = mapped_column(Integer)


class Taxpayer(WorldScoped, Base):
    __tablename__ = "js_taxpayers"
    __table_args__ = (UniqueConstraint("world_id", "ref"), UniqueConstraint("world_id", "registration_no"),
                      UniqueConstraint("world_id", "tax_id"),
                      CheckConstraint("kind IN ('unit','individual')", name="kind"),
                      CheckConstraint("ca IN ('none','pc','device')", name="ca"),
                      Index("ix_js_taxpayers_world_industries_seq", "world_id", "industries_seq"),
                      # the sync's "enabled since the last clearing?" question (sync/nightly.py, incremental.py)
                      Index("ix_js_taxpayers_world_enabled_seq", "world_id", "enabled_seq"),
                      world_fk("specialist_id", "js_officers"),
                      world_index("js_taxpayers", "specialist_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(200))
    tax_id: Mapped[str] = mapped_column(String(18))           # 纳税人识别号
    registration_no: Mapped[str] = mapped_column(String(20))  # 国税登记序号
    taxpayer_code: Mapped[str] = mapped_column(String(40))    # 纳税人编码
    specialist_id: Mapped[int | None] = mapped_column(Integer)
    former_ds_wangpiao: Mapped[bool] = mapped_column(Boolean, default=False)
    keeps_ds_login: Mapped[bool] = mapped_column(Boolean, default=True)
    ds_account: Mapped[str | None] = mapped_column(String(40))
    ds_password_hash: Mapped[str | None] = mapped_column(String(255))
    ca: Mapped[str] = mapped_column(String(8), default="none")
    ygz: Mapped[bool] = mapped_column(Boolean, default=True)
    dual: Mapped[bool] = mapped_column(Boolean, default=False)
    wangpiao_enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enabled_seq: Mapped[int | None] = mapped_column(BigInteger)
    red_limit: Mapped[Decimal | None] = mapped_column(Money)
    industries_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    ca_cancel_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ca_cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Stock(WorldScoped, Base):
    """Blank invoices an office holds, as ranges of 8-digit numbers under one code."""

    __tablename__ = "js_stock"
    __table_args__ = (CheckConstraint("start_no <= end_no", name="range"),
                      Index("ix_js_stock_lookup", "world_id", "code", "start_no"),
                      world_fk("office_id", "js_offices", ondelete="CASCADE"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    start_no: Mapped[int] = mapped_column(Integer)
    end_no: Mapped[int] = mapped_column(Integer)


class Sale(WorldScoped, Base):
    """发售: a range sold to a taxpayer. A partial return closes the sale and leaves its remaining
    pieces as child sales that inherit the original sale time, sequence and enablement."""

    __tablename__ = "js_sales"
    __table_args__ = (CheckConstraint("start_no <= end_no", name="range"),
                      CheckConstraint("status IN ('active','returned')", name="status"),
                      Index("ix_js_sales_lookup", "world_id", "code", "status", "start_no"),
                      world_fk("taxpayer_id", "js_taxpayers", ondelete="CASCADE"),
                      world_fk("officer_id", "js_officers"),
                      world_fk("parent_id", "js_sales", ondelete="CASCADE"),
                      world_index("js_sales", "taxpayer_id"), world_index("js_sales", "parent_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxpayer_id: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    start_no: Mapped[int] = mapped_column(Integer)
    end_no: Mapped[int] = mapped_column(Integer)
    sold_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(BigInteger)
    enabled_at_sale: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(10), default="active")
    parent_id: Mapped[int | None] = mapped_column(Integer)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Return(WorldScoped, Base):
    """退票: numbers given back to stock."""

    __tablename__ = "js_returns"
    __table_args__ = (CheckConstraint("start_no <= end_no", name="range"),
                      world_fk("sale_id", "js_sales", ondelete="CASCADE"),
                      world_fk("taxpayer_id", "js_taxpayers", ondelete="CASCADE"),
                      world_fk("officer_id", "js_officers"),
                      world_index("js_returns", "sale_id"), world_index("js_returns", "taxpayer_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sale_id: Mapped[int] = mapped_column(Integer)
    taxpayer_id: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int | None] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    start_no: Mapped[int] = mapped_column(Integer)
    end_no: Mapped[int] = mapped_column(Integer)
    returned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    seq: Mapped[int] = mapped_column(BigInteger)


class Change(WorldScoped, Base):
    """Outbox of 金三 changes the incremental channel (or 同步信息) must deliver to 网票.

    kind: sale | return | red_limit | password_reset. ``auto`` is false for a sale made before
    网票 was enabled (SPEC.md §5): only 同步信息 (``forced``) delivers it.
    """

    __tablename__ = "js_changes"
    __table_args__ = (CheckConstraint("kind IN ('sale','return','red_limit','password_reset')", name="kind"),
                      Index("ix_js_changes_pending", "world_id", "delivered_at", "ready_at"),
                      world_fk("taxpayer_id", "js_taxpayers", ondelete="CASCADE"),
                      world_fk("sale_id", "js_sales", ondelete="CASCADE"),
                      world_fk("return_id", "js_returns", ondelete="CASCADE"),
                      world_index("js_changes", "taxpayer_id"), world_index("js_changes", "sale_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    taxpayer_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))
    sale_id: Mapped[int | None] = mapped_column(Integer)
    return_id: Mapped[int | None] = mapped_column(Integer)
    amount: Mapped[Decimal | None] = mapped_column(Money)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ready_at: Mapped[datetime] = mapped_column(UTCDateTime)
    auto: Mapped[bool] = mapped_column(Boolean, default=True)
    forced: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_by: Mapped[str | None] = mapped_column(String(30))


class Industry(WorldScoped, Base):
    __tablename__ = "js_industries"
    __table_args__ = (UniqueConstraint("world_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))


class Item(WorldScoped, Base):
    """品目 in an industry. ``seq`` is 0 for the base catalogue, the approval's sequence otherwise."""

    __tablename__ = "js_items"
    __table_args__ = (UniqueConstraint("world_id", "industry_id", "name"),
                      world_fk("industry_id", "js_industries", ondelete="CASCADE"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    industry_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(100))
    seq: Mapped[int] = mapped_column(BigInteger, default=0)
    added_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TaxpayerIndustry(WorldScoped, Base):
    """行业核定: slot 0 is the main industry, slots 1–3 the at most three 附行业 (FAQ 4.5)."""

    __tablename__ = "js_taxpayer_industries"
    __table_args__ = (UniqueConstraint("world_id", "taxpayer_id", "slot"),
                      UniqueConstraint("world_id", "taxpayer_id", "industry_id"),
                      CheckConstraint("slot BETWEEN 0 AND 3", name="slot"),
                      world_fk("taxpayer_id", "js_taxpayers", ondelete="CASCADE"),
                      world_fk("industry_id", "js_industries", ondelete="CASCADE"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxpayer_id: Mapped[int] = mapped_column(Integer)
    industry_id: Mapped[int] = mapped_column(Integer)
    slot: Mapped[int] = mapped_column(Integer)


class ItemRequest(WorldScoped, Base):
    """品目上报: a specialist reports an item missing from every industry; 征管科 decides."""

    __tablename__ = "js_item_requests"
    __table_args__ = (CheckConstraint("status IN ('pending','approved','rejected')", name="status"),
                      world_fk("taxpayer_id", "js_taxpayers", ondelete="CASCADE"),
                      world_fk("requested_by", "js_officers"), world_fk("decided_by", "js_officers"),
                      world_fk("industry_id", "js_industries"),
                      world_index("js_item_requests", "taxpayer_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxpayer_id: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(100))
    requested_by: Mapped[int | None] = mapped_column(Integer)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    decided_by: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    industry_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(String(500))


class UsedInvoice(WorldScoped, Base):
    """Upload channel receipts: invoices 网票 reported as issued, voided or red-reversed."""

    __tablename__ = "js_used_invoices"
    __table_args__ = (Index("ix_js_used_lookup", "world_id", "code", "number"),
                      world_fk("taxpayer_id", "js_taxpayers", ondelete="CASCADE"),
                      world_index("js_used_invoices", "taxpayer_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxpayer_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    number: Mapped[int] = mapped_column(Integer)
    event: Mapped[str] = mapped_column(String(10))   # issued | voided | red
    amount: Mapped[Decimal] = mapped_column(Money)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
