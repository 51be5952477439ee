"""What the console, portal and control room share: the world guard and running an operation."""
from __future__ import annotations

from typing import Any

from flask import abort, current_app, flash, g, request
from flask_login import current_user
from sqlalchemy import select

from .. import catalogue
from ..dispatch import execute
from ..errors import OperationError
from ..worlds.service import can_see, get_world
from .db import get_session
from .errors import STATUS
from .forms import error_view


def guard_world():
    """before_request of every world area: a login, then a world the user may see (else 403)."""
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    world_id = (request.view_args or {}).get("world_id")
    if world_id is None:
        return None
    db = get_session()
    world = get_world(db, world_id)
    if not can_see(db, current_user, world):
        abort(404)   # as a world that does not exist: world ids cannot be probed
    g.world = world
    return None


def require_login():
    if not current_user.is_authenticated:
        return current_app.login_manager.unauthorized()
    return None


def operations(side: str | tuple[str, ...]) -> dict[str, catalogue.Operation]:
    sides = (side,) if isinstance(side, str) else side
    return {name: op for name, op in sorted(catalogue.load_all().items()) if op.side in sides}


def run(world_id: int, actor: str, op_name: str, args: dict, *, wp_token: str | None = None
        ) -> tuple[dict | None, dict | None, int]:
    """Run one operation through dispatch; returns (result, error box, HTTP status)."""
    try:
        result = execute(get_session(), world_id, actor, op_name, args, user=current_user, wp_token=wp_token)
        return result, None, 200
    except OperationError as exc:
        return None, error_view(exc), STATUS.get(exc.code, 409)


def flash_result(label: str, result: dict | None, error: dict | None) -> None:
    if error:
        text = f"{error['code']} — {error['message']}"
        if error.get("field"):
            text += f" [{error['field']}]"
        flash(text, "danger")
    else:
        flash(f"✓ {label}", "success")


def plain_value(v: Any) -> str:
    if isinstance(v, bool):
        return "✓" if v else "✗"
    if v is None:
        return "—"
    if isinstance(v, (list, tuple)):
        return ", ".join(plain_value(x) for x in v)
    return str(v)


def init_filters(app) -> None:
    from .forms import CHOICE_LABELS, FIELD_LABELS, role_label
    app.jinja_env.filters.setdefault("field_label", lambda k: str(FIELD_LABELS.get(k, k)))
    app.jinja_env.filters.setdefault("role_label", role_label)
    app.jinja_env.filters.setdefault("edition_label", lambda e: str(CHOICE_LABELS.get(e, e or "")))
    app.jinja_env.filters.setdefault("plain", plain_value)
    from ..clock import world_now
    # a live world's "now" runs ahead of its stored clock between scheduler ticks
    app.jinja_env.globals.setdefault("sim_now", world_now)
