"""Training pages for trainees: 我的练习, the library, an attempt (brief, time, hints, the officers it
plays, 提交), its graded result, and the rehearsal checklist shown beside the console and portal.

Instructors' pages (classes, the board, CSV, printable reports) are in :mod:`.training_board`.
Every page needs a login; an attempt is shown to its trainee and to instructors only.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

from flask import Blueprint, Flask, abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from .. import catalogue
from ..clock import parse_time, world_now
from ..errors import OperationError
from ..jinsan.models import Officer
from ..training import attempts as svc
from ..training.exercise import ExerciseError, load_library
from ..training.grader import checkpoint_label, fmt_duration
from ..training.models import MODES, Assignment, Attempt
from ..training.rehearsal import checklist
from ..training.service import may_view, my_attempts, start_personal
from ..worlds.models import World
from .common import require_login
from .db import get_session
from .forms import error_view, is_en, op_label, role_label

bp = Blueprint("training", __name__, url_prefix="/training")
bp.before_request(require_login)

MODE_LABELS = {"exam": _l("考试"), "practice": _l("练习"), "rehearsal": _l("演练")}
STATUS_LABELS = {"open": _l("进行中"), "submitted": _l("已提交"), "overdue": _l("已逾期")}


def init_app(app: Flask) -> None:
    from . import training_board  # noqa: F401  (its routes join this blueprint)
    app.register_blueprint(bp)
    app.jinja_env.globals["training_checklist"] = checklist_for_page
    app.jinja_env.filters["tr"] = tr
    app.jinja_env.filters["mode_label"] = lambda m: str(MODE_LABELS.get(m, m))
    app.jinja_env.filters["status_label"] = lambda s: str(STATUS_LABELS.get(s, s))
    app.jinja_env.globals["training_stars"] = lambda n: "★" * (n or 0) + "☆" * (5 - (n or 0))
    app.jinja_env.filters["duration"] = duration_label


ZH_UNITS = {"d": "天", "h": "小时", "m": "分钟", "s": "秒"}  # 分 alone reads as points beside a score


def duration_label(value) -> str:
    """``1d2h15m`` (or seconds) in the page's language: 1天2小时15分钟 / 1d 2h 15m."""
    if value is None or value == "":
        return ""
    text = fmt_duration(timedelta(seconds=value)) if isinstance(value, int) else str(value)
    parts = re.findall(r"(\d+)([dhms])", text)
    if is_en():
        return " ".join(f"{n}{u}" for n, u in parts)
    return "".join(f"{n}{ZH_UNITS[u]}" for n, u in parts)


def lang() -> str:
    return "en" if is_en() else "zh"


def tr(value) -> str:
    """A {zh, en} pair in the page's language (Chinese first)."""
    if isinstance(value, dict):
        return value.get(lang()) or value.get("zh") or ""
    return "" if value is None else str(value)


def flash_error(exc: OperationError) -> None:
    e = error_view(exc)
    flash(f"{e['code']} — {e['message']}" + (f" [{e['field']}]" if e["field"] else ""), "danger")


def attempt_or_404(attempt_id: int) -> tuple[Attempt, Assignment]:
    db = get_session()
    attempt = db.get(Attempt, attempt_id)
    if attempt is None:
        abort(404)
    if not may_view(current_user, attempt):
        abort(403)
    return attempt, db.get(Assignment, attempt.assignment_id)


# --- 我的练习 and the library ---------------------------------------------------------------------

@bp.route("/")
def index():
    db = get_session()
    rows = my_attempts(db, current_user)
    from ..clock import wall_now
    now = wall_now()
    items = []
    for attempt, a, class_name in rows:
        status = attempt.status
        if status == "open" and a.deadline is not None and now > a.deadline:
            status = "overdue"
        items.append({"attempt": attempt, "assignment": a, "class": class_name, "status": status,
                      "title": a.title_en if is_en() else a.title_zh})
    db.rollback()
    return render_template("training/index.html", items=items)


@bp.route("/library")
def library():
    good, bad = load_library()
    good.sort(key=lambda e: (tuple(int(p) for p in e.faq.split(".")), e.stars, e.id))
    return render_template("training/library.html", exercises=good, broken=bad, modes=MODES)


@bp.route("/library/<exercise_id>/start", methods=["POST"])
def start(exercise_id: str):
    db = get_session()
    mode = request.form.get("mode", "practice")
    try:
        attempt = start_personal(db, exercise_id, current_user, mode)
        db.commit()
    except OperationError as exc:
        db.rollback()
        flash_error(exc)
        return redirect(url_for("training.library"))
    except ExerciseError as exc:
        db.rollback()
        # a shipped file an operator broke: name it, the details are in `backoffice exercise check`
        flash(_("练习文件有误：%(file)s（字段 %(field)s）", file=Path(exc.path).name, field=exc.field or "—"), "danger")
        return redirect(url_for("training.library"))
    return redirect(url_for("training.attempt", attempt_id=attempt.id))


# --- an attempt ------------------------------------------------------------------------------------

def time_used(attempt: Attempt, world: World) -> str:
    end = attempt.end_sim or world_now(world)
    return fmt_duration(end - attempt.start_sim)


