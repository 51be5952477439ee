"""金三 officer console: taxpayer search and detail, every officer operation as a form, the item
queue of 征管科 and the ops desk. The officer played is ``session["playing"][world]``."""
from __future__ import annotations

from flask import Blueprint, Flask, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import or_, select

from .. import catalogue
from ..jinsan.models import (Change, Industry, ItemRequest, Officer, Return, Sale, Taxpayer,
                             TaxpayerIndustry, UsedInvoice)
from ..worlds.models import InvoiceType
from .auth import safe_next
from .common import flash_result, guard_world, init_filters, operations, plain_value, run
from .db import get_session
from .forms import args_from_form, fields_for, op_label
from .menus import CONSOLE_MENU, menu_order, path_to, placed_ops

bp = Blueprint("console", __name__, url_prefix="/worlds/<int:world_id>/console")
bp.before_request(guard_world)

OPS_DESK = ("set_ygz_flag", "set_dual_flag", "cancel_ca", "remake_ukey")


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
    """Choices offered beside free-text fields (free text stays allowed: the operation decides)."""
    db = get_session()
    w = g.world.id
    taxpayers = [(t.ref, f"{t.ref} — {t.name}") for t in db.scalars(
        select(Taxpayer).where(Taxpayer.world_id == w).order_by(Taxpayer.ref))]
    codes = [(t.code, f"{t.code} — {t.name}") for t in db.scalars(
        select(InvoiceType).where(InvoiceType.world_id == w).order_by(InvoiceType.code))]
    industries = [(i.code, f"{i.code} — {i.name}") for i in db.scalars(
        select(Industry).where(Industry.world_id == w).order_by(Industry.code))]
    items = sorted({i for i in db.scalars(select(ItemRequest.item).where(
        ItemRequest.world_id == w, ItemRequest.status == "pending"))})
    return {"taxpayer": taxpayers, "code": codes, "main": industries, "secondary": industries,
            "industry": industries, "item": [(i, i) for i in items],
            "value": [("true", "true"), ("false", "false")]}


def _common():
    ops = operations("jinsan")
    placed = placed_ops(CONSOLE_MENU)
    others = [name for name in ops if name not in placed]
    officers = list(get_session().scalars(select(Officer).where(Officer.world_id == g.world.id)
                                          .order_by(Officer.role, Officer.login)))
    return {"world": g.world, "officer": playing_officer(), "ops": ops, "menu": CONSOLE_MENU,
            "officer_choices": officers,
            "other_ops": others, "op_label": op_label, "plain": plain_value}


@bp.route("/")
def index(world_id: int):
    db = get_session()
    w = g.world.id
    q = request.args.get("q", "").strip()
    stmt = select(Taxpayer).where(Taxpayer.world_id == w).order_by(Taxpayer.ref)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Taxpayer.ref.ilike(like), Taxpayer.name.ilike(like), Taxpayer.tax_id.ilike(like),
                              Taxpayer.registration_no.ilike(like), Taxpayer.taxpayer_code.ilike(like)))
    taxpayers = list(db.scalars(stmt))
    officers = {o.id: o for o in db.scalars(select(Officer).where(Officer.world_id == w))}
    queue = db.execute(select(ItemRequest, Taxpayer).join(Taxpayer, Taxpayer.id == ItemRequest.taxpayer_id)
                       .where(ItemRequest.world_id == w, ItemRequest.status == "pending")
                       .order_by(ItemRequest.requested_at)).all()
    ops = operations("jinsan")
    desk = [(name, fields_for(ops[name], suggestions=suggestions())) for name in OPS_DESK if name in ops]
    all_officers = sorted(officers.values(), key=lambda o: (o.role, o.login))
    return render_template("console/index.html", taxpayers=taxpayers, officers=officers, q=q, queue=queue,
                           desk=desk, all_officers=all_officers, industries=suggestions()["industry"],
                           **_common())


@bp.route("/taxpayers/<ref>")
def taxpayer(world_id: int, ref: str):
    db = get_session()
    w = g.world.id
    tp = db.execute(select(Taxpayer).where(Taxpayer.world_id == w, Taxpayer.ref == ref)).scalar_one_or_none()
    if tp is None:
        return render_template("error.html", error=None, message=_("未找到纳税人 %(ref)s", ref=ref)), 404
    specialist = db.get(Officer, (tp.world_id, tp.specialist_id)) if tp.specialist_id else None
    industries = db.execute(select(TaxpayerIndustry.slot, Industry.code, Industry.name)
                            .join(Industry, Industry.id == TaxpayerIndustry.industry_id)
                            .where(TaxpayerIndustry.taxpayer_id == tp.id).order_by(TaxpayerIndustry.slot)).all()
    sales = list(db.scalars(select(Sale).where(Sale.taxpayer_id == tp.id).order_by(Sale.seq, Sale.id)))
    returns = list(db.scalars(select(Return).where(Return.taxpayer_id == tp.id).order_by(Return.seq)))
    changes = list(db.scalars(select(Change).where(Change.taxpayer_id == tp.id).order_by(Change.seq)))
    requests = list(db.scalars(select(ItemRequest).where(ItemRequest.taxpayer_id == tp.id)
                               .order_by(ItemRequest.requested_at)))
    used = list(db.scalars(select(UsedInvoice).where(UsedInvoice.taxpayer_id == tp.id)
                           .order_by(UsedInvoice.received_at.desc()).limit(50)))
    wp_types = set(db.scalars(select(InvoiceType.code).where(InvoiceType.world_id == w,
                                                              InvoiceType.wangpiao.is_(True))))
    ops = operations("jinsan")
    sugg = suggestions()
    forms = []
    for name, operation in ops.items():
        fields = fields_for(operation, values={"taxpayer": tp.ref}, suggestions=sugg)
        if any(f.name == "taxpayer" for f in fields):
            forms.append((name, [f for f in fields if f.name != "taxpayer"], path_to(CONSOLE_MENU, name)))
    order = {name: i for i, name in enumerate(menu_order(CONSOLE_MENU))}
    forms.sort(key=lambda t: (order.get(t[0], len(order)), t[0]))
    return render_template("console/taxpayer.html", tp=tp, specialist=specialist, industries=industries,
                           sales=sales, returns=returns, changes=changes, requests=requests, used=used,
                           wp_types=wp_types, forms=forms, **_common())


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
        values = {k: request.form.get(k) for k in request.form if k != "csrf_token"}
        if officer is None:
            error = {"code": "FORBIDDEN", "message": _("请先在本世界选择要扮演的税务人员"), "message_zh": "",
                     "field": "actor", "faq": None, "steps": []}
            status = 403
        else:
            result, error, status = run(g.world.id, officer.login, name, args)
        nxt = safe_next(request.form.get("next"))
        if nxt and name != "diagnose":
            flash_result(op_label(op), result, error)
            return redirect(nxt)
    fields = fields_for(op, values=values, suggestions=suggestions())
    return render_template("console/operation.html", op=op, name=name, fields=fields, result=result,
                           error=error, crumbs=path_to(CONSOLE_MENU, name), **_common()), status


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
