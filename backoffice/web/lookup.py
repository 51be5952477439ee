"""Look-ups for the forms: what a trainee may type, found as it types.

``/worlds/<id>/lookup/<kind>?q=…`` answers at most :data:`LIMIT` suggestions as JSON
(``[{"value", "label"}]``) for taxpayers, taxpayers' PCs, items and industries; the forms'
``data-lookup`` inputs fill their datalist from it (static/lookup.js). Each answer is bounded by
the limit, never by the size of the world. The free stock ranges beside 发售 and the ranges a
taxpayer may return beside 退票 are read here too.
"""
from __future__ import annotations

from flask import Blueprint, Flask, g, jsonify, request, url_for
from sqlalchemy import and_, func, or_, select

from ..jinsan.models import Industry, Item, Sale, Stock, Taxpayer
from ..wangpiao.models import PcMachine, WpAccount
from ..worlds.models import InvoiceType
from .common import guard_world
from .db import get_session

bp = Blueprint("lookup", __name__, url_prefix="/worlds/<int:world_id>/lookup")
bp.before_request(guard_world)

LIMIT = 20


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


def like(q: str) -> str:
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def contains(column, q: str):
    """``column`` holds ``q``, ignoring ASCII case. SQLite's LIKE already ignores it (its ILIKE
    would wrap both sides in lower(), doubling the cost of the scan); PostgreSQL needs ILIKE."""
    from ..db import is_postgres
    pattern = like(q)
    return column.ilike(pattern, escape="\\") if is_postgres(get_session()) else column.like(pattern, escape="\\")


def starts(column, q: str):
    """``column`` begins with ``q``: an index range, for the identifiers made of digits."""
    return (column >= q) & (column < q + "\U0010ffff")


def taxpayer_filter(q: str):
    """Names, refs, 识别号 and 登记序号 hold the text anywhere; a 纳税人编码 begins with it."""
    return or_(contains(Taxpayer.ref, q), contains(Taxpayer.name, q), contains(Taxpayer.tax_id, q),
               contains(Taxpayer.registration_no, q), starts(Taxpayer.taxpayer_code, q))


def taxpayer_choices(world_id: int, q: str = "", limit: int = LIMIT) -> list[tuple[str, str]]:
    stmt = select(Taxpayer.ref, Taxpayer.name).where(Taxpayer.world_id == world_id)
    if q:
        stmt = stmt.where(taxpayer_filter(q))
    rows = get_session().execute(stmt.order_by(Taxpayer.ref).limit(limit)).all()
    return [(ref, f"{ref} — {name}") for ref, name in rows]


def machine_choices(world_id: int, q: str = "", limit: int = LIMIT) -> list[tuple[str, str]]:
    """Taxpayers' PCs (the portal knows taxpayers only through 网票 and their machines): refs that
    hold ``q``, then 网票 names that hold it, each query stopping at the limit."""
    db = get_session()
    stmt = select(PcMachine.taxpayer_ref).where(PcMachine.world_id == world_id)
    refs = list(db.scalars((stmt.where(contains(PcMachine.taxpayer_ref, q)) if q else stmt)
                           .order_by(PcMachine.taxpayer_ref).limit(limit)))
    if q and len(refs) < limit:
        by_name = select(WpAccount.ref).where(WpAccount.world_id == world_id, contains(WpAccount.name, q))
        refs += [r for r in db.scalars(by_name.order_by(WpAccount.ref).limit(limit)) if r not in refs]
    refs = sorted(refs)[:limit]
    names = dict(db.execute(select(WpAccount.ref, WpAccount.name).where(
        WpAccount.world_id == world_id, WpAccount.ref.in_(refs))).all()) if refs else {}
    return [(ref, f"{ref} — {names[ref]}" if ref in names else ref) for ref in refs]


def item_choices(world_id: int, q: str = "", limit: int = LIMIT) -> list[tuple[str, str]]:
    stmt = select(Item.name).where(Item.world_id == world_id).distinct()
    if q:
        stmt = stmt.where(contains(Item.name, q))
    return [(n, n) for n in get_session().scalars(stmt.order_by(Item.name).limit(limit))]


def industry_choices(world_id: int, q: str = "", limit: int = 200) -> list[tuple[str, str]]:
    stmt = select(Industry.code, Industry.name).where(Industry.world_id == world_id)
    if q:
        stmt = stmt.where(or_(contains(Industry.code, q), contains(Industry.name, q)))
    rows = get_session().execute(stmt.order_by(Industry.code).limit(limit)).all()
    return [(c, f"{c} — {n}") for c, n in rows]


KINDS = {"taxpayers": taxpayer_choices, "machines": machine_choices, "items": item_choices,
         "industries": industry_choices}


@bp.route("/<kind>")
def lookup(world_id: int, kind: str):
    find = KINDS.get(kind)
    if find is None:
        return jsonify([]), 404
    q = request.args.get("q", "").strip()[:100]
    return jsonify([{"value": v, "label": label} for v, label in find(g.world.id, q, LIMIT)])


def lookup_url(kind: str) -> str:
    return url_for("lookup.lookup", world_id=g.world.id, kind=kind)


# --- stock: what may be sold, what may be returned -------------------------------------------------

def free_ranges(world_id: int, office_id: int | None, per_code: int = 3) -> list[dict]:
    """Per invoice code of the office's stock, the first ``per_code`` ranges nobody holds (an officer
    without an office sells from any office's stock, so then every office's is listed).

    One indexed window query per stock row (a handful per office): gaps between the active sales
    inside the row, then what lies after the last of them."""
    db = get_session()
    names = dict(db.execute(select(InvoiceType.code, InvoiceType.name).where(InvoiceType.world_id == world_id)).all())
    out = []
    stocks = select(Stock).where(Stock.world_id == world_id)
    if office_id is not None:
        stocks = stocks.where(Stock.office_id == office_id)
    for st in db.scalars(stocks.order_by(Stock.code, Stock.start_no).limit(100)):
        inside = and_(Sale.world_id == world_id, Sale.code == st.code, Sale.status == "active",
                      Sale.start_no >= st.start_no, Sale.end_no <= st.end_no)
        ordered = select(Sale.start_no, Sale.end_no,
                         func.lag(Sale.end_no).over(order_by=Sale.start_no).label("prev_end")).where(inside).subquery()
        gap_start = func.coalesce(ordered.c.prev_end, st.start_no - 1) + 1
        gaps = [(a, b) for a, b in db.execute(
            select(gap_start, ordered.c.start_no - 1).where(ordered.c.start_no > gap_start)
            .order_by(ordered.c.start_no).limit(per_code)).all()]
        last = db.execute(select(func.max(Sale.end_no)).where(inside)).scalar()
        tail_from = (last + 1) if last is not None else st.start_no
        if len(gaps) < per_code and tail_from <= st.end_no:
            gaps.append((tail_from, st.end_no))
        out.append({"code": st.code, "name": names.get(st.code, ""), "ranges": [(f"{a:08d}", f"{b:08d}") for a, b in gaps]})
    return out


def held_ranges(world_id: int, taxpayer_id: int, limit: int = 50) -> list[dict]:
    """The taxpayer's active sales: the ranges 退票 can give back (less any number 网票 used)."""
    rows = get_session().execute(select(Sale.code, Sale.start_no, Sale.end_no).where(
        Sale.world_id == world_id, Sale.taxpayer_id == taxpayer_id, Sale.status == "active")
        .order_by(Sale.code, Sale.start_no).limit(limit)).all()
    return [{"code": c, "start": f"{a:08d}", "end": f"{b:08d}"} for c, a, b in rows]
