"""The QA endpoints under /api/v1: consistency checks, injected faults, explorations.

Same rules as the rest of the API (:mod:`.views`): a bearer token, a world its user may see,
errors as ``{code, message_zh, message_en, field}``. Explorations run in the background
(:mod:`backoffice.explore.jobs`); submitting answers 202 with the job to poll.
"""
from __future__ import annotations

import yaml
from flask import Blueprint, Flask, current_app, jsonify
from werkzeug.exceptions import HTTPException

from ..checks.service import check_world
from ..clock import fmt
from ..errors import OperationError
from ..explore import jobs
from ..explore.loader import ExplorationError
from ..explore.scenario import class_scenario, dump
from ..sync import faults
from ..web.db import get_session
from . import auth, serialize
from .qa_schemas import ExplorationSubmit, FaultRequest
from .schemas import parse_body
from .views import _http_error, _operation_error, json_body

bp = Blueprint("api_qa", __name__, url_prefix="/api/v1")
bp.before_request(auth.authenticate)
bp.register_error_handler(OperationError, _operation_error)
bp.register_error_handler(HTTPException, _http_error)


def init_app(app: Flask) -> None:
    from ..web.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)


def _invalid(exc: ExplorationError) -> OperationError:
    return OperationError("INVALID_INPUT", field=f"exploration.{exc.field}" if exc.field else "exploration",
                          reason=exc.reason, reason_zh=exc.reason_zh)


@bp.get("/worlds/<int:world_id>/check")
def check(world_id: int):
    world = auth.visible_world(world_id)
    db = get_session()
    out = check_world(db, world)
    db.rollback()
    return jsonify(out)


@bp.get("/worlds/<int:world_id>/faults")
def list_faults(world_id: int):
    world = auth.visible_world(world_id)
    db = get_session()
    out = dict(faults.overview(db, world), world_id=world.id, at=fmt(world.clock_now))
    db.rollback()
    return jsonify(out)


@bp.post("/worlds/<int:world_id>/faults")
def inject(world_id: int):
    body = parse_body(FaultRequest, json_body())
    auth.visible_world(world_id)
    user = auth.current_user()
    return jsonify(faults.apply_step(get_session(), world_id, body.fault, user=user, actor="api"))


def _job_json(job) -> dict:
    return {"id": job.id, "name": job.name, "state": jobs.state(job), "runs_done": job.runs_done,
            "runs_total": job.runs_total, "max": job.max_runs, "seed": job.seed, "error": job.error,
            "created": job.created_wall.isoformat(timespec="seconds") if job.created_wall else None,
            "result": job.result}


@bp.post("/explorations")
def submit():
    body = parse_body(ExplorationSubmit, json_body())
    source = body.exploration if isinstance(body.exploration, str) else \
        yaml.safe_dump(body.exploration, allow_unicode=True, sort_keys=False)
    try:
        job = jobs.submit(get_session(), owner_id=auth.current_user().id, source=source, max_runs=body.max,
                          seed=body.seed)
    except ExplorationError as exc:
        raise _invalid(exc) from None
    jobs.start(current_app._get_current_object(), job.id)
    db = get_session()
    db.refresh(job)
    return jsonify(_job_json(job)), 202


def _job(job_id: int):
    job = jobs.visible_job(get_session(), auth.current_user(), job_id)
    if job is None:
        raise OperationError("NOT_FOUND", field="job_id", reason=f"no exploration {job_id} of yours")
    return job


@bp.get("/explorations/<int:job_id>")
def get_job(job_id: int):
    return jsonify(_job_json(_job(job_id)))


def _class(job_id: int, n: int):
    job = _job(job_id)
    classes = (job.result or {}).get("classes") or []
    if not 1 <= n <= len(classes):
        raise OperationError("NOT_FOUND", field="n", reason=f"the exploration has {len(classes)} classes (so far)")
    return job, jobs.parse(job.source, f"exploration {job.id}"), classes[n - 1]


@bp.get("/explorations/<int:job_id>/classes/<int:n>/scenario")
def scenario(job_id: int, n: int):
    _job_, exploration, cls = _class(job_id, n)
    doc = class_scenario(exploration, cls)
    return jsonify({"scenario": serialize.to_json(doc), "yaml": dump(doc)})


@bp.post("/explorations/<int:job_id>/classes/<int:n>/replay")
def replay(job_id: int, n: int):
    from ..explore.engine import replay as replay_example
    from ..worlds.service import get_world
    _job_, exploration, cls = _class(job_id, n)
    db = get_session()
    world_id = replay_example(db, exploration, cls["example"], owner_id=auth.current_user().id)
    return jsonify(serialize.world_detail(db, get_world(db, world_id))), 201
