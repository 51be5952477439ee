"""网票 portal: the taxpayer's side (the PC client, simulated). It reads 网票 tables only.

The 网票 session token lives in the Flask session under ``wp[world]``, apart from the simulator
user's own login: logging out of 网票 leaves the user logged in, and each world has its own.
"""
from __future__ import annotations

from flask import (Blueprint, Flask, Response, g, redirect, render_template, request, session, url_for)
from flask_babel import gettext as _
from sqlalchemy import select

from .. import catalogue
from ..errors import OperationError
from ..seed import clients
from ..wangpiao.models import (PcInstall, PcLeftover, PcMachine, WpAccount, WpDsInvoice, WpInvoice, WpInvoicer, WpPrinter,
                               WpPurchase, WpSegment, WpSession)
from ..worlds.models import InvoiceType
from .auth import safe_next
from .common import flash_result, guard_world, init_filters, operations, plain_value, run, show_refused
from .db import get_session
from .forms import args_from_form, fields_for, op_label, posted_values
from .lookup import lookup_url, machine_choices
from .menus import PORTAL_MENU, path_to

bp = Blueprint("portal", __name__, url_prefix="/worlds/<int:world_id>/portal")
bp.before_request(guard_world)

PC_OPS = ("install_client", "uninstall_client", "reboot", "upgrade_client")


def init_app(app: Flask) -> None:
    init_filters(app)
    app.register_blueprint(bp)


# --- the 网票 session kept in the Flask session, per world --------------------------------------

def wp_state() -> dict | None:
    return session.get("wp", {}).get(str(g.world.id))


def _set_wp_state(state: dict | None) -> None:
    wp = dict(session.get("wp", {}))
    if state is None:
        wp.pop(str(g.world.id), None)
    else:
        wp[str(g.world.id)] = state
    session["wp"] = wp


def pc_ref() -> str | None:
    """Whose PC the user is sitting at: the logged-in taxpayer, else the last one chosen."""
    state = wp_state()
    if state:
        return state["ref"]
    return session.get("wp_pc", {}).get(str(g.world.id))


def _set_pc_ref(ref: str) -> None:
    pcs = dict(session.get("wp_pc", {}))
    pcs[str(g.world.id)] = ref
    session["wp_pc"] = pcs


def current_account() -> WpAccount | None:
    state = wp_state()
    if not state:
        return None
    db = get_session()
    sess = db.execute(select(WpSession).where(WpSession.world_id == g.world.id,
                                              WpSession.id == state.get("session_id"))).scalar_one_or_none()
    account = db.execute(select(WpAccount).where(WpAccount.world_id == g.world.id,
                                                 WpAccount.ref == state["ref"])).scalar_one_or_none()
    if account is None or (sess is not None and not sess.active):
        return None
    return account


def machines() -> list[tuple[str, str]]:
    """The first few taxpayers' PCs for the datalist; the look-up finds the others as one types."""
    return machine_choices(g.world.id)


def suggestions(account: WpAccount | None) -> dict[str, list[tuple[str, str]]]:
    db = get_session()
    w = g.world.id
    types = list(db.scalars(select(InvoiceType).where(InvoiceType.world_id == w, InvoiceType.wangpiao.is_(True))
                            .order_by(InvoiceType.code)))
    out: dict[str, list[tuple[str, str]]] = {
        "code": [(t.code, f"{t.code} — {t.name}") for t in types],
        "invoice_type": [(t.type_code, f"{t.type_code} — {t.name}") for t in types],
        "folder": [(e.folder, e.folder) for e in clients().values()],
    }
    if account is not None:
        invoicers = db.scalars(select(WpInvoicer.name).where(WpInvoicer.account_id == account.id)
                               .order_by(WpInvoicer.is_admin.desc(), WpInvoicer.id))
        out["invoicer"] = [(n, n) for n in invoicers]
        issued = db.execute(select(WpInvoice.code, WpInvoice.number).where(WpInvoice.account_id == account.id)
                            .order_by(WpInvoice.issued_at.desc()).limit(50)).all()
        out["number"] = [(f"{n:08d}", f"{c} {n:08d}") for c, n in issued]
    return out


def _common(account: WpAccount | None = None):
    state = wp_state()
    return {"world": g.world, "wp": state, "account": account, "menu": PORTAL_MENU,
            "ops": operations(("wangpiao", "pc")), "op_label": op_label, "plain": plain_value,
            "pc_ref": pc_ref()}


# --- pages ------------------------------------------------------------------------------------

@bp.route("/")
def index(world_id: int):
    account = current_account()
    if account is None:
        return _login_page()
    db = get_session()
    invoicers = list(db.scalars(select(WpInvoicer).where(WpInvoicer.account_id == account.id)
                                .order_by(WpInvoicer.is_admin.desc(), WpInvoicer.id)))
    return render_template("portal/home.html", invoicers=invoicers, **_common(account))


