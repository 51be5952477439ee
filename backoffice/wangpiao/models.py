"""网票 tables: replicas of what sync delivered, plus 网票's own data (SPEC.md §6)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import Base, Money, UTCDateTime, WorldScoped, world_fk, world_index


class WpAccount(WorldScoped, Base):
    """A taxpayer's 网票 account, created by sync (nightly for new users, incremental for former 地税)."""

    __tablename__ = "wp_accounts"
    # 网票 holds no key of 金三's: source_taxpayer_id is the id the sync carried over, not a reference
    __table_args__ = (UniqueConstraint("world_id", "source_taxpayer_id"),
                      CheckConstraint("password_state IN ('default','set','ds')", name="password_state"),
                      world_index("wp_accounts", "ref"), world_index("wp_accounts", "registration_no"),
                      world_index("wp_accounts", "taxpayer_code"), world_index("wp_accounts", "ds_account"))

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
    # default: the last six of the 识别号 or 登记序号 (letters → 0) are accepted;
    # ds: the old 地税 password; set: the password the taxpayer chose.
    password_state: Mapped[str] = mapped_column(String(10), default="default")
    password_hash: Mapped[str | None] = mapped_column(String(255))
    ca: Mapped[str] = mapped_column(String(8), default="none")
    ca_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    ygz: Mapped[bool] = mapped_column(Boolean, default=True)
    dual: Mapped[bool] = mapped_column(Boolean, default=False)
    red_limit: Mapped[Decimal | None] = mapped_column(Money)
    # The 金三 change sequence of the industry assignment 网票 holds; null: none delivered yet.
    industries_seq: Mapped[int | None] = mapped_column(BigInteger)
    ds_blank_invoices: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by: Mapped[str] = mapped_column(String(30))


