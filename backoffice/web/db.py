"""One SQLAlchemy session per request, removed at teardown; the same factory serves CLI and jobs."""
from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session


def get_session() -> Session:
    if "db_session" not in g:
        g.db_session = current_app.extensions["backoffice.sessions"]()
    return g.db_session


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _remove(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
