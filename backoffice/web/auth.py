"""Login and logout of simulator users (Flask-Login), with safe ``next`` redirects."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired

from ..users.models import User
from ..users.service import authenticate
from .db import get_session

bp = Blueprint("auth", __name__)


def load_user(user_id: str):
    try:
        return get_session().get(User, int(user_id))
    except ValueError:
        return None


class LoginForm(FlaskForm):
    username = StringField("用户名 Username", validators=[DataRequired()])
    password = PasswordField("密码 Password", validators=[DataRequired()])


def safe_next(target: str | None) -> str | None:
    """Only same-site relative paths: never another host, scheme or protocol-relative URL."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        db = get_session()
        user = authenticate(db, form.username.data.strip(), form.password.data)
        if user is None:
            error = _("用户名或密码错误")
        else:
            login_user(user)
            return redirect(safe_next(request.args.get("next")) or url_for("home.index"))
    return render_template("login.html", form=form, error=error), (401 if error else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.pop("playing", None)
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
def set_lang(code: str):
    if code in ("zh_CN", "en"):
        session["lang"] = code
    return redirect(safe_next(request.form.get("next")) or url_for("home.index"))
