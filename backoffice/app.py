"""The application factory: a short list of named steps; nothing is built at import time."""
from __future__ import annotations

from flask import Flask

from .config import load_config


def create_app(overrides: dict | None = None) -> Flask:
    cfg = load_config(overrides)
    app = Flask(__name__, instance_path=cfg["INSTANCE_PATH"], instance_relative_config=False,
                template_folder="web/templates", static_folder="web/static")
    app.config.update(cfg)
    configure_security(app)
    configure_database(app)
    configure_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    return app


def configure_security(app: Flask) -> None:
    """Headers, bounded URL ids, control characters and body size (web.hardening); server-side
    browser sessions (web.sessions)."""
    from .web.hardening import init_app as init_hardening, protect_sqlite_file
    from .web.sessions import init_app as init_sessions

    init_hardening(app)
    init_sessions(app)
    protect_sqlite_file(app.config["DATABASE_URL"])


def configure_database(app: Flask) -> None:
    from .db import make_engine, make_session_factory
    from .web.db import init_app as init_db

    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["backoffice.engine"] = engine
    app.extensions["backoffice.sessions"] = make_session_factory(engine)
    app.extensions["backoffice.read_sessions"] = make_session_factory(engine, read_only=True)
    init_db(app)


def configure_extensions(app: Flask) -> None:
    from .web.extensions import init_extensions

    init_extensions(app)


def register_blueprints(app: Flask) -> None:
    from .web import account
    from .web.blueprints import register

    register(app)
    account.init_app(app)


def register_error_handlers(app: Flask) -> None:
    from .web.errors import init_error_handlers

    init_error_handlers(app)
