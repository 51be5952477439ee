"""The JSON API under /api/v1: parse, call the worlds service / clock / dispatch, render.

Every endpoint needs a bearer token (see :mod:`.auth`) and a world its user may see (another
user's world answers 404, as a missing one), except the OpenAPI document and the reference page.
Errors are always ``{code, message_zh, message_en, field}`` with the status codes of
:mod:`backoffice.web.errors`; every POST honours ``Idempotency-Key`` (:mod:`.idempotency`); lists
are paged by cursor (:mod:`.paging`, routes in :mod:`.history`).
"""
from __future__ import annotations

import importlib

from flask import Blueprint, Flask, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from .. import catalogue
from .. import worldbuild
from ..dispatch import advance_clock, execute
from ..errors import OperationError
from ..limits import limits, nesting_depth
from ..training.guard import check_world as training_check  # attempt worlds refuse some world actions
from ..users.models import User
from ..web.db import get_session
from ..web.errors import STATUS, http_error_body
from ..worlds import service as worlds
from ..worlds.models import World
from ..worlds.quota import check_quota
from ..yamlsafe import UntrustedYamlError, load_untrusted
from . import auth, idempotency, paging, schemas, serialize
from .openapi import build_document, public_paths

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def _authenticate():
    if request.path in public_paths():
        return None
    auth.authenticate()
    return idempotency.begin()


bp.after_request(idempotency.finish)
bp.teardown_request(idempotency.abandon)

WORLDS_LIMIT, WORLDS_MAX = 100, 500


def init_app(app: Flask) -> None:
    from ..web.extensions import csrf
    from . import docs, history  # noqa: F401  (their routes join the blueprint)

    csrf.exempt(bp)  # bearer tokens, not the cookie session CSRF guards
    app.register_blueprint(bp)


# --- errors ------------------------------------------------------------------------------------

def error_response(body: dict, status: int, headers: dict | None = None):
    response = jsonify(body)
    response.status_code = status
    response.headers.update(headers or {})
    return response


@bp.errorhandler(OperationError)
def _operation_error(exc: OperationError):
    get_session().rollback()
    headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, auth.TokenRequired) else None
    return error_response(exc.to_dict(), STATUS.get(exc.code, 409), headers)


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    body, headers = http_error_body(exc)
    return error_response(body, exc.code or 500, headers)


def not_available(what: str):
    return error_response({"code": "NOT_AVAILABLE", "message_zh": f"此功能尚未安装：{what}",
                           "message_en": f"This part of the simulator is not installed yet: {what}",
                           "field": None}, 501)


def json_body() -> dict | None:
    if not request.get_data():
        return None
    try:
        body = request.get_json(silent=True, force=True)
    except RecursionError:   # 100,000 nested brackets: refused, not a crash
        body, deep = None, True
    else:
        deep = body is not None and nesting_depth(body, limits().max_nesting) > limits().max_nesting
    if deep:
        raise OperationError("INVALID_INPUT", field="body",
                             reason=f"the body nests deeper than {limits().max_nesting} levels",
                             reason_zh=f"请求体嵌套超过 {limits().max_nesting} 层")
    if body is None:
        raise OperationError("INVALID_INPUT", field="body", reason="the request body is not valid JSON",
                             reason_zh="请求体不是有效的 JSON")
    return body


def untrusted_yaml(text: str, field: str):
    """YAML text from the client, read without anchors or aliases, bounded (:mod:`backoffice.yamlsafe`)."""
    try:
        return load_untrusted(text)
    except UntrustedYamlError as exc:
        where = f" (line {exc.line}, column {exc.column})" if exc.line else ""
        raise OperationError("INVALID_INPUT", field=field, reason=exc.reason + where,
                             reason_zh=exc.reason_zh + (f"（第 {exc.line} 行，第 {exc.column} 列）" if exc.line else "")) from None