@bp.route("/attempts/<int:attempt_id>")
def attempt(attempt_id: int):
    attempt, a = attempt_or_404(attempt_id)
    db = get_session()
    ex = svc.exercise_of(a)
    world = db.get(World, attempt.attempt_world_id)
    officers = {o.login: o for o in db.scalars(select(Officer).where(Officer.world_id == world.id,
                                                                     Officer.login.in_(a.plays or [])))}
    plays = [(login, officers.get(login)) for login in a.plays or []]
    playing = session.get("playing", {}).get(str(world.id))
    now = attempt.end_sim or world_now(world)
    over = ex.limit is not None and (now - attempt.start_sim) > ex.limit
    progress = checklist(db, attempt, a) if a.mode == "rehearsal" else None
    from ..clock import wall_now
    overdue = attempt.status == "open" and a.deadline is not None and wall_now() > a.deadline
    db.rollback()
    return render_template("training/attempt.html", attempt=attempt, a=a, ex=ex, world=world, plays=plays,
                           playing=playing, used=time_used(attempt, world), over=over, now=now,
                           hints=svc.shown_hints(ex, attempt), hints_left=len(ex.hints) - attempt.hints_used,
                           next_cost=ex.hints[attempt.hints_used].cost if attempt.hints_used < len(ex.hints) else None,
                           progress=progress, overdue=overdue, role_label=role_label)


@bp.route("/attempts/<int:attempt_id>/hint", methods=["POST"])
def hint(attempt_id: int):
    attempt_or_404(attempt_id)
    try:
        h = svc.take_hint(get_session(), attempt_id)
    except OperationError as exc:
        get_session().rollback()
        flash_error(exc)
    else:
        flash(_("提示 %(n)s（扣 %(cost)s 分）", n=h["n"], cost=h["cost"]), "info")
    return redirect(url_for("training.attempt", attempt_id=attempt_id) + "#hints")


@bp.route("/attempts/<int:attempt_id>/play", methods=["POST"])
def play(attempt_id: int):
    """Play one of the officers the exercise allows, then go to the console."""
    attempt, a = attempt_or_404(attempt_id)
    login = request.form.get("officer", "")
    if login not in (a.plays or []):
        abort(400)
    playing = dict(session.get("playing", {}))
    playing[str(attempt.attempt_world_id)] = login
    session["playing"] = playing
    return redirect(url_for("console.index", world_id=attempt.attempt_world_id))


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
def submit(attempt_id: int):
    attempt, _a = attempt_or_404(attempt_id)
    if attempt.user_id != current_user.id:
        abort(403)   # an instructor looks, the trainee submits
    db = get_session()
    catalogue.load_all()
    try:
        svc.submit(db, attempt_id)
    except OperationError as exc:
        db.rollback()
        flash_error(exc)
        return redirect(url_for("training.attempt", attempt_id=attempt_id))
    flash(_("已提交，评分如下"), "success")
    return redirect(url_for("training.result", attempt_id=attempt_id))


@bp.route("/attempts/<int:attempt_id>/result")
def result(attempt_id: int):
    attempt, a = attempt_or_404(attempt_id)
    if attempt.status != "submitted":
        flash(_("提交后才能查看评分和参考答案"), "warning")
        return redirect(url_for("training.attempt", attempt_id=attempt_id))
    db = get_session()
    r = attempt.result
    if r is None:  # graded lazily if the grading at submission did not finish
        catalogue.load_all()
        r = svc.store_result(db, attempt, a)
    labels = {name: op_label(op) for name, op in catalogue.load_all().items()}
    ex = svc.exercise_of(a)
    hints = svc.shown_hints(ex, attempt)
    db.rollback()
    return render_template("training/result.html", attempt=attempt, a=a, r=r, labels=labels, hints=hints,
                           checkpoint_label=checkpoint_label)


@bp.route("/worlds/<int:world_id>/checklist.json")
def checklist_json(world_id: int):
    db = get_session()
    attempt = svc.attempt_in_world(db, world_id)
    if attempt is None or not may_view(current_user, attempt):
        abort(404)
    a = db.get(Assignment, attempt.assignment_id)
    if a.mode != "rehearsal":
        abort(404)
    out = checklist(db, attempt, a)
    db.rollback()
    return jsonify(out)


def checklist_for_page(world) -> dict | None:
    """The rehearsal checklist of the world a console or portal page shows (None elsewhere)."""
    if world is None or not current_user.is_authenticated:
        return None
    db = get_session()
    attempt = svc.attempt_in_world(db, world.id)
    if attempt is None or not may_view(current_user, attempt):
        return None
    a = db.get(Assignment, attempt.assignment_id)
    if a.mode != "rehearsal":
        return None
    return checklist(db, attempt, a)


def parse_deadline(raw: str) -> datetime | None:
    """An <input type=datetime-local> value is Shanghai local time."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if len(raw) == 16:
        raw += ":00+08:00"
    try:
        return parse_time(raw)
    except OperationError as exc:   # name the form's field, not the clock's
        raise OperationError("INVALID_INPUT", field="deadline", reason=exc.reason, reason_zh=exc.reason_zh) from None
