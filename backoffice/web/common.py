"""What the console, portal and control room share: the world guard and running an operation."""
from __future__ import annotations

from typing import Any

from urllib.parse import urlsplit

from flask import current_app, flash, g, request
from flask_login import current_user
from werkzeug.test import EnvironBuilder

from .. import catalogue
from ..dispatch import execute
from ..errors import OperationError
from ..worlds.service import can_see, get_world, no_such_world
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
        raise no_such_world(world_id)
    g.world = world
    # every ORM query of this request sees this world's rows only (ids repeat from world to world)
    db.info["world_id"] = world.id
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
    from .labels import field_label, summary
    if error:
        text = f"{error['code']} — {error['message']}"
        if error.get("field"):
            text += f" [{field_label(error['field'])}]"
        flash(text, "danger")
    else:
        done = summary(result)
        flash(f"✓ {label}" + ((": " if _en() else "：") + done if done else ""), "success")


def _en() -> bool:
    from .forms import is_en
    return is_en()


def failed_form(form_id: str) -> dict | None:
    """The refused form being shown again on its page (see :func:`show_refused`), if it is this one."""
    failed = g.get("failed_form")
    return failed if failed and failed["form"] == form_id else None


def show_refused(next_path: str, form_id: str, values: dict, error: dict, status: int):
    """A form posted from a page and refused: that page again, the form open with what was typed,
    its field marked and the FAQ remedy beside it (never a redirect that empties the form).

    The page is rendered by its own view, in a GET request context for ``next_path`` nested in
    this one (same user, session, database session and ``g``), with ``g.failed_form`` set."""
    g.failed_form = {"form": form_id, "values": values, "error": error}
    url = urlsplit(next_path)
    environ = EnvironBuilder(path=url.path, query_string=url.query, method="GET", base_url=request.host_url,
                             headers={"Cookie": request.headers.get("Cookie", "")}).get_environ()
    with current_app.request_context(environ):
        response = current_app.full_dispatch_request()
    if response.status_code == 200:
        response.status_code = status
    return response


def plain_value(v: Any, key: str = "*") -> str:
    from .labels import value_label
    return value_label(v, key)


def init_filters(app) -> None:
    from .forms import CHOICE_LABELS
    from .labels import init_labels
    init_labels(app)
    app.jinja_env.filters.setdefault("edition_label", lambda e: str(CHOICE_LABELS.get(e, e or "")))
    app.jinja_env.filters.setdefault("plain", plain_value)
    app.jinja_env.globals.setdefault("failed_form", failed_form)
    from ..clock import world_now
    # a live world's "now" runs ahead of its stored clock between scheduler ticks
    app.jinja_env.globals.setdefault("sim_now", world_now)
