"""One SQLAlchemy session per request, removed at teardown; the same factory serves CLI and jobs.

A request that only reads (GET, HEAD, OPTIONS) gets a session that never takes SQLite's write lock,
so a long page does not hold up everyone else; any other request, and the CLI, gets one whose
transactions take it first thing (see :data:`backoffice.db.SQLITE_BEGIN`).
"""
from __future__ import annotations

from flask import Flask, current_app, g, has_request_context, request
from sqlalchemy.orm import Session

READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session() -> Session:
    if "db_session" not in g:
        read = has_request_context() and request.method in READ_METHODS
        g.db_session = current_app.extensions["backoffice.read_sessions" if read else "backoffice.sessions"]()
    return g.db_session


def init_app(app: Flask) -> None:
    @app.teardown_appcontext
    def _remove(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()
