"""Simulation control room: worlds, the class view, the clock, per-taxpayer pipelines, the timeline,
the audit log and the diagnoser. World management goes through worlds.service, the clock through
dispatch.advance_clock, domain questions through dispatch.execute."""
from __future__ import annotations


from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from .. import catalogue
from ..audit.models import AuditEntry
from ..clock import fmt, next_events
from ..diagnosis import diagnose as diagnose_read
from ..dispatch import advance_clock
from ..errors import OperationError
from ..jinsan.models import Taxpayer
from ..training.guard import check_world as training_check  # attempt worlds refuse some world actions
from ..users.models import User
from .. import worldbuild
from ..worlds import service
from ..worlds.models import World, WorldMember
from ..yamlsafe import UntrustedYamlError, load_untrusted
from .auth import safe_next
from .common import guard_world, init_filters, plain_value
from .db import get_session
from .forms import error_view, is_en
from .labels import field_label
from .lookup import lookup_url, taxpayer_choices, taxpayer_filter
from .menus import job_label
from .pipeline_view import english, pipeline_picture
from .timeline import op_labels, world_timeline

bp = Blueprint("control", __name__)
bp.before_request(guard_world)

CLOCK_STEPS = ("5m", "20m", "1h", "1d")


def init_app(app: Flask) -> None:
    init_filters(app)
    app.register_blueprint(bp)


def can_manage(world: World) -> bool:
    return current_user.is_instructor or world.owner_id == current_user.id


def _fail(exc: OperationError) -> None:
    e = error_view(exc)
    flash(f"{e['code']} — {e['message']}" + (f" [{field_label(e['field'])}]" if e["field"] else ""), "danger")


def diagnose(world_id: int, ref: str) -> tuple[dict | None, dict | None]:
    """The diagnosis shown beside a taxpayer's pipeline: read, not done — looking writes no audit
    row (the ``diagnose`` operation, which an officer does in the console, is audited)."""
    try:
        return diagnose_read(get_session(), g.world, ref), None
    except OperationError as exc:
        return None, error_view(exc)


PAGE_SIZE = 50


def _page() -> int:
    return max(1, min(request.args.get("page", 1, type=int), 100_000))


def taxpayer_page(world_id: int, q: str, page: int, size: int = PAGE_SIZE) -> tuple[list[tuple[str, str]], bool]:
    """One page of (ref, name), searched like the console's list; and whether a next page exists."""
    stmt = select(Taxpayer.ref, Taxpayer.name).where(Taxpayer.world_id == world_id)
    if q:
        stmt = stmt.where(taxpayer_filter(q))
    rows = get_session().execute(stmt.order_by(Taxpayer.ref).offset((page - 1) * size).limit(size + 1)).all()
    return [tuple(r) for r in rows[:size]], len(rows) > size


# --- worlds -----------------------------------------------------------------------------------

@bp.route("/control")
def index():
    db = get_session()
    page = _page()
    worlds = _visible(db).order_by(World.id.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    worlds = list(db.scalars(worlds))
    more, worlds = len(worlds) > PAGE_SIZE, worlds[:PAGE_SIZE]
    owners = _owners(db, worlds)
    return render_template("control/index.html", worlds=worlds, owners=owners, page=page, more=more)


def _visible(db):
    """The worlds the user may see, as a query to page (instructors see every world)."""
    stmt = select(World).where(World.is_template.is_(False))
    if not current_user.is_instructor:
        member = select(WorldMember.world_id).where(WorldMember.user_id == current_user.id)
        stmt = stmt.where((World.owner_id == current_user.id) | World.id.in_(member))
    return stmt


def _owners(db, worlds) -> dict:
    ids = {w.owner_id for w in worlds if w.owner_id}
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(ids)))} if ids else {}


@bp.route("/control/worlds", methods=["POST"])
def create():
    db = get_session()
    name = request.form.get("name", "").strip()
    text = request.form.get("spec", "").strip()
    spec: dict = {}
    if request.form.get("demo"):
        from ..seed import load_demo
        demo = load_demo()
        text, spec, name = "", demo["world"], name or demo.get("name") or _("演示世界")
    if text:
        try:   # no anchors or aliases, bounded size and depth (backoffice.yamlsafe)
            data = load_untrusted(text)
        except UntrustedYamlError as exc:
            flash(_("场景世界块不是有效的 YAML：%(err)s", err=exc.reason if is_en() else exc.reason_zh), "danger")
            return redirect(url_for("control.index"))
        if not isinstance(data, dict):
            flash(_("场景世界块必须是映射（world: …）"), "danger")
            return redirect(url_for("control.index"))
        if isinstance(data.get("world"), dict):
            name = name or str(data.get("name") or "")
            data = data["world"]
        spec = data
    try:
        world = worldbuild.create_world(db, spec, name=name or _("新世界"), owner_id=current_user.id, commit=True)
        db.commit()
    except OperationError as exc:
        db.rollback()
        _fail(exc)
        return redirect(url_for("control.index"))
    flash(_("已创建世界 %(name)s", name=world.name), "success")
    return redirect(url_for("control.world", world_id=world.id))


