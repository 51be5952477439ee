"""金三 officer console: taxpayer search and detail, every officer operation as a form, the item
queue of 征管科, the ops desk and the industry and item catalogue. The officer played is
``session["playing"][world]``.

Lists come a page at a time (:data:`PAGE_SIZE` rows, only the columns shown) and dropdowns offer
the first few choices and look up the rest as the user types, so no page grows with the world.
"""
from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from .. import catalogue
from ..jinsan.models import Industry, Item, ItemRequest, Officer, Return, Sale, Taxpayer, TaxpayerIndustry, UsedInvoice
from ..sync.deliveries import deliveries
from ..wangpiao.models import WpAccount
from ..worlds.models import InvoiceType
from .auth import safe_next
from .common import flash_result, guard_world, init_filters, operations, plain_value, run, show_refused
from .db import get_session
from .forms import args_from_form, fields_for, op_label, posted_values
from .lookup import (contains, free_ranges, held_ranges, industry_choices, item_choices, lookup_url,
                     taxpayer_choices, taxpayer_filter)
from .menus import CONSOLE_MENU, menu_order, path_to, placed_ops
from .pipeline_view import shown

bp = Blueprint("console", __name__, url_prefix="/worlds/<int:world_id>/console")
bp.before_request(guard_world)

OPS_DESK = ("set_ygz_flag", "set_dual_flag", "cancel_ca", "remake_ukey")
PAGE_SIZE = 50


def init_app(app: Flask) -> None:
    init_filters(app)
    app.register_blueprint(bp)


def playing_officer() -> Officer | None:
    login = session.get("playing", {}).get(str(g.world.id))
    if not login:
        return None
    return get_session().execute(select(Officer).where(Officer.world_id == g.world.id,
                                                       Officer.login == login)).scalar_one_or_none()


def suggestions() -> dict[str, list[tuple[str, str]]]:
    """Choices offered beside free-text fields (free text stays allowed: the operation decides);
    taxpayers and items only the first few — the rest come from the look-up as the user types."""
    db = get_session()
    w = g.world.id
    codes = [(t.code, f"{t.code} — {t.name}") for t in db.scalars(
        select(InvoiceType).where(InvoiceType.world_id == w).order_by(InvoiceType.code))]
    industries = industry_choices(w)
    pending = sorted(set(db.scalars(select(ItemRequest.item).where(
        ItemRequest.world_id == w, ItemRequest.status == "pending").limit(50))))
    return {"taxpayer": taxpayer_choices(w), "code": codes, "main": industries, "secondary": industries,
            "industry": industries, "item": [(i, i) for i in pending] or item_choices(w)}


def lookups() -> dict[str, str]:
    return {"taxpayer": lookup_url("taxpayers"), "item": lookup_url("items")}


def _common():
    ops = operations("jinsan")
    placed = placed_ops(CONSOLE_MENU)
    others = [name for name in ops if name not in placed]
    officers = list(get_session().scalars(select(Officer).where(Officer.world_id == g.world.id)
                                          .order_by(Officer.role, Officer.login)))
    return {"world": g.world, "officer": playing_officer(), "ops": ops, "menu": CONSOLE_MENU,
            "officer_choices": officers,
            "other_ops": others, "op_label": op_label, "plain": plain_value}


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int), 100_000))