def _login_page(error: dict | None = None, values: dict | None = None, status: int = 200):
    op = catalogue.REGISTRY.get("login") or catalogue.load_all().get("login")
    fields = fields_for(op, values=values or {}) if op else []
    return render_template("portal/login.html", fields=fields, error=error, machines=machines(),
                           machines_lookup=lookup_url("machines"), values=values or {}, **_common()), status


@bp.route("/login", methods=["GET", "POST"])
def login(world_id: int):
    if request.method == "GET":
        return redirect(url_for("portal.index", world_id=g.world.id))
    op = catalogue.get("login")
    ref = request.form.get("taxpayer", "").strip()
    args = args_from_form(op, request.form)
    values = {k: v for k, v in request.form.items() if k not in ("csrf_token", "password")}
    if ref:
        _set_pc_ref(ref)
    result, error, status = run(g.world.id, ref, "login", args)
    if error:
        return _login_page(error, values, status)
    token = result.get("session")
    invoicer = result.get("invoicer") or args.get("invoicer")
    admin = bool(result.get("admin"))
    actor = ref if admin or not invoicer else f"{ref}/{invoicer}"
    from ..security import token_hash
    sess = get_session().execute(select(WpSession).where(WpSession.world_id == g.world.id,
                                                         WpSession.token_hash == token_hash(token))
                                 ).scalar_one_or_none() if token else None
    _set_wp_state({"token": token, "ref": ref, "actor": actor, "invoicer": invoicer, "admin": admin,
                   "client": args.get("client", "guoshui"), "taxpayer": result.get("taxpayer"),
                   "session_id": sess.id if sess else None})
    return redirect(url_for("portal.index", world_id=g.world.id))


@bp.route("/logout", methods=["POST"])
def logout(world_id: int):
    _set_wp_state(None)
    return redirect(url_for("portal.index", world_id=g.world.id))


def _need_login():
    if current_account() is None:
        return redirect(url_for("portal.index", world_id=g.world.id))
    return None


@bp.route("/purchases")
def purchases(world_id: int):
    if (r := _need_login()) is not None:
        return r
    state = wp_state()
    result, error, status = run(g.world.id, state["actor"], "list_purchases", {}, wp_token=state["token"])
    return render_template("portal/purchases.html", result=result, error=error,
                           **_common(current_account())), status


@bp.route("/invoicers")
def invoicers(world_id: int):
    if (r := _need_login()) is not None:
        return r
    account = current_account()
    db = get_session()
    rows = list(db.scalars(select(WpInvoicer).where(WpInvoicer.account_id == account.id)
                           .order_by(WpInvoicer.is_admin.desc(), WpInvoicer.id)))
    segments = {}
    for s in db.scalars(select(WpSegment).where(WpSegment.account_id == account.id).order_by(WpSegment.code,
                                                                                            WpSegment.start_no)):
        segments.setdefault(s.invoicer_id, []).append(s)
    forms = _forms(["rename_admin", "add_invoicer", "allocate_segment", "allocate_amounts"], account)
    return render_template("portal/invoicers.html", invoicers=rows, segments=segments, forms=forms,
                           **_common(account))


@bp.route("/invoices")
def invoices(world_id: int):
    if (r := _need_login()) is not None:
        return r
    account = current_account()
    db = get_session()
    names = dict(db.execute(select(WpInvoicer.id, WpInvoicer.name).where(WpInvoicer.account_id == account.id)).all())
    rows = list(db.scalars(select(WpInvoice).where(WpInvoice.account_id == account.id)
                           .order_by(WpInvoice.issued_at.desc(), WpInvoice.id.desc()).limit(200)))
    ds_rows = list(db.scalars(select(WpDsInvoice).where(WpDsInvoice.account_id == account.id)
                              .order_by(WpDsInvoice.issued_at)))
    forms = _forms(["issue_invoice", "red_reverse", "void_invoice"], account)
    return render_template("portal/invoices.html", invoices=rows, ds_invoices=ds_rows, names=names, forms=forms,
                           **_common(account))


@bp.route("/settings")
def settings(world_id: int):
    if (r := _need_login()) is not None:
        return r
    account = current_account()
    db = get_session()
    current = {p.type_code: p for p in db.scalars(select(WpPrinter).where(WpPrinter.account_id == account.id))}
    types = list(db.scalars(select(InvoiceType).where(InvoiceType.world_id == g.world.id,
                                                      InvoiceType.wangpiao.is_(True)).order_by(InvoiceType.type_code)))
    forms = _forms(["set_printer"], account, values={"invoice_type": types[0].type_code if types else ""})
    return render_template("portal/settings.html", current=current, types=types, forms=forms, **_common(account))