CLASS_PAGE_SIZE = 10
CLASS_TAXPAYERS = 10


@bp.route("/control/class")
def class_view():
    """Every world, its owner and clock, and the diagnoser's verdict per taxpayer (instructors).

    The verdicts are read straight from the diagnoser rather than run as ``diagnose`` operations:
    an instructor looking at the class must not write entries into every trainee's audit log (and
    so into their recorded scenarios). Worlds come a page at a time, newest first, and only the
    taxpayers shown are diagnosed: the first :data:`CLASS_TAXPAYERS` of each world (``?tp_page=``
    turns the taxpayer page of every world shown), each world's card linking to the rest.
    """
    if not current_user.is_instructor:
        abort(403)
    db = get_session()
    page = _page()
    tp_page = max(1, min(request.args.get("tp_page", 1, type=int), 100_000))
    worlds = list(db.scalars(_visible(db).order_by(World.id.desc()).offset((page - 1) * CLASS_PAGE_SIZE)
                             .limit(CLASS_PAGE_SIZE + 1)))
    more, worlds = len(worlds) > CLASS_PAGE_SIZE, worlds[:CLASS_PAGE_SIZE]
    owners = _owners(db, worlds)
    rows = []
    for w in worlds:
        shown, more_tp = taxpayer_page(w.id, "", tp_page, CLASS_TAXPAYERS)
        verdicts = []
        for ref, name in shown:
            verdicts.append((ref, name, diagnose_read(db, w, ref), None))
        rows.append((w, owners.get(w.owner_id), verdicts, more_tp))
    db.rollback()  # read only: end the transaction
    return render_template("control/class.html", rows=rows, diagnose_available=True,
                           page=page, more=more, tp_page=tp_page)


@bp.route("/worlds/<int:world_id>/control")
def world(world_id: int):
    db = get_session()
    w = g.world
    catalogue.load_all()  # the sync jobs register themselves with the clock on import
    upcoming = [(t, job_label(name)) for t, _p, name, _payload in next_events(db, w)][:5]
    members = db.execute(select(User).join(WorldMember, WorldMember.user_id == User.id)
                         .where(WorldMember.world_id == w.id).order_by(User.username)).scalars().all()
    owner = db.get(User, w.owner_id) if w.owner_id else None
    timeline = world_timeline(w.id, limit=25)
    q = request.args.get("q", "").strip()[:100]
    page = _page()
    taxpayers, more = taxpayer_page(w.id, q, page)
    return render_template("control/world.html", world=w, steps=CLOCK_STEPS, upcoming=upcoming, members=members,
                           owner=owner, taxpayers=taxpayers, more=more, page=page, q=q, timeline=timeline,
                           manage=can_manage(w), now_iso=fmt(w.clock_now), fp=_qa_panels(w))


def _qa_panels(w: World) -> dict | None:
    """Faults and consistency checks (backoffice.web.explore), when that area is installed."""
    try:
        from .explore import world_panels
    except ImportError:
        return None
    return world_panels(w)


@bp.route("/worlds/<int:world_id>/control/clock/advance", methods=["POST"])
def advance(world_id: int):
    by = request.form.get("by", "").strip()
    until = request.form.get("until", "").strip()
    try:
        if until:
            if "T" not in until and " " in until:
                until = until.replace(" ", "T")
            if len(until) == 16:  # from <input type=datetime-local>: Shanghai local time
                until += ":00+08:00"
            out = advance_clock(get_session(), world_id, until=until, user=current_user,
                                actor=current_user.username)
        else:
            out = advance_clock(get_session(), world_id, by=by or "20m", user=current_user,
                                actor=current_user.username)
    except OperationError as exc:
        get_session().rollback()
        _fail(exc)
    else:
        flash(_("时钟 %(a)s → %(b)s，发生 %(n)s 个事件", a=out["from"], b=out["to"], n=len(out["events"])), "success")
    return redirect(_back(world_id))


@bp.route("/worlds/<int:world_id>/control/clock/next", methods=["POST"])
def next_event(world_id: int):
    db = get_session()
    catalogue.load_all()
    events = next_events(db, g.world)
    if not events:
        flash(_("没有待发生的事件"), "info")
        return redirect(_back(world_id))
    try:
        out = advance_clock(db, world_id, until=fmt(events[0][0]), user=current_user, actor=current_user.username)
    except OperationError as exc:
        db.rollback()
        _fail(exc)
    else:
        flash(_("时钟 %(a)s → %(b)s，发生 %(n)s 个事件", a=out["from"], b=out["to"], n=len(out["events"])), "success")
    return redirect(_back(world_id))


def _back(world_id: int) -> str:
    return safe_next(request.form.get("next")) or url_for("control.world", world_id=world_id)