@bp.route("/")
def index(world_id: int):
    db = get_session()
    w = g.world.id
    q = request.args.get("q", "").strip()[:100]
    page = _page()
    stmt = select(Taxpayer.ref, Taxpayer.name, Taxpayer.tax_id, Taxpayer.registration_no, Taxpayer.specialist_id,
                  Taxpayer.wangpiao_enabled, Taxpayer.red_limit).where(Taxpayer.world_id == w)
    if q:
        stmt = stmt.where(taxpayer_filter(q))
    rows = db.execute(stmt.order_by(Taxpayer.ref).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    more, taxpayers = len(rows) > PAGE_SIZE, rows[:PAGE_SIZE]
    ids = {t.specialist_id for t in taxpayers if t.specialist_id}
    officers = {o.id: o for o in db.scalars(select(Officer).where(Officer.world_id == w, Officer.id.in_(ids)))}
    queue = db.execute(select(ItemRequest, Taxpayer.name).join(Taxpayer, Taxpayer.id == ItemRequest.taxpayer_id)
                       .where(ItemRequest.world_id == w, ItemRequest.status == "pending")
                       .order_by(ItemRequest.requested_at).limit(PAGE_SIZE)).all()
    ops = operations("jinsan")
    sugg = suggestions()
    desk = [(name, fields_for(ops[name], suggestions=sugg, lookups=lookups())) for name in OPS_DESK if name in ops]
    if request.args.get("partial") == "taxpayers":
        return render_template("console/_taxpayers.html", taxpayers=taxpayers, officers=officers, q=q, page=page,
                               more=more, world=g.world)
    return render_template("console/index.html", taxpayers=taxpayers, officers=officers, q=q, queue=queue,
                           desk=desk, industries=sugg["industry"], page=page, more=more, **_common())


@bp.route("/taxpayers/<ref>")
def taxpayer(world_id: int, ref: str):
    db = get_session()
    w = g.world.id
    tp = db.execute(select(Taxpayer).where(Taxpayer.world_id == w, Taxpayer.ref == ref)).scalar_one_or_none()
    if tp is None:
        return render_template("error.html", error=None, message=_("未找到纳税人 %(ref)s", ref=ref)), 404
    specialist = db.get(Officer, (tp.world_id, tp.specialist_id)) if tp.specialist_id else None
    industries = db.execute(select(TaxpayerIndustry.slot, Industry.code, Industry.name)
                            .join(Industry, (Industry.world_id == TaxpayerIndustry.world_id)
                                  & (Industry.id == TaxpayerIndustry.industry_id))
                            .where(TaxpayerIndustry.world_id == w, TaxpayerIndustry.taxpayer_id == tp.id)
                            .order_by(TaxpayerIndustry.slot)).all()
    sales = list(db.scalars(select(Sale).where(Sale.world_id == w, Sale.taxpayer_id == tp.id)
                            .order_by(Sale.seq, Sale.id).limit(200)))
    returns = list(db.scalars(select(Return).where(Return.world_id == w, Return.taxpayer_id == tp.id)
                              .order_by(Return.seq).limit(200)))
    # everything 金三 sends 网票 — the outbox's sales, returns, limits and resets, and the industries,
    # items, account, flags and CA cancellations too — with its channel and times
    account = db.execute(select(WpAccount).where(WpAccount.world_id == w, WpAccount.source_taxpayer_id == tp.id)
                         ).scalar_one_or_none()
    changes = [shown(d) for d in deliveries(db, g.world, tp, account) if d["from"] == "jinsan" and d["to"] == "wangpiao"]
    requests = list(db.scalars(select(ItemRequest).where(ItemRequest.taxpayer_id == tp.id)
                               .order_by(ItemRequest.requested_at).limit(100)))
    used = list(db.scalars(select(UsedInvoice).where(UsedInvoice.taxpayer_id == tp.id)
                           .order_by(UsedInvoice.received_at.desc()).limit(50)))
    wp_types = set(db.scalars(select(InvoiceType.code).where(InvoiceType.world_id == w,
                                                              InvoiceType.wangpiao.is_(True))))
    ops = operations("jinsan")
    sugg = suggestions()
    forms = []
    for name, operation in ops.items():
        fields = fields_for(operation, values={"taxpayer": tp.ref}, suggestions=sugg, lookups=lookups())
        if any(f.name == "taxpayer" for f in fields):
            forms.append((name, [f for f in fields if f.name != "taxpayer"], path_to(CONSOLE_MENU, name)))
    order = {name: i for i, name in enumerate(menu_order(CONSOLE_MENU))}
    forms.sort(key=lambda t: (order.get(t[0], len(order)), t[0]))
    officer = playing_officer()
    stock = free_ranges(w, officer.office_id) if officer else []
    return render_template("console/taxpayer.html", tp=tp, specialist=specialist, industries=industries,
                           sales=sales, returns=returns, changes=changes, requests=requests, used=used,
                           wp_types=wp_types, forms=forms, stock=stock, held=held_ranges(w, tp.id), **_common())


@bp.route("/catalogue")
def catalogue_page(world_id: int):
    """行业及品目: every industry with its items; a search names the industries holding an item
    (FAQ 4.5's first step: is the item in any industry at all?)."""
    db = get_session()
    w = g.world.id
    q = request.args.get("q", "").strip()[:100]
    page = _page()
    stmt = select(Industry).where(Industry.world_id == w)
    if q:
        holding = select(Item.industry_id).where(Item.world_id == w, contains(Item.name, q))
        stmt = stmt.where(Industry.id.in_(holding) | contains(Industry.name, q) | contains(Industry.code, q))
    found = list(db.scalars(stmt.order_by(Industry.code).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    more, industries = len(found) > PAGE_SIZE, found[:PAGE_SIZE]
    items: dict[int, list[Item]] = {}
    for item in db.scalars(select(Item).where(Item.world_id == w, Item.industry_id.in_([i.id for i in industries]))
                           .order_by(Item.name)):
        items.setdefault(item.industry_id, []).append(item)
    exact = sorted({i.name for rows in items.values() for i in rows if q and i.name == q})
    requests = list(db.scalars(select(ItemRequest).where(ItemRequest.world_id == w, ItemRequest.item == q)
                               .order_by(ItemRequest.requested_at.desc()).limit(20))) if q else []
    return render_template("console/catalogue.html", industries=industries, items=items, q=q, page=page, more=more,
                           exact=exact, requests=requests, **_common())


@bp.route("/ops/<name>", methods=["GET", "POST"])
def operation(world_id: int, name: str):
    op = catalogue.get(name)
    if op.side != "jinsan":
        return render_template("error.html", error=None, message=_("此操作不在金三")), 404
    officer = playing_officer()
    result = error = None
    status = 200
    values = dict(request.args)
    if request.method == "POST":
        args = args_from_form(op, request.form)
        values = posted_values(request.form)
        if officer is None:
            error = {"code": "FORBIDDEN", "message": _("请先在本世界选择要扮演的税务人员"), "message_zh": "",
                     "field": "actor", "faq": None, "steps": []}
            status = 403
        else:
            result, error, status = run(g.world.id, officer.login, name, args)
        nxt = safe_next(request.form.get("next"))
        if nxt and name != "diagnose":
            if error:
                return show_refused(nxt, request.form.get("__form") or name, values, error, status)
            flash_result(op_label(op), result, None)
            return redirect(nxt)
    fields = fields_for(op, values=values, suggestions=suggestions(), lookups=lookups())
    stock = free_ranges(g.world.id, officer.office_id) if officer and name == "sell_invoices" else []
    return render_template("console/operation.html", op=op, name=name, fields=fields, result=result,
                           error=error, crumbs=path_to(CONSOLE_MENU, name), stock=stock, **_common()), status


@bp.route("/play", methods=["POST"])
def play(world_id: int):
    """Choose the officer played here (kept with the world, like home.play) and come back."""
    login = request.form.get("officer", "")
    db = get_session()
    if db.execute(select(Officer.id).where(Officer.world_id == g.world.id, Officer.login == login)).first():
        playing = dict(session.get("playing", {}))
        playing[str(g.world.id)] = login
        session["playing"] = playing
    return redirect(safe_next(request.form.get("next")) or url_for("console.index", world_id=g.world.id))
