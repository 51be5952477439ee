"""Worlds per user: a user (not an instructor) may own at most ``worlds_per_user`` worlds
(seed_data/limits.yaml, overridden by the BACKOFFICE_WORLDS_PER_USER setting); the next
create, fork or scenario run is refused with WORLD_QUOTA_EXCEEDED, whose message sends the user to
the 我的世界 page (/account/worlds) to delete old ones. Worlds made without an owner (the CLI's,
the template) count against no one.
"""
from __future__ import annotations

import os

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..errors import OperationError
from .models import World


def worlds_per_user() -> int:
    """The quota: the application's WORLDS_PER_USER setting when an app is running, else the
    environment, else limits.yaml."""
    try:
        from flask import current_app, has_app_context
        if has_app_context() and current_app.config.get("WORLDS_PER_USER") not in (None, ""):
            return int(current_app.config["WORLDS_PER_USER"])
    except ImportError:  # pragma: no cover - flask is a dependency
        pass
    env = os.environ.get("BACKOFFICE_WORLDS_PER_USER")
    if env:
        return int(env)
    from ..limits import limits
    return limits().worlds_per_user


def owned_count(session: Session, owner_id: int) -> int:
    return session.execute(select(func.count(World.id)).where(World.owner_id == owner_id,
                                                              World.is_template.is_(False))).scalar_one()


def check_quota(session: Session, owner_id: int | None, adding: int = 1) -> None:
    """Refuse a new world for ``owner_id`` past its quota (instructors and ownerless: unlimited)."""
    if owner_id is None:
        return
    from ..users.models import User
    # the owner's row is locked so that two requests at once cannot both take the last place
    user = session.execute(select(User).where(User.id == owner_id).with_for_update()).scalar_one_or_none()
    if user is None or user.is_instructor:
        return
    quota = worlds_per_user()
    have = owned_count(session, owner_id)
    if have + adding > quota:
        raise OperationError("WORLD_QUOTA_EXCEEDED", field="world",
                             reason=f"{user.username} owns {have} worlds; at most {quota}",
                             reason_zh=f"{user.username} 已拥有 {have} 个世界，最多 {quota} 个",
                             have=have, quota=quota)
