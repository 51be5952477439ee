"""Browser sessions kept on the server once a user has logged in.

Before login the session is Flask's signed cookie as usual (it holds only the language and the
login form's CSRF token). From login on, everything the pages keep (the officer played, 网票
sessions and their tokens, flashed messages) lives in a ``web_sessions`` row; the cookie holds
only a signed random id, whose SHA-256 is the row's key. So nothing secret travels in the cookie,
and ending a session is deleting its row: logout deletes the row, a password change or disabling
the user deletes all of the user's rows, and a cookie saved before is worthless afterwards. A row
lives SESSION_HOURS (default 12) from login.

The JSON API and static files never read the cookie session (the API authenticates by bearer
token), so they cost no database look-up here.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import Flask, Request, Response
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature, Signer
from sqlalchemy import delete, select

from ..clock import wall_now
from ..users.models import WebSession
from .db import get_session

PREFIX = "srv."


class ServerSession(SecureCookieSession):
    def __init__(self, initial=None, sid: str | None = None, loaded: bool = True):
        super().__init__(initial or {})
        self.sid = sid          # the random id of its row; None until the row exists
        self.loaded = loaded    # False for API and static requests: saving then changes nothing
        self.dropped = False    # the cookie named a row that is gone: clear the cookie


def rotate(session) -> None:
    """Start a new session id (at login: the id and CSRF token seen before login are not reused),
    keeping only the language choice."""
    lang = session.get("lang")
    old = getattr(session, "sid", None)
    session.clear()
    if lang:
        session["lang"] = lang
    if isinstance(session, ServerSession):
        session.retired = old
        session.sid = None


def _hash(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


class ServerSessionInterface(SecureCookieSessionInterface):
    session_class = ServerSession

    def _signer(self, app: Flask) -> Signer:
        return Signer(app.secret_key, salt="backoffice-session-id")

    def open_session(self, app: Flask, request: Request) -> ServerSession | None:
        if request.path.startswith(("/api/", app.static_url_path + "/")):
            return ServerSession(loaded=False)
        raw = request.cookies.get(self.get_cookie_name(app)) or ""
        if not raw.startswith(PREFIX):
            cookie = super().open_session(app, request)
            return ServerSession(dict(cookie or {}))
        try:
            sid = self._signer(app).unsign(raw[len(PREFIX):]).decode()
        except BadSignature:
            return self._dropped()
        row = get_session().execute(select(WebSession).where(WebSession.sid_hash == _hash(sid),
                                                             WebSession.expires_wall > wall_now())).scalar_one_or_none()
        if row is None:
            return self._dropped()
        return ServerSession(dict(row.data or {}), sid=sid)

    @staticmethod
    def _dropped() -> ServerSession:
        s = ServerSession()
        s.dropped = True
        return s

    def save_session(self, app: Flask, session: ServerSession, response: Response) -> None:
        if not getattr(session, "loaded", True):
            return
        db = get_session()
        retired = getattr(session, "retired", None)
        if retired:
            db.execute(delete(WebSession).where(WebSession.sid_hash == _hash(retired)))
        user_id = session.get("_user_id")
        if user_id is None:
            if session.sid is not None:       # logged out: the row goes, the cookie falls back
                db.execute(delete(WebSession).where(WebSession.sid_hash == _hash(session.sid)))
                session.sid = None
                session.modified = True
            if retired or session.dropped:
                session.modified = True
            db.commit()
            return super().save_session(app, session, response)
        now = wall_now()
        if session.sid is None:
            session.sid = secrets.token_urlsafe(32)
            hours = float(app.config.get("SESSION_HOURS", 12))
            # expired rows of everyone go when someone logs in: the table stays as small as its live sessions
            db.execute(delete(WebSession).where(WebSession.expires_wall <= now))
            db.add(WebSession(sid_hash=_hash(session.sid), user_id=int(user_id), data=dict(session),
                              created_wall=now, expires_wall=now + timedelta(hours=hours)))
            db.commit()
            self._set_cookie(app, session, response)
            return
        if session.modified:
            row = db.execute(select(WebSession).where(WebSession.sid_hash == _hash(session.sid))).scalar_one_or_none()
            if row is None:                   # ended elsewhere meanwhile (logout on another device)
                db.rollback()
                response.delete_cookie(self.get_cookie_name(app), path=self.get_cookie_path(app))
                return
            row.data = dict(session)
            db.commit()
        if session.accessed:
            response.vary.add("Cookie")

    def _set_cookie(self, app: Flask, session: ServerSession, response: Response) -> None:
        value = PREFIX + self._signer(app).sign(session.sid.encode()).decode()
        response.set_cookie(self.get_cookie_name(app), value, httponly=self.get_cookie_httponly(app),
                            domain=self.get_cookie_domain(app), path=self.get_cookie_path(app),
                            secure=self.get_cookie_secure(app), samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")


def init_app(app: Flask) -> None:
    app.session_interface = ServerSessionInterface()
