"""Instructors' training pages: classes, the class board (trainees × exercises), CSV export and a
printable report per trainee. Routes of the ``training`` blueprint, instructors only."""
from __future__ import annotations

import re
from pathlib import Path

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import catalogue
from ..clock import wall_now
from ..errors import OperationError
from ..training import classes as svc
from ..training.exercise import ExerciseError, load_library
from ..training.models import MODES
from ..training.service import class_rows
from ..users.models import User
from .db import get_session
from .training import bp, flash_error, parse_deadline

_SPLIT = re.compile(r"[\s,，、;；]+")


def instructor_only() -> None:
    if not current_user.is_instructor:
        abort(403)


@bp.route("/classes")
def classes():
    instructor_only()
    rows = class_rows(get_session())
    return render_template("training/classes.html", rows=rows)


@bp.route("/classes", methods=["POST"])
def create_class():
    instructor_only()
    db = get_session()
    names = [n for n in _SPLIT.split(request.form.get("trainees", "")) if n]
    try:
        cls = svc.create_class(db, request.form.get("name", ""), current_user, names)
        db.commit()
    except OperationError as exc:
        db.rollback()
        flash_error(exc)
        return redirect(url_for("training.classes"))
    flash(_("已创建班级 %(name)s", name=cls.name), "success")
    return redirect(url_for("training.board", class_id=cls.id))


def _class(class_id: int):
    try:
        return svc.get_class(get_session(), class_id)
    except OperationError:
        abort(404)


@bp.route("/classes/<int:class_id>")
def board(class_id: int):
    instructor_only()
    db = get_session()
    b = svc.board(db, _class(class_id))
    library, _bad = load_library()
    library.sort(key=lambda e: (tuple(int(p) for p in e.faq.split(".")), e.stars, e.id))
    db.rollback()
    return render_template("training/board.html", b=b, library=library, modes=MODES)


@bp.route("/classes/<int:class_id>/members", methods=["POST"])
def add_members(class_id: int):
    instructor_only()
    db = get_session()
    names = [n for n in _SPLIT.split(request.form.get("trainees", "")) if n]
    try:
        new = svc.add_members(db, _class(class_id), names)
        db.commit()
    except OperationError as exc:
        db.rollback()
        flash_error(exc)
    else:
        flash(_("已加入 %(n)s 名学员", n=len(new)), "success")
    return redirect(url_for("training.board", class_id=class_id))


@bp.route("/classes/<int:class_id>/assign", methods=["POST"])
def assign(class_id: int):
    instructor_only()
    db = get_session()
    catalogue.load_all()
    try:
        deadline = parse_deadline(request.form.get("deadline", ""))
        done = svc.assign(db, _class(class_id), request.form.getlist("exercise"),
                          mode=request.form.get("mode", "exam"), deadline=deadline, by=current_user)
        db.commit()
    except OperationError as exc:
        db.rollback()
        flash_error(exc)
    except ExerciseError as exc:
        db.rollback()
        # a shipped file an operator broke: name it, the details are in `backoffice exercise check`
        flash(_("练习文件有误：%(file)s（字段 %(field)s）", file=Path(exc.path).name, field=exc.field or "—"), "danger")
    else:
        flash(_("已布置 %(n)s 个练习", n=len(done)), "success")
    return redirect(url_for("training.board", class_id=class_id))


@bp.route("/classes/<int:class_id>/board.csv")
def board_csv(class_id: int):
    instructor_only()
    cls = _class(class_id)
    text = svc.board_csv(svc.board(get_session(), cls))
    get_session().rollback()
    # a BOM so that spreadsheet programs read the Chinese names as UTF-8
    return Response("\ufeff" + text, mimetype="text/csv",
                    headers={"Content-Disposition": f"attachment; filename=class-{cls.id}.csv"})


@bp.route("/classes/<int:class_id>/trainees/<int:user_id>/report")
def report(class_id: int, user_id: int):
    instructor_only()
    db = get_session()
    cls = _class(class_id)
    user = db.get(User, user_id)
    if user is None or user.id not in {u.id for u in svc.members(db, cls)}:
        abort(404)
    rows = svc.trainee_report(db, cls, user)
    db.rollback()
    return render_template("training/report.html", cls=cls, trainee=user, rows=rows, printed=wall_now())
