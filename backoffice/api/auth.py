"""Bearer-token authentication for the API and the world access rules it applies.

The API authenticates every request (no endpoint is public) with ``Authorization: Bearer <token>``;
tokens come from :func:`backoffice.users.service.create_token` (``backoffice token create USER``).
The cookie session of the web pages plays no part here, which is why the blueprint is exempt from CSRF.
"""
from __future__ import annotations

from flask import g, request

from ..errors import OperationError
from ..users.models import User
from ..users.service import user_for_token
from ..web.db import get_session
from ..worlds.models import World
from ..worlds.service import can_see, get_world, no_such_world


class TokenRequired(OperationError):
    """NOT_LOGGED_IN for the simulator user (the catalogue's message speaks of the 网票 login)."""

    def __init__(self, reason: str):
        super().__init__("NOT_LOGGED_IN", field="authorization", reason=reason)

    @property
    def message_zh(self) -> str:
        return "请先登录模拟器：请求须带 API 令牌（Authorization: Bearer <令牌>）"

    @property
    def message_en(self) -> str:
        return "Log in to the simulator first: send an API token (Authorization: Bearer <token>)"


def bearer_token() -> str | None:
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


def authenticate() -> None:
    """before_request of the API blueprint: sets ``g.api_user`` or refuses with 401."""
    token = bearer_token()
    if token is None:
        raise TokenRequired("no bearer token in the Authorization header")
    user = user_for_token(get_session(), token)
    if user is None:
        raise TokenRequired("the token is unknown, revoked, or its user is disabled")
    g.api_user = user


def current_user() -> User:
    return g.api_user


def may_manage(user: User, world: World) -> bool:
    return user.is_instructor or world.owner_id == user.id


def visible_world(world_id: int, *, manage: bool = False) -> World:
    """The world if the token's user may see it (and, with ``manage``, own it or be an instructor)."""
    session = get_session()
    world = get_world(session, world_id)
    user = current_user()
    if not can_see(session, user, world):
        raise no_such_world(world_id)
    if manage and not may_manage(user, world):
        raise OperationError("FORBIDDEN", field="world",
                             reason="only the world's owner or an instructor may do this",
                             reason_zh="仅世界的所有者或教员可执行此操作")
    # every ORM query of this request sees this world's rows only (ids repeat from world to world)
    session.info["world_id"] = world.id
    return world
