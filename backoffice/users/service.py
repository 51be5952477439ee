"""Creating and authenticating simulator users and their API tokens."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import wall_now
from ..errors import OperationError
from ..security import check_password, hash_password, new_token, token_hash
from .models import USER_ROLES, ApiToken, User


def create_user(session: Session, username: str, password: str, role: str, display_name: str = "") -> User:
    if role not in USER_ROLES:
        raise OperationError("INVALID_INPUT", field="role", reason=f"one of {', '.join(USER_ROLES)}")
    if not username or len(password) < 8:
        raise OperationError("INVALID_INPUT", field="password", reason="at least 8 characters",
                             reason_zh="密码至少 8 位")
    if session.execute(select(User.id).where(User.username == username)).first():
        raise OperationError("INVALID_INPUT", field="username", reason=f"{username!r} already exists",
                             reason_zh=f"用户 {username} 已存在")
    user = User(username=username, password_hash=hash_password(password), role=role,
                display_name=display_name or username)
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None or not user.active or not check_password(user.password_hash, password):
        return None
    return user


def create_token(session: Session, user: User, name: str = "") -> str:
    token = new_token()
    session.add(ApiToken(user_id=user.id, token_hash=token_hash(token), name=name, created_wall=wall_now()))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.execute(select(ApiToken).where(ApiToken.token_hash == token_hash(token))).scalar_one_or_none()
    if row is None:
        return None
    user = session.get(User, row.user_id)
    return user if user and user.active else None
