"""The JSON API under /api/v1: parse, call the worlds service / clock / dispatch, render.

Every endpoint needs a bearer token (see :mod:`.auth`) and a world its user may see. Errors are
always ``{code, message_zh, message_en, field}`` with the status codes of
:mod:`backoffice.web.errors`.
"""
from __future__ import annotations

import importlib

import yaml
from flask import Blueprint, Flask, jsonify, request
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from .. import catalogue
from ..audit.models import AuditEntry
from ..clock import parse_time
from ..diagnosis import diagnose
from ..dispatch import advance_clock, execute
from ..errors import OperationError
from ..sync.models import JobRun
from ..training.guard import check_world as training_check  # attempt worlds refuse some world actions
from ..users.models import User
from ..web.db import get_session
from ..web.errors import STATUS
from .. import worldbuild
from ..worlds import service as worlds
from . import auth, schemas, serialize
from .openapi import build_document

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.before_request(auth.authenticate)

AUDIT_LIMIT, AUDIT_MAX = 500, 5000
JOBS_LIMIT = 200


def init_app(app: Flask) -> None:
    from ..web.extensions import csrf

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
    code = {400: "INVALID_INPUT", 404: "NOT_FOUND"}.get(exc.code, (exc.name or "ERROR").upper().replace(" ", "_"))
    return error_response({"code": code, "message_zh": exc.name, "message_en": exc.description,
                           "field": None}, exc.code or 500)


def not_available(what: str):
    return error_response({"code": "NOT_AVAILABLE", "message_zh": f"此功能尚未安装：{what}",
                           "message_en": f"This part of the simulator is not installed yet: {what}",
                           "field": None}, 501)


def json_body() -> dict | None:
    if not request.get_data():
        return None
    body = request.get_json(silent=True, force=True)
    if body is None:
        raise OperationError("INVALID_INPUT", field="body", reason="the request body is not valid JSON",
                             reason_zh="请求体不是有效的 JSON")
    return body


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
    return jsonify({"worlds": [serialize.world_summary(db, w) for w in worlds.visible_worlds(db, auth.current_user())]})


def _spec(raw):
    if isinstance(raw, str):
        try:
            raw = yaml.safe_load(raw)
        except yaml.YAMLError as exc:
            raise OperationError("INVALID_INPUT", field="world", reason=f"not YAML: {exc}") from None
    if raw is not None and not isinstance(raw, dict):
        raise OperationError("INVALID_INPUT", field="world", reason="a world: block is a mapping")
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
    token = body.session or request.headers.get("X-Wangpiao-Session") or None
    result = execute(get_session(), world_id, body.actor, name, body.args, user=auth.current_user(), wp_token=token)
    return jsonify({"result": serialize.to_json(result)})


# --- what happened -----------------------------------------------------------------------------

def _time_param(name: str):
    value = request.args.get(name)
    if not value:
        return None
    try:
        return parse_time(value)
    except OperationError as exc:
        raise OperationError("INVALID_INPUT", field=name, reason=exc.reason) from None


def _limit_param(default: int, maximum: int) -> int:
    raw = request.args.get("limit")
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise OperationError("INVALID_INPUT", field="limit", reason=f"a whole number from 1 to {maximum}")
    return int(raw)


@bp.get("/worlds/<int:world_id>/audit")
def audit(world_id: int):
    world = auth.visible_world(world_id)
    stmt = select(AuditEntry).where(AuditEntry.world_id == world.id)
    for param, column in (("taxpayer", AuditEntry.taxpayer_ref), ("actor", AuditEntry.actor),
                          ("operation", AuditEntry.operation)):
        if request.args.get(param):
            stmt = stmt.where(column == request.args[param])
    since, until = _time_param("since"), _time_param("until")
    if since is not None:
        stmt = stmt.where(AuditEntry.sim_time >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.sim_time <= until)
    limit = _limit_param(AUDIT_LIMIT, AUDIT_MAX)
    rows = list(get_session().scalars(stmt.order_by(AuditEntry.sim_time, AuditEntry.id).limit(limit + 1)))
    return jsonify({"world_id": world.id, "entries": [serialize.audit_row(e) for e in rows[:limit]],
                    "truncated": len(rows) > limit})


@bp.get("/worlds/<int:world_id>/jobs")
def jobs(world_id: int):
    world = auth.visible_world(world_id)
    limit = _limit_param(JOBS_LIMIT, AUDIT_MAX)
    rows = get_session().scalars(select(JobRun).where(JobRun.world_id == world.id)
                                 .order_by(JobRun.scheduled_for, JobRun.id).limit(limit))
    return jsonify({"world_id": world.id, "runs": [serialize.job_row(r) for r in rows]})


@bp.get("/worlds/<int:world_id>/taxpayers")
def taxpayers(world_id: int):
    world = auth.visible_world(world_id)
    return jsonify({"world_id": world.id, "taxpayers": serialize.taxpayer_list(get_session(), world)})


@bp.get("/worlds/<int:world_id>/taxpayers/<ref>")
def taxpayer(world_id: int, ref: str):
    world = auth.visible_world(world_id)
    db = get_session()
    training_check(db, world, "pipeline", auth.current_user())
    out = serialize.taxpayer_detail(db, world, ref)
    pipeline = optional_module("backoffice.sync.pipeline")
    if pipeline is not None:
        out["pipeline"] = serialize.to_json(pipeline.pipeline(db, world, ref))
    # a read: the diagnosis is computed, not done as the audited ``diagnose`` operation
    out["diagnosis"] = serialize.to_json(diagnose(db, world, ref))
    return jsonify(out)


# --- scenarios ---------------------------------------------------------------------------------

def _read_yaml(text: str):
    loader = optional_module("backoffice.scenarios.loader")
    if loader is not None and hasattr(loader, "read_yaml"):
        return loader.read_yaml(text, "<request>")  # the runner's own strict reading (duplicate keys …)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise OperationError("INVALID_INPUT", field="scenario", reason=f"not YAML: {exc}") from None


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
    return OperationError("INVALID_INPUT", field=where, reason=getattr(exc, "reason", None) or str(exc))


@bp.post("/scenarios/run")
def run_scenario():
    runner = optional_module("backoffice.scenarios.runner")
    if runner is None:
        return not_available("scenario runner")
    scenario_error = getattr(optional_module("backoffice.scenarios.loader"), "ScenarioError", None) or OperationError
    try:
        data = _scenario_document()
        catalogue.load_all()
        out = runner.run_scenario(get_session(), data, owner_id=auth.current_user().id)
    except OperationError:
        raise
    except scenario_error as exc:
        raise _scenario_error(exc) from None
    return jsonify(serialize.to_json(out))


# --- the document ------------------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    return jsonify(build_document(catalogue.load_all()))