def optional_module(name: str):
    """Import a module another part of the project provides; None while it does not exist."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is None or not (name == exc.name or name.startswith(exc.name + ".")):
            raise
        return None


# --- worlds ------------------------------------------------------------------------------------

@bp.get("/worlds")
def list_worlds():
    db = get_session()
    user = auth.current_user()
    limit = paging.limit_param(WORLDS_LIMIT, WORLDS_MAX)
    stmt = worlds.visible_worlds_query(user)
    key = paging.cursor_param((int,))
    if key:
        stmt = stmt.where(World.id > key[0])
    rows, cursor = paging.page(list(db.scalars(stmt.order_by(World.id).limit(limit + 1))), limit, lambda w: [w.id])
    owners = serialize.owner_names(db, rows)
    return jsonify({"worlds": [serialize.world_summary(db, w, owners) for w in rows], "next_cursor": cursor})


def _spec(raw):
    if isinstance(raw, str):
        raw = untrusted_yaml(raw, "world")
    if raw is not None and not isinstance(raw, dict):
        raise OperationError("INVALID_INPUT", field="world", reason="a world: block is a mapping",
                             reason_zh="世界块（world:）须为映射")
    if raw and isinstance(raw.get("world"), dict):  # a whole scenario given: its world block
        raw = raw["world"]
    return raw


@bp.post("/worlds")
def create_world():
    body = schemas.parse_body(schemas.WorldCreate, json_body())
    db = get_session()
    world = worldbuild.create_world(db, _spec(body.world), name=body.name or "world", owner_id=auth.current_user().id,
                                    commit=True)
    db.commit()
    return jsonify(serialize.world_detail(db, world)), 201


@bp.get("/worlds/<int:world_id>")
def get_world(world_id: int):
    return jsonify(serialize.world_detail(get_session(), auth.visible_world(world_id)))


@bp.post("/worlds/<int:world_id>/fork")
def fork_world(world_id: int):
    body = schemas.parse_body(schemas.WorldFork, json_body())
    src = auth.visible_world(world_id)
    db = get_session()
    training_check(db, src, "fork", auth.current_user())
    world = worlds.fork_world(db, src, name=body.name, owner_id=auth.current_user().id)
    db.commit()
    return jsonify(serialize.world_detail(db, world)), 201


@bp.post("/worlds/<int:world_id>/reset")
def reset_world(world_id: int):
    world = auth.visible_world(world_id, manage=True)
    db = get_session()
    training_check(db, world, "reset", auth.current_user())
    worldbuild.reset_world(db, world)
    db.commit()
    return jsonify(serialize.world_detail(db, world))


@bp.delete("/worlds/<int:world_id>")
def delete_world(world_id: int):
    world = auth.visible_world(world_id, manage=True)
    db = get_session()
    training_check(db, world, "delete", auth.current_user())
    worlds.delete_world(db, world)
    db.commit()
    return jsonify({"deleted": world_id})


@bp.post("/worlds/<int:world_id>/members")
def add_member(world_id: int):
    body = schemas.parse_body(schemas.MemberAdd, json_body())
    world = auth.visible_world(world_id, manage=True)
    db = get_session()
    member = db.execute(select(User).where(User.username == body.username)).scalar_one_or_none()
    if member is None:
        raise OperationError("INVALID_INPUT", field="username", reason=f"no user {body.username!r}",
                             reason_zh=f"没有用户 {body.username}")
    worlds.add_member(db, world, member.id)
    db.commit()
    return jsonify({"world_id": world.id, "members": serialize.world_detail(db, world)["members"]})


# --- clock -------------------------------------------------------------------------------------

@bp.get("/worlds/<int:world_id>/clock")
def get_clock(world_id: int):
    world = auth.visible_world(world_id)
    return jsonify(dict(serialize.clock_view(get_session(), world), world_id=world.id))


@bp.post("/worlds/<int:world_id>/clock/advance")
def advance(world_id: int):
    body = schemas.parse_body(schemas.ClockAdvance, json_body())
    if (body.by is None) == (body.until is None):
        raise OperationError("INVALID_INPUT", field="by", reason="give exactly one of by (a duration) or until (a time)",
                             reason_zh="须给出 by（时长）或 until（时间）之一")
    auth.visible_world(world_id)
    catalogue.load_all()  # the domain modules register the jobs the advance fires
    db = get_session()
    out = advance_clock(db, world_id, by=body.by, until=body.until, user=auth.current_user(), actor="api")
    world = worlds.get_world(db, world_id)
    return jsonify(dict(out, clock=serialize.clock_view(db, world)))


@bp.post("/worlds/<int:world_id>/clock/mode")
def clock_mode(world_id: int):
    body = schemas.parse_body(schemas.ClockMode, json_body())
    world = auth.visible_world(world_id)
    catalogue.load_all()  # leaving live mode catches up through the jobs
    db = get_session()
    training_check(db, world, "clock_mode", auth.current_user())
    worlds.set_clock_mode(db, world, body.mode, body.speed)
    db.commit()
    return jsonify(dict(serialize.clock_view(db, world), world_id=world.id))


# --- operations --------------------------------------------------------------------------------

@bp.post("/worlds/<int:world_id>/ops/<name>")
def run_operation(world_id: int, name: str):
    body = schemas.parse_body(schemas.OpRequest, json_body())
    auth.visible_world(world_id)
    catalogue.get(name)  # an unknown name: INVALID_INPUT on "op", before the actor is looked at
    token = body.session or request.headers.get("X-Wangpiao-Session", "")[:200] or None
    result = execute(get_session(), world_id, body.actor, name, body.args, user=auth.current_user(), wp_token=token)
    return jsonify({"result": serialize.to_json(result)})


# --- scenarios ---------------------------------------------------------------------------------

def _read_yaml(text: str):
    return untrusted_yaml(text, "scenario")


def _scenario_document() -> dict:
    if request.is_json:
        data = json_body()
    else:
        text = request.get_data(as_text=True)
        data = _read_yaml(text) if text.strip() else None
    if isinstance(data, str):  # YAML text sent as a JSON string
        data = _read_yaml(data)
    # never hand the runner a string: it would take it for a path on this server
    if not isinstance(data, dict):
        raise OperationError("INVALID_INPUT", field="scenario", reason="a scenario is a mapping with world: and steps:",
                             reason_zh="场景须为包含 world: 与 steps: 的映射")
    return data


def _scenario_error(exc: Exception) -> OperationError:
    """The loader's ScenarioError (file, step, field, reason) as the API's INVALID_INPUT."""
    step, field = getattr(exc, "step", None), getattr(exc, "field", None)
    where = f"steps.{step}" if step is not None else None
    where = ".".join(p for p in (where, field) if p) or "scenario"
    return OperationError("INVALID_INPUT", field=where, reason=getattr(exc, "reason", None) or str(exc),
                          reason_zh=getattr(exc, "reason_zh", None))


@bp.post("/scenarios/run")
def run_scenario():
    runner = optional_module("backoffice.scenarios.runner")
    if runner is None:
        return not_available("scenario runner")
    scenario_error = getattr(optional_module("backoffice.scenarios.loader"), "ScenarioError", None) or OperationError
    try:
        data = _scenario_document()
        catalogue.load_all()
        check_quota(get_session(), auth.current_user().id)   # the run makes a world the user owns
        out = runner.run_scenario(get_session(), data, owner_id=auth.current_user().id)
    except OperationError:
        raise
    except scenario_error as exc:
        raise _scenario_error(exc) from None
    return jsonify(serialize.to_json(out))


# --- the document (public: a QA engineer reads it before having a token) -------------------------

@bp.get("/openapi.json")
def openapi():
    return jsonify(build_document(catalogue.load_all()))
