"""Login and logout of simulator users (Flask-Login), with safe ``next`` redirects.

Logging in starts a new server-side session (a new id and a new CSRF token: nothing seen before
login is reused) and is throttled per account and per address through the database
(:mod:`backoffice.users.throttle`), answering 429 with ``Retry-After``. Logging out, or changing
the password, ends every session of the user (:mod:`backoffice.web.sessions`).
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from ..errors import OperationError
from ..users import throttle
from ..users.models import User
from ..users.service import DUMMY_HASH, authenticate, change_password, end_sessions
from ..security import check_password
from .db import get_session
from .sessions import rotate

bp = Blueprint("auth", __name__)


def load_user(user_id: str):
    try:
        user = get_session().get(User, int(user_id))
    except (TypeError, ValueError, OverflowError):
        return None
    return user if user is not None and user.active else None


class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired(), Length(max=200)])
    password = PasswordField("密码 Password", validators=[DataRequired(), Length(max=200)])


class PasswordForm(FlaskForm):
    old = PasswordField("原密码", validators=[DataRequired(), Length(max=200)])
    new = PasswordField("新密码", validators=[DataRequired(), Length(max=200)])


_UNSAFE = re.compile(r"[\x00-\x20\x7f-\x9f\\]")


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never another host, scheme or protocol-relative URL. Any
    whitespace or control character refuses the target (browsers drop them, so ``/\\r//evil``
    would become ``///evil``)."""
    if not target or _UNSAFE.search(target) or len(target) > 2000:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _throttled(seconds: int):
    error = _("登录尝试过多，请在 %(n)s 秒后重试", n=seconds)
    resp = current_app.make_response((render_template("login.html", form=LoginForm(), error=error), 429))
    resp.headers["Retry-After"] = str(seconds)
    return resp


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        policy = throttle.Policy.from_config(current_app.config)
        name = form.username.data.strip()
        keys = [throttle.account_key(name), throttle.address_key(request.remote_addr)]
        wait = throttle.retry_after(db, keys)
        if wait:
            # the same hashing work as a real attempt: a throttled answer tells nothing by its timing
            check_password(DUMMY_HASH, form.password.data)
            return _throttled(wait)
        user = authenticate(db, name, form.password.data)
        if user is None:
            throttle.record_failure(db, policy, name, request.remote_addr)
            error = _("用户名或密码错误")
        else:
            throttle.record_success(db, name)
            rotate(session)
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    db = get_session()
    user = db.get(User, current_user.id)
    logout_user()
    rotate(session)
    if user is not None:
        end_sessions(db, user)   # every browser of this user is logged out, copies of the cookie included
        db.commit()
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        user = db.get(User, current_user.id)
        if authenticate(db, user.username, form.old.data) is None:
            error = _("原密码错误")
        else:
            try:
                change_password(db, user, form.new.data)
            except OperationError as exc:
                error = exc.message_en if session.get("lang") == "en" else exc.message_zh
            else:
                db.commit()
                logout_user()
                rotate(session)
                flash(_("密码已修改，请用新密码重新登录"), "success")
                return redirect(url_for("auth.login"))
    return render_template("account_password.html", form=form, error=error), (400 if error else 200)


@bp.route("/lang/<code>", methods=["POST"])
def set_lang(code: str):
    if code in ("zh_CN", "en"):
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))