@bp.route("/worlds/<int:world_id>/control/clock/mode", methods=["POST"])
def clock_mode(world_id: int):
    db = get_session()
    training_check(db, g.world, "clock_mode", current_user)
    mode = request.form.get("mode", "manual")
    raw_speed = request.form.get("speed", "").strip()
    try:
        speed = float(raw_speed) if raw_speed else None
    except ValueError:
        _fail(OperationError("INVALID_INPUT", field="speed", reason="a number", reason_zh="须为数字"))
        return redirect(url_for("control.world", world_id=world_id))
    try:
        service.set_clock_mode(db, g.world, mode, speed)
        db.commit()
    except OperationError as exc:
        db.rollback()
        _fail(exc)
    return redirect(_back(world_id))


@bp.route("/worlds/<int:world_id>/control/fork", methods=["POST"])
def fork(world_id: int):
    db = get_session()
    training_check(db, g.world, "fork", current_user)
    new = service.fork_world(db, g.world, name=request.form.get("name") or None, owner_id=current_user.id)
    db.commit()
    flash(_("已复制为世界 %(name)s", name=new.name), "success")
    return redirect(url_for("control.world", world_id=new.id))


@bp.route("/worlds/<int:world_id>/control/reset", methods=["POST"])
def reset(world_id: int):
    if not can_manage(g.world):
        abort(403)
    db = get_session()
    training_check(db, g.world, "reset", current_user)
    try:
        worldbuild.reset_world(db, g.world)
        db.commit()
    except OperationError as exc:
        db.rollback()
        _fail(exc)
    else:
        flash(_("世界已重置"), "success")
    return redirect(url_for("control.world", world_id=world_id))


@bp.route("/worlds/<int:world_id>/control/delete", methods=["POST"])
def delete(world_id: int):
    if not can_manage(g.world):
        abort(403)
    db = get_session()
    training_check(db, g.world, "delete", current_user)
    name = g.world.name
    service.delete_world(db, g.world)
    db.commit()
    flash(_("已删除世界 %(name)s", name=name), "success")
    return redirect(url_for("control.index"))


@bp.route("/worlds/<int:world_id>/control/members", methods=["POST"])
def add_member(world_id: int):
    if not can_manage(g.world):
        abort(403)
    db = get_session()
    username = request.form.get("username", "").strip()
    user = db.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        flash(_("没有用户 %(name)s", name=username), "danger")
    else:
        service.add_member(db, g.world, user.id)
        db.commit()
        flash(_("已将 %(name)s 加入本世界", name=username), "success")
    return redirect(url_for("control.world", world_id=world_id))


# --- per taxpayer: pipeline and diagnosis ------------------------------------------------------

@bp.route("/worlds/<int:world_id>/control/taxpayers/<ref>")
def taxpayer(world_id: int, ref: str):
    db = get_session()
    training_check(db, g.world, "pipeline", current_user)
    tp = db.execute(select(Taxpayer).where(Taxpayer.world_id == world_id, Taxpayer.ref == ref)).scalar_one_or_none()
    if tp is None:
        abort(404)
    catalogue.load_all()
    picture = pipeline_picture(db, g.world, ref)
    result, error = diagnose(world_id, ref)
    entries = list(db.scalars(select(AuditEntry).where(AuditEntry.world_id == world_id,
                                                       AuditEntry.taxpayer_ref == ref)
                              .order_by(AuditEntry.sim_time.desc(), AuditEntry.id.desc()).limit(100)))
    return render_template("control/taxpayer.html", world=g.world, tp=tp, picture=picture, result=result,
                           error=error, entries=entries, steps=CLOCK_STEPS, plain=plain_value, labels=op_labels(),
                           diagnose_available="diagnose" in catalogue.REGISTRY, lang_en=english(),
                           fp=_qa_panels(g.world))


# --- timeline and audit -----------------------------------------------------------------------

@bp.route("/worlds/<int:world_id>/control/timeline")
def timeline(world_id: int):
    return render_template("control/timeline.html", world=g.world, timeline=world_timeline(world_id, limit=500))


@bp.route("/worlds/<int:world_id>/control/audit")
def audit(world_id: int):
    db = get_session()
    f = {k: request.args.get(k, "").strip() for k in ("actor", "operation", "taxpayer", "outcome")}
    stmt = select(AuditEntry).where(AuditEntry.world_id == world_id)
    if f["actor"]:
        stmt = stmt.where(AuditEntry.actor == f["actor"])
    if f["operation"]:
        stmt = stmt.where(AuditEntry.operation == f["operation"])
    if f["taxpayer"]:
        stmt = stmt.where(AuditEntry.taxpayer_ref == f["taxpayer"])
    if f["outcome"] == "error":
        stmt = stmt.where(AuditEntry.error_code.is_not(None))
    elif f["outcome"] == "ok":
        stmt = stmt.where(AuditEntry.error_code.is_(None))
    page = _page()
    found = list(db.scalars(stmt.order_by(AuditEntry.sim_time.desc(), AuditEntry.id.desc())
                            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    more, entries = len(found) > PAGE_SIZE, found[:PAGE_SIZE]
    labels = op_labels()
    labels["advance"] = _("推进时钟")
    return render_template("control/audit.html", world=g.world, entries=entries, filters=f, page=page, more=more,
                           operations=sorted(labels), labels=labels, taxpayers=taxpayer_choices(world_id),
                           taxpayers_lookup=lookup_url("taxpayers"))
