"""Health check and the landing page: the worlds a user may enter, and the officer it plays."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select, text

from ..jinsan.models import Officer
from ..worlds.service import can_see, get_world, visible_worlds
from .db import get_session

bp = Blueprint("home", __name__)


@bp.route("/healthz")
def healthz():
    get_session().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.route("/")
@login_required
def index():
    db = get_session()
    return render_template("index.html", worlds=visible_worlds(db, current_user))


@bp.route("/worlds/<int:world_id>")
@login_required
def world(world_id: int):
    db = get_session()
    w = get_world(db, world_id)
    if not can_see(db, current_user, w):
        abort(404)
    officers = list(db.scalars(select(Officer).where(Officer.world_id == w.id).order_by(Officer.role, Officer.login)))
    playing = session.get("playing", {}).get(str(w.id))
    return render_template("world.html", world=w, officers=officers, playing=playing)


@bp.route("/worlds/<int:world_id>/play", methods=["POST"])
@login_required
def play(world_id: int):
    db = get_session()
    w = get_world(db, world_id)
    if not can_see(db, current_user, w):
        abort(404)
    login = request.form.get("officer", "")
    if not db.execute(select(Officer.id).where(Officer.world_id == w.id, Officer.login == login)).first():
        abort(400)
    playing = dict(session.get("playing", {}))
    playing[str(w.id)] = login
    session["playing"] = playing
    from .auth import safe_next
    return redirect(safe_next(request.form.get("next")) or url_for("home.world", world_id=w.id))
