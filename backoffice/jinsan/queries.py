"""Read-side questions about 金三 data."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..worlds.models import InvoiceType
from .models import Industry, Item, Office, Officer, Sale, Stock, Taxpayer, UsedInvoice


def overlapping_sales(session: Session, world_id: int, code: str, start: int, end: int) -> list[Sale]:
    return list(session.scalars(select(Sale).where(
        Sale.world_id == world_id, Sale.code == code, Sale.status == "active",
        Sale.start_no <= end, Sale.end_no >= start).order_by(Sale.start_no)))


def range_available(session: Session, world_id: int, office_id: int | None, code: str, start: int, end: int) -> bool:
    """In the office's stock and held by nobody (RANGE_UNAVAILABLE otherwise)."""
    return stock_block(session, world_id, office_id, code, start, end) is not None and not overlapping_sales(
        session, world_id, code, start, end)


def taxpayer_by_ref(session: Session, world_id: int, ref: str) -> Taxpayer | None:
    return session.execute(select(Taxpayer).where(Taxpayer.world_id == world_id, Taxpayer.ref == ref)).scalar_one_or_none()


def officer_by_login(session: Session, world_id: int, login: str) -> Officer | None:
    return session.execute(select(Officer).where(Officer.world_id == world_id, Officer.login == login)).scalar_one_or_none()


def default_office(session: Session, world_id: int) -> Office | None:
    return session.scalars(select(Office).where(Office.world_id == world_id).order_by(Office.id).limit(1)).first()


def industry_by_key(session: Session, world_id: int, key: str) -> Industry | None:
    """An industry named by its code or its name (docs/scenarios.md: both are accepted)."""
    return session.execute(select(Industry).where(Industry.world_id == world_id,
                                                  (Industry.code == key) | (Industry.name == key))
                           .order_by(Industry.id)).scalars().first()


def industries_holding(session: Session, world_id: int, item: str) -> list[Industry]:
    """Every industry whose catalogue holds an item of this name (FAQ 4.5: ask this first)."""
    return list(session.scalars(select(Industry).join(Item, Item.industry_id == Industry.id)
                                .where(Industry.world_id == world_id, Item.world_id == world_id, Item.name == item)
                                .order_by(Industry.code)))


def held_sales(session: Session, world_id: int, taxpayer_id: int, code: str, start: int, end: int,
               *, lock: bool = False) -> list[Sale] | None:
    """The taxpayer's active sales of ``code`` that together cover every number of start..end,
    or None when some number of the range is not held by it."""
    stmt = select(Sale).where(Sale.world_id == world_id, Sale.taxpayer_id == taxpayer_id, Sale.code == code,
                              Sale.status == "active", Sale.start_no <= end, Sale.end_no >= start
                              ).order_by(Sale.start_no)
    if lock:
        stmt = stmt.with_for_update()
    sales = list(session.scalars(stmt))
    covered = start - 1
    for sale in sales:
        if sale.start_no > covered + 1:
            return None
        covered = max(covered, sale.end_no)
    return sales if covered >= end else None


def used_numbers(session: Session, world_id: int, code: str, start: int, end: int) -> list[int]:
    """Numbers of the range 网票 reported through the upload channel (issued, voided or reversed)."""
    return sorted(set(session.scalars(select(UsedInvoice.number).where(
        UsedInvoice.world_id == world_id, UsedInvoice.code == code,
        UsedInvoice.number >= start, UsedInvoice.number <= end))))


def is_wangpiao_code(session: Session, world_id: int, code: str) -> bool:
    return bool(session.execute(select(InvoiceType.wangpiao).where(InvoiceType.world_id == world_id,
                                                                   InvoiceType.code == code)).scalar())


def stock_block(session: Session, world_id: int, office_id: int | None, code: str, start: int, end: int,
                *, lock: bool = False) -> Stock | None:
    """The office's stock row holding the whole range (a range never spans two rows); with no office
    (a taxpayer without a specialist in a world block), any office's."""
    stmt = select(Stock).where(Stock.world_id == world_id, Stock.code == code,
                               Stock.start_no <= start, Stock.end_no >= end).order_by(Stock.id).limit(1)
    if office_id is not None:
        stmt = stmt.where(Stock.office_id == office_id)
    if lock:
        stmt = stmt.with_for_update()
    return session.scalars(stmt).first()
