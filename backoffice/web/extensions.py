"""Flask-Login, CSRF, Babel and Bootstrap (served locally: intranets reach no CDN)."""
from __future__ import annotations

from flask import Flask, request, session
from flask_babel import Babel
from flask_bootstrap import Bootstrap5
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()
bootstrap = Bootstrap5()

LOCALES = ("zh_CN", "en")


def select_locale() -> str:
    lang = request.args.get("lang") or session.get("lang")
    if lang in LOCALES:
        return lang
    return "zh_CN"


def init_extensions(app: Flask) -> None:
    from .auth import load_user

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.user_loader(load_user)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    bootstrap.init_app(app)
    init_filters(app)


def _localtime(dt) -> str:
    from ..clock import local
    return "" if dt is None else local(dt).strftime("%Y-%m-%d %H:%M")


def init_filters(app: Flask) -> None:
    app.jinja_env.filters["localtime"] = _localtime