class WpInvoicer(WorldScoped, Base):
    """开票员. The 系统管理员 is one of them (FAQ 4.1) and logs in with the account password."""

    __tablename__ = "wp_invoicers"
    __table_args__ = (UniqueConstraint("world_id", "account_id", "name"),
                      world_fk("account_id", "wp_accounts", ondelete="CASCADE"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(60))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    red_amount: Mapped[Decimal | None] = mapped_column(Money)
    cache_amount: Mapped[Decimal | None] = mapped_column(Money)


class WpIndustry(WorldScoped, Base):
    __tablename__ = "wp_industries"
    __table_args__ = (UniqueConstraint("world_id", "code"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))


class WpItem(WorldScoped, Base):
    __tablename__ = "wp_items"
    __table_args__ = (UniqueConstraint("world_id", "industry_code", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    industry_code: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100))
    source_item_id: Mapped[int | None] = mapped_column(Integer)


class WpTaxpayerIndustry(WorldScoped, Base):
    __tablename__ = "wp_taxpayer_industries"
    __table_args__ = (UniqueConstraint("world_id", "account_id", "slot"),
                      CheckConstraint("slot BETWEEN 0 AND 3", name="slot"),
                      world_fk("account_id", "wp_accounts", ondelete="CASCADE"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    industry_code: Mapped[str] = mapped_column(String(10))
    slot: Mapped[int] = mapped_column(Integer)


class WpPurchase(WorldScoped, Base):
    """领购信息 delivered from 金三: one row per delivered sale (keyed by it: delivered once)."""

    __tablename__ = "wp_purchases"
    __table_args__ = (UniqueConstraint("world_id", "source_sale_id"),
                      CheckConstraint("start_no <= end_no", name="range"),
                      world_fk("account_id", "wp_accounts", ondelete="CASCADE"),
                      world_index("wp_purchases", "account_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    source_sale_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    start_no: Mapped[int] = mapped_column(Integer)
    end_no: Mapped[int] = mapped_column(Integer)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime)
    channel: Mapped[str] = mapped_column(String(30))


class WpSegment(WorldScoped, Base):
    """分配发票号段: numbers of delivered purchases given to one invoicer (FAQ 4.3)."""

    __tablename__ = "wp_segments"
    __table_args__ = (CheckConstraint("start_no <= end_no", name="range"),
                      Index("ix_wp_segments_lookup", "world_id", "account_id", "code", "start_no"),
                      world_fk("account_id", "wp_accounts", ondelete="CASCADE"),
                      world_fk("invoicer_id", "wp_invoicers", ondelete="CASCADE"),
                      world_index("wp_segments", "invoicer_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    invoicer_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    start_no: Mapped[int] = mapped_column(Integer)
    end_no: Mapped[int] = mapped_column(Integer)
    allocated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WpInvoice(WorldScoped, Base):
    __tablename__ = "wp_invoices"
    __table_args__ = (UniqueConstraint("world_id", "code", "number"),
                      CheckConstraint("status IN ('issued','voided')", name="status"),
                      world_fk("account_id", "wp_accounts", ondelete="CASCADE"),
                      world_fk("invoicer_id", "wp_invoicers", ondelete="CASCADE"),
                      world_index("wp_invoices", "account_id"), world_index("wp_invoices", "invoicer_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    invoicer_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(12))
    number: Mapped[int] = mapped_column(Integer)
    item: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="issued")
    voided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    red_total: Mapped[Decimal] = mapped_column(Money, default=0)


class WpRedReversal(WorldScoped, Base):
    """冲红: a negative invoice against an issued one; counts against monthly red amounts (FAQ 4.4)."""

    __tablename__ = "wp_red_reversals"
    __table_args__ = (world_fk("account_id", "wp_accounts", ondelete="CASCADE"),
                      world_fk("invoicer_id", "wp_invoicers", ondelete="CASCADE"),
                      world_fk("invoice_id", "wp_invoices", ondelete="CASCADE"),
                      world_index("wp_red_reversals", "account_id"), world_index("wp_red_reversals", "invoicer_id"),
                      world_index("wp_red_reversals", "invoice_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    invoicer_id: Mapped[int] = mapped_column(Integer)
    invoice_id: Mapped[int] = mapped_column(Integer)
    amount: Mapped[Decimal] = mapped_column(Money)
    month: Mapped[str] = mapped_column(String(7))   # YYYY-MM in Asia/Shanghai: monthly usage resets
    reversed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class WpDsInvoice(WorldScoped, Base):
    """An old 地税 invoice (FAQ 5.3), voided or reversed only in the 作废冲红版 client."""

    __tablename__ = "wp_ds_invoices"
    __table_args__ = (UniqueConstraint("world_id", "code", "number"),
                      world_fk("account_id", "wp_accounts", ondelete="CASCADE"),
                      world_index("wp_ds_invoices", "account_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(20))
    amount: Mapped[Decimal] = mapped_column(Money)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(10), default="issued")
    red_total: Mapped[Decimal] = mapped_column(Money, default=0)


class WpPrinter(WorldScoped, Base):
    """系统设置 → 常规设置: printer offsets per invoice type, whole millimetres (FAQ 7)."""

    __tablename__ = "wp_printer_settings"
    __table_args__ = (UniqueConstraint("world_id", "account_id", "type_code"),
                      world_fk("account_id", "wp_accounts", ondelete="CASCADE"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(Integer)
    type_code: Mapped[str] = mapped_column(String(10))
    right_mm: Mapped[int] = mapped_column(Integer, default=0)
    down_mm: Mapped[int] = mapped_column(Integer, default=0)


class WpSession(WorldScoped, Base):
    """A 网票 login session (separate from the simulator user's own login)."""

    __tablename__ = "wp_sessions"
    # a fork keeps the sessions of its source (an exploration's runs start logged in), so a token
    # is unique within its world
    __table_args__ = (UniqueConstraint("world_id", "token_hash"),
                      world_fk("account_id", "wp_accounts", ondelete="CASCADE"),
                      world_fk("invoicer_id", "wp_invoicers", ondelete="CASCADE"),
                      world_index("wp_sessions", "account_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    account_id: Mapped[int] = mapped_column(Integer)
    invoicer_id: Mapped[int] = mapped_column(Integer)
    client: Mapped[str] = mapped_column(String(20))
    with_ca: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class PcMachine(WorldScoped, Base):
    """The taxpayer's PC (keyed by its ref, so it exists before any 网票 account does)."""

    __tablename__ = "pc_machines"
    __table_args__ = (UniqueConstraint("world_id", "taxpayer_ref"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    taxpayer_ref: Mapped[str] = mapped_column(String(60))
    # 地税 CA cache waiting to be carried to the 国税 client by upgrade_client (FAQ 6.1).
    ds_ca_cache: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set when the 国税 client was installed fresh over 地税 CA cache: it never uploads until
    # ops remake the U-Key.
    ca_cache_stuck: Mapped[bool] = mapped_column(Boolean, default=False)


class PcInstall(WorldScoped, Base):
    __tablename__ = "pc_installs"
    __table_args__ = (CheckConstraint("edition IN ('guoshui','dishui','dishui_void')", name="edition"),
                      world_fk("machine_id", "pc_machines", ondelete="CASCADE"),
                      world_index("pc_installs", "machine_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine_id: Mapped[int] = mapped_column(Integer)
    edition: Mapped[str] = mapped_column(String(12))
    version: Mapped[str] = mapped_column(String(20))
    folder: Mapped[str] = mapped_column(String(200))
    # Installed while an older copy's left-over files were present (FAQ 3.3).
    broken: Mapped[bool] = mapped_column(Boolean, default=False)
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class PcLeftover(WorldScoped, Base):
    """Files an uninstall leaves behind until the next reboot (FAQ 2)."""

    __tablename__ = "pc_leftovers"
    __table_args__ = (UniqueConstraint("world_id", "machine_id", "edition"),
                      world_fk("machine_id", "pc_machines", ondelete="CASCADE"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    machine_id: Mapped[int] = mapped_column(Integer)
    edition: Mapped[str] = mapped_column(String(12))
