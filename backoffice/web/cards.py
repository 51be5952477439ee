"""纳税人资料卡: an instructor's sheet of a world's taxpayers — how each logs in to 网票 (account,
default or old 地税 password), its CA kind and PC client, and which FAQ case it shows.

The old 地税 password is kept hashed in the domain; the card reads it from the world block the
world was made from (world.spec), where the instructor wrote it. Which FAQ case a taxpayer
illustrates comes from the ``cards:`` notes of ``seed_data/demo_world.yaml``, matched by ref and
识别号 (so copies and forks of the demo world keep their notes). A page shows :data:`PAGE_SIZE`
taxpayers.
"""
from __future__ import annotations

from flask import Blueprint, Flask, abort, g, render_template, request
from flask_login import current_user
from sqlalchemy import select

from ..identifiers import default_passwords
from ..jinsan.models import Officer, Taxpayer
from ..seed import load_demo
from .common import guard_world, init_filters
from .db import get_session
from .lookup import taxpayer_filter

bp = Blueprint("cards", __name__, url_prefix="/worlds/<int:world_id>/control/cards")
bp.before_request(guard_world)

PAGE_SIZE = 50


def init_app(app: Flask) -> None:
    init_filters(app)
    app.register_blueprint(bp)


def demo_notes() -> dict[str, dict]:
    return (load_demo() or {}).get("cards") or {}


def login_of(tp: Taxpayer, spec: dict) -> dict:
    """How the taxpayer's 系统管理员 logs in to 网票 at the start (FAQ 3.1)."""
    if tp.former_ds_wangpiao and tp.keeps_ds_login:
        return {"accounts": [tp.ds_account], "passwords": [spec.get("ds_password")] if spec.get("ds_password") else [],
                "kind": "ds"}
    accounts = list(dict.fromkeys([tp.taxpayer_code, tp.registration_no]))
    return {"accounts": accounts, "passwords": sorted(default_passwords(tp.tax_id, tp.registration_no)),
            "kind": "default", "old_ds_password": spec.get("ds_password") if tp.former_ds_wangpiao else None}


@bp.route("/")
def cards(world_id: int):
    if not current_user.is_instructor:
        abort(403)
    db = get_session()
    w = g.world
    q = request.args.get("q", "").strip()[:100]
    page = max(1, min(request.args.get("page", 1, type=int), 100_000))
    stmt = select(Taxpayer).where(Taxpayer.world_id == w.id)
    if q:
        stmt = stmt.where(taxpayer_filter(q))
    found = list(db.scalars(stmt.order_by(Taxpayer.ref).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    more, shown = len(found) > PAGE_SIZE, found[:PAGE_SIZE]
    specs = {t.get("ref"): t for t in (w.spec or {}).get("taxpayers", []) if isinstance(t, dict)}
    officers = dict(db.execute(select(Officer.id, Officer.name).where(
        Officer.world_id == w.id, Officer.id.in_({t.specialist_id for t in shown if t.specialist_id}))).all())
    notes = demo_notes()
    rows = []
    for tp in shown:
        spec = specs.get(tp.ref, {})
        note = notes.get(tp.ref)
        if note and note.get("tax_id") not in (None, tp.tax_id):
            note = None
        rows.append({"tp": tp, "login": login_of(tp, spec), "client": spec.get("client", "guoshui"),
                     "specialist": officers.get(tp.specialist_id), "note": note})
    return render_template("control/cards.html", world=w, rows=rows, q=q, page=page, more=more)
