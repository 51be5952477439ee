"""Read-only questions about the 网票 side of one world (its own tables only: wp_*, pc_*, invoice_types).

Every query names the world explicitly: the caller's session need not be world-scoped.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..clock import local
from ..seed import load_base
from ..worlds.models import InvoiceType
from .models import (PcInstall, PcLeftover, PcMachine, WpAccount, WpInvoice, WpInvoicer, WpPrinter,
                     WpItem, WpPurchase, WpRedReversal, WpSegment, WpTaxpayerIndustry)


def month_of(at: datetime) -> str:
    """The Asia/Shanghai month (YYYY-MM): monthly red usage and the void period follow it."""
    return local(at).strftime("%Y-%m")


def account_by_ref(session: Session, world_id: int, ref: str) -> WpAccount | None:
    return session.execute(select(WpAccount).where(WpAccount.world_id == world_id,
                                                   WpAccount.ref == ref)).scalar_one_or_none()


def machine_by_ref(session: Session, world_id: int, ref: str) -> PcMachine | None:
    return session.execute(select(PcMachine).where(PcMachine.world_id == world_id,
                                                   PcMachine.taxpayer_ref == ref)).scalar_one_or_none()


def installs(session: Session, world_id: int, machine_id: int, edition: str | None = None) -> list[PcInstall]:
    q = select(PcInstall).where(PcInstall.world_id == world_id, PcInstall.machine_id == machine_id)
    if edition is not None:
        q = q.where(PcInstall.edition == edition)
    return list(session.execute(q.order_by(PcInstall.id)).scalars())


def leftovers(session: Session, world_id: int, machine_id: int) -> list[PcLeftover]:
    return list(session.execute(select(PcLeftover).where(PcLeftover.world_id == world_id,
                                                         PcLeftover.machine_id == machine_id)
                                .order_by(PcLeftover.id)).scalars())


def invoicers(session: Session, world_id: int, account_id: int) -> list[WpInvoicer]:
    """The 开票员, the 系统管理员 first (it is listed among them, FAQ 4.1)."""
    return list(session.execute(select(WpInvoicer).where(WpInvoicer.world_id == world_id,
                                                         WpInvoicer.account_id == account_id)
                                .order_by(WpInvoicer.is_admin.desc(), WpInvoicer.id)).scalars())


def invoicer_by_name(session: Session, world_id: int, account_id: int, name: str) -> WpInvoicer | None:
    return session.execute(select(WpInvoicer).where(WpInvoicer.world_id == world_id,
                                                    WpInvoicer.account_id == account_id,
                                                    WpInvoicer.name == name)).scalar_one_or_none()


def admin_of(session: Session, world_id: int, account_id: int) -> WpInvoicer:
    return session.execute(select(WpInvoicer).where(WpInvoicer.world_id == world_id,
                                                    WpInvoicer.account_id == account_id,
                                                    WpInvoicer.is_admin.is_(True))).scalars().first()


def purchases(session: Session, world_id: int, account_id: int, code: str | None = None) -> list[WpPurchase]:
    q = select(WpPurchase).where(WpPurchase.world_id == world_id, WpPurchase.account_id == account_id)
    if code is not None:
        q = q.where(WpPurchase.code == code)
    return list(session.execute(q.order_by(WpPurchase.code, WpPurchase.start_no)).scalars())


def merged_ranges(rows) -> list[tuple[int, int]]:
    """Adjacent or overlapping (start, end) ranges joined: two purchases that touch form one range."""
    out: list[list[int]] = []
    for start, end in sorted((r.start_no, r.end_no) for r in rows):
        if out and start <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def covered(ranges: list[tuple[int, int]], start: int, end: int) -> bool:
    return any(a <= start and end <= b for a, b in ranges)


def segments(session: Session, world_id: int, account_id: int, *, code: str | None = None,
             invoicer_id: int | None = None) -> list[WpSegment]:
    q = select(WpSegment).where(WpSegment.world_id == world_id, WpSegment.account_id == account_id)
    if code is not None:
        q = q.where(WpSegment.code == code)
    if invoicer_id is not None:
        q = q.where(WpSegment.invoicer_id == invoicer_id)
    return list(session.execute(q.order_by(WpSegment.code, WpSegment.start_no)).scalars())


def used_numbers(session: Session, world_id: int, code: str, start: int, end: int) -> set[int]:
    """Numbers of ``code`` in [start, end] already issued or voided (a number is never reused)."""
    return set(session.execute(select(WpInvoice.number).where(
        WpInvoice.world_id == world_id, WpInvoice.code == code,
        WpInvoice.number.between(start, end))).scalars())


def next_number(session: Session, world_id: int, account_id: int, invoicer_id: int, code: str) -> int | None:
    """The lowest number of the invoicer's segments of ``code`` that lies in a delivered purchase and
    was never issued or voided; None when none is left."""
    delivered = merged_ranges(purchases(session, world_id, account_id, code))
    best: int | None = None
    for seg in segments(session, world_id, account_id, code=code, invoicer_id=invoicer_id):
        for a, b in delivered:
            lo, hi = max(a, seg.start_no), min(b, seg.end_no)
            if lo > hi or (best is not None and lo >= best):
                continue
            used = used_numbers(session, world_id, code, lo, hi)
            n = lo
            while n <= hi and n in used:
                n += 1
            if n <= hi and (best is None or n < best):
                best = n
    return best


def industry_codes(session: Session, world_id: int, account_id: int) -> list[str]:
    """The industries delivered for the taxpayer, main first (empty: 行业及品目为空白, FAQ 4.6)."""
    return list(session.execute(select(WpTaxpayerIndustry.industry_code).where(
        WpTaxpayerIndustry.world_id == world_id, WpTaxpayerIndustry.account_id == account_id)
        .order_by(WpTaxpayerIndustry.slot)).scalars())


def item_available(session: Session, world_id: int, industry_codes: list[str], item: str) -> bool:
    return session.execute(select(WpItem.id).where(WpItem.world_id == world_id, WpItem.name == item,
                                                   WpItem.industry_code.in_(industry_codes))).first() is not None


def invoice(session: Session, world_id: int, account_id: int, code: str, number: int) -> WpInvoice | None:
    return session.execute(select(WpInvoice).where(WpInvoice.world_id == world_id,
                                                   WpInvoice.account_id == account_id,
                                                   WpInvoice.code == code,
                                                   WpInvoice.number == number)).scalar_one_or_none()


def invoices(session: Session, world_id: int, account_id: int) -> list[WpInvoice]:
    return list(session.execute(select(WpInvoice).where(WpInvoice.world_id == world_id,
                                                        WpInvoice.account_id == account_id)
                                .order_by(WpInvoice.issued_at, WpInvoice.id)).scalars())


def red_used(session: Session, world_id: int, month: str, *, account_id: int | None = None,
             invoicer_id: int | None = None) -> Decimal:
    """What was red-reversed in ``month``: the allocated monthly amounts stay, this resets."""
    q = select(func.sum(WpRedReversal.amount)).where(WpRedReversal.world_id == world_id,
                                                                        WpRedReversal.month == month)
    if account_id is not None:
        q = q.where(WpRedReversal.account_id == account_id)
    if invoicer_id is not None:
        q = q.where(WpRedReversal.invoicer_id == invoicer_id)
    # sum() keeps the Money type, so the total comes back as yuan
    return session.execute(q).scalar() or Decimal("0.00")


def wangpiao_types(session: Session, world_id: int) -> list[InvoiceType]:
    return list(session.execute(select(InvoiceType).where(InvoiceType.world_id == world_id,
                                                          InvoiceType.wangpiao.is_(True))
                                .order_by(InvoiceType.type_code)).scalars())


def invoice_type(session: Session, world_id: int, key: str) -> InvoiceType | None:
    """A 网票 invoice type by its type code ("32010") or its invoice code ("150001320410")."""
    return session.execute(select(InvoiceType).where(InvoiceType.world_id == world_id,
                                                     InvoiceType.wangpiao.is_(True),
                                                     (InvoiceType.type_code == key) | (InvoiceType.code == key))
                           ).scalars().first()


def printer(session: Session, world_id: int, account_id: int, type_code: str) -> WpPrinter | None:
    return session.execute(select(WpPrinter).where(WpPrinter.world_id == world_id,
                                                   WpPrinter.account_id == account_id,
                                                   WpPrinter.type_code == type_code)).scalar_one_or_none()


@lru_cache(maxsize=1)
def printer_margin_mm() -> int:
    """The margin the print keeps on every side of its paper (seed data): it bounds the offsets (FAQ 7)."""
    return load_base().printer.margin_mm
