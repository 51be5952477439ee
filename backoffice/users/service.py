"""Creating and authenticating simulator users and their API tokens.

Credentials end cleanly: a password change or disabling a user deletes every web session of the
user (see :mod:`backoffice.web.sessions`); a token expires at its optional expiry or when revoked.
Logging in does the same work for a name that does not exist as for one that does, so valid
names do not show by timing.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..clock import wall_now
from ..errors import OperationError
from ..security import check_password, hash_password, new_token, token_hash
from .models import USER_ROLES, ApiToken, User, WebSession

MIN_PASSWORD = 8
MAX_PASSWORD = 128
# Checked against when the name is unknown, so that both paths hash a password once.
DUMMY_HASH = hash_password("not-a-password-of-anyone")


def _check_new_password(password: str) -> None:
    if not isinstance(password, str) or not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise OperationError("INVALID_INPUT", field="password",
                             reason=f"from {MIN_PASSWORD} to {MAX_PASSWORD} characters",
                             reason_zh=f"密码须为 {MIN_PASSWORD} 至 {MAX_PASSWORD} 位")


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "") -> User:
    if role not in USER_ROLES:
        raise OperationError("INVALID_INPUT", field="role", reason=f"one of {', '.join(USER_ROLES)}",
                             reason_zh="须为以下之一：" + "、".join(USER_ROLES))
    if not username or len(username) > 80 or any(ord(c) < 32 or c.isspace() for c in username):
        raise OperationError("INVALID_INPUT", field="username",
                             reason="1 to 80 characters, without spaces or control characters",
                             reason_zh="用户名须为 1 至 80 个字符，不含空格或控制字符")
    _check_new_password(password)
    if session.execute(select(User.id).where(User.username == username)).first():
        raise OperationError("USERNAME_TAKEN", field="username", reason=f"{username!r} already exists",
                             reason_zh=f"用户“{username}”已存在")
    user = User(username=username, password_hash=hash_password(password), role=role,
                display_name=(display_name or username)[:120])
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = None
    if isinstance(username, str) and 0 < len(username) <= 80:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    ok = check_password(user.password_hash if user is not None else DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        return None
    return user


def user_by_name(session: Session, username: str) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise OperationError("NOT_FOUND", field="username", reason=f"no user {username!r}",
                             reason_zh=f"没有用户“{username}”")
    return user


def end_sessions(session: Session, user: User) -> int:
    """Log the user out everywhere: every browser session of the user stops working at once."""
    return session.execute(delete(WebSession).where(WebSession.user_id == user.id)).rowcount or 0


def change_password(session: Session, user: User, new_password: str) -> None:
    _check_new_password(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(session, user)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    """Disable (or enable) a user: a disabled user cannot log in, and its sessions and tokens stop."""
    user.active = active
    if not active:
        end_sessions(session, user)
    session.flush()


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def create_token(session: Session, user: User, name: str = "", *, expires_in: timedelta | None = None) -> str:
    token = new_token()
    now = wall_now()
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token), name=(name or "")[:80], created_wall=now,
                         expires_wall=now + expires_in if expires_in else None))
    session.flush()
    return token


def token_state(row: ApiToken, at: datetime | None = None) -> str:
    """active | expired | revoked"""
    if row.revoked_wall is not None:
        return "revoked"
    if row.expires_wall is not None and row.expires_wall <= (at or wall_now()):
        return "expired"
    return "active"


def list_tokens(session: Session, user: User | None = None) -> list[tuple[ApiToken, User]]:
    stmt = select(ApiToken, User).join(User, User.id == ApiToken.user_id).order_by(ApiToken.id)
    if user is not None:
        stmt = stmt.where(ApiToken.user_id == user.id)
    return [(t, u) for t, u in session.execute(stmt)]


def revoke_token(session: Session, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id) if 0 < token_id < 2**31 else None
    if row is None:
        raise OperationError("NOT_FOUND", field="token", reason=f"no token {token_id}",
                             reason_zh=f"没有编号为 {token_id} 的令牌")
    if row.revoked_wall is None:
        row.revoked_wall = wall_now()
    session.flush()
    return row


def user_for_token(session: Session, token: str) -> User | None:
    if not token or len(token) > 200:
        return None
    row = session.execute(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).scalar_one_or_none()
    if row is None or token_state(row) != "active":
        return None
    user = session.get(User, row.user_id)
    return user if user and user.active else None
