"""Read-side questions about 金三 data."""
from __future__ import annotations

from sqlalchemy import and_, exists, select
from sqlalchemy.orm import Session

from .models import Office, Officer, Sale, Stock, Taxpayer


def in_stock(session: Session, world_id: int, office_id: int | None, code: str, start: int, end: int) -> bool:
    cond = [Stock.world_id == world_id, Stock.code == code, Stock.start_no <= start, Stock.end_no >= end]
    if office_id is not None:
        cond.append(Stock.office_id == office_id)
    return session.execute(select(exists().where(and_(*cond)))).scalar()


def overlapping_sales(session: Session, world_id: int, code: str, start: int, end: int) -> list[Sale]:
    return list(session.scalars(select(Sale).where(
        Sale.world_id == world_id, Sale.code == code, Sale.status == "active",
        Sale.start_no <= end, Sale.end_no >= start).order_by(Sale.start_no)))


def range_available(session: Session, world_id: int, office_id: int | None, code: str, start: int, end: int) -> bool:
    """In the office's stock and held by nobody (RANGE_UNAVAILABLE otherwise)."""
    return in_stock(session, world_id, office_id, code, start, end) and not overlapping_sales(
        session, world_id, code, start, end)


def taxpayer_by_ref(session: Session, world_id: int, ref: str) -> Taxpayer | None:
    return session.execute(select(Taxpayer).where(Taxpayer.world_id == world_id, Taxpayer.ref == ref)).scalar_one_or_none()


def officer_by_login(session: Session, world_id: int, login: str) -> Officer | None:
    return session.execute(select(Officer).where(Officer.world_id == world_id, Officer.login == login)).scalar_one_or_none()


def default_office(session: Session, world_id: int) -> Office | None:
    return session.scalars(select(Office).where(Office.world_id == world_id).order_by(Office.id).limit(1)).first()