@bp.route("/printer-preview.svg")
def printer_preview(world_id: int):
    """The print preview with the offsets applied (FAQ 7); drawn by the 网票 preview module."""
    type_code = request.args.get("invoice_type", "32010")
    try:
        right = int(request.args.get("right", 0))
        down = int(request.args.get("down", 0))
    except ValueError:
        right = down = 0
    try:
        from ..wangpiao.preview import preview_svg
    except ImportError:
        return Response(_fallback_preview(type_code, right, down), mimetype="image/svg+xml")
    try:
        svg = preview_svg(get_session(), g.world, type_code, right, down)
    except OperationError:
        svg = _fallback_preview(type_code, right, down)
    return Response(svg, mimetype="image/svg+xml")


@bp.route("/invoice-preview.svg")
def invoice_preview(world_id: int):
    """An issued invoice as it would print with the saved offsets."""
    if (r := _need_login()) is not None:
        return r
    from ..wangpiao.preview import invoice_svg
    try:
        svg = invoice_svg(get_session(), g.world, wp_state()["ref"], request.args.get("code", ""),
                          request.args.get("number", "0"))
    except (OperationError, ValueError):
        return Response(status=404)
    return Response(svg, mimetype="image/svg+xml")


def _fallback_preview(type_code: str, right: int, down: int) -> str:
    db = get_session()
    t = db.execute(select(InvoiceType).where(InvoiceType.world_id == g.world.id,
                                             InvoiceType.type_code == type_code)).scalar_one_or_none()
    w, h = (float(t.paper_width_mm), float(t.paper_height_mm)) if t else (210.0, 139.7)
    m = 10
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="-5 -5 {w + 10} {h + 10}" width="{min(w * 2, 480)}">'
            f'<rect x="0" y="0" width="{w}" height="{h}" fill="#fff" stroke="#888"/>'
            f'<rect x="{m + right}" y="{m + down}" width="{w - 2 * m}" height="{h - 2 * m}" fill="#e8f0ff" '
            f'stroke="#36c" stroke-dasharray="2"/></svg>')


@bp.route("/pc", methods=["GET", "POST"])
def pc(world_id: int):
    """The simulated PC: installed editions, versions and folders; install, uninstall, reboot, upgrade."""
    if request.method == "POST":
        ref = request.form.get("taxpayer", "").strip()
        if ref:
            _set_pc_ref(ref)
        return redirect(url_for("portal.pc", world_id=g.world.id))
    ref = pc_ref()
    db = get_session()
    installs, leftovers, machine = [], [], None
    if ref:
        machine = db.execute(select(PcMachine).where(PcMachine.world_id == g.world.id,
                                                     PcMachine.taxpayer_ref == ref)).scalar_one_or_none()
    if machine is not None:
        installs = list(db.scalars(select(PcInstall).where(PcInstall.machine_id == machine.id)
                                   .order_by(PcInstall.edition, PcInstall.installed_at)))
        leftovers = list(db.scalars(select(PcLeftover).where(PcLeftover.machine_id == machine.id)))
    forms = _forms([n for n in PC_OPS], current_account())
    editions = clients()
    return render_template("portal/pc.html", machine=machine, installs=installs, leftovers=leftovers,
                           forms=forms, editions=editions, machines=machines(), machines_lookup=lookup_url("machines"),
                           **_common(current_account()))


def _forms(names, account, values: dict | None = None):
    ops = operations(("wangpiao", "pc"))
    sugg = suggestions(account)
    return [(n, fields_for(ops[n], values=values, suggestions=sugg), path_to(PORTAL_MENU, n))
            for n in names if n in ops]


@bp.route("/ops/<name>", methods=["GET", "POST"])
def operation(world_id: int, name: str):
    op = catalogue.get(name)
    if op.side not in ("wangpiao", "pc") or name == "login":
        return redirect(url_for("portal.index", world_id=g.world.id))
    state = wp_state()
    if op.side == "pc":
        actor = pc_ref()
    else:
        actor = state["actor"] if state else pc_ref()
    result = error = None
    status = 200
    values = dict(request.args)
    if request.method == "POST":
        args = args_from_form(op, request.form)
        values = posted_values(request.form)
        if not actor:
            error = {"code": "NOT_LOGGED_IN", "message": _("请先选择纳税人的电脑或登录网票"), "message_zh": "",
                     "field": "actor", "faq": None, "steps": []}
            status = 401
        else:
            result, error, status = run(g.world.id, actor, name, args,
                                        wp_token=state["token"] if state else None)
        nxt = safe_next(request.form.get("next"))
        if nxt:
            if error:
                return show_refused(nxt, request.form.get("__form") or name, values, error, status)
            flash_result(op_label(op), result, None)
            return redirect(nxt)
    fields = fields_for(op, values=values, suggestions=suggestions(current_account()))
    return render_template("portal/operation.html", op=op, name=name, fields=fields, result=result, error=error,
                           crumbs=path_to(PORTAL_MENU, name), **_common(current_account())), status
