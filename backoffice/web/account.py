"""我的世界 (/account/worlds): the worlds a user owns, newest first, a page at a time, with how
many the quota allows, and deleting old ones (one or several at once). Members' worlds are not
listed here: only what counts against the user's quota."""
from __future__ import annotations

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..worlds.models import World
from ..worlds.quota import owned_count, worlds_per_user
from ..worlds.service import delete_world
from .db import get_session

bp = Blueprint("account", __name__)
PAGE = 50


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)


@bp.route("/account/worlds")
@login_required
def worlds():
    db = get_session()
    raw = request.args.get("page", "1")
    page = int(raw) if raw.isascii() and raw.isdigit() and 0 < int(raw) < 100000 else 1
    rows = list(db.scalars(select(World).where(World.owner_id == current_user.id, World.is_template.is_(False))
                           .order_by(World.id.desc()).offset((page - 1) * PAGE).limit(PAGE + 1)))
    quota = None if current_user.is_instructor else worlds_per_user()
    return render_template("account_worlds.html", worlds=rows[:PAGE], page=page, more=len(rows) > PAGE,
                           owned=owned_count(db, current_user.id), quota=quota)


@bp.route("/account/worlds/delete", methods=["POST"])
@login_required
def delete():
    db = get_session()
    ids = [int(v) for v in request.form.getlist("world")[:PAGE] if v.isascii() and v.isdigit() and int(v) < 2**31]
    mine = list(db.scalars(select(World).where(World.id.in_(ids), World.owner_id == current_user.id,
                                              World.is_template.is_(False))))
    for world in mine:
        delete_world(db, world)
    db.commit()
    if mine:
        flash(_("已删除 %(n)s 个世界", n=len(mine)), "success")
    else:
        flash(_("未选择世界"), "warning")
    return redirect(url_for("account.worlds"))
