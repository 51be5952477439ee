"""What a world holds and what happened in it: the audit log, job runs, taxpayers, one taxpayer.
Lists are paged by cursor (:mod:`.paging`): each page costs one indexed query, whatever the size."""
from __future__ import annotations

from datetime import datetime

from flask import jsonify, request
from sqlalchemy import select

from ..audit.models import AuditEntry
from ..clock import parse_time
from ..diagnosis import diagnose
from ..errors import OperationError
from ..jinsan.models import Taxpayer
from ..sync.models import JobRun
from ..training.guard import check_world as training_check  # an exam hides the pipeline's explanations
from ..web.db import get_session
from . import auth, paging, serialize
from .views import bp, optional_module

AUDIT_LIMIT, AUDIT_MAX = 500, 5000
JOBS_LIMIT, JOBS_MAX = 200, 5000
TAXPAYERS_LIMIT, TAXPAYERS_MAX = 100, 1000
FILTER_LENGTHS = {"taxpayer": 60, "actor": 120, "operation": 40}


def _time_param(name: str):
    value = request.args.get(name)
    if not value:
        return None
    try:
        return parse_time(value)
    except OperationError as exc:
        raise OperationError("INVALID_INPUT", field=name, reason=exc.reason, reason_zh=exc.reason_zh) from None


def _time_key(key: list) -> list:
    """A (time, id) cursor with its time parsed back."""
    try:
        return [datetime.fromisoformat(key[0]), key[1]]
    except ValueError:
        raise OperationError("INVALID_INPUT", field="cursor", reason="not a cursor this list gave",
                             reason_zh="不是本列表给出的游标") from None


@bp.get("/worlds/<int:world_id>/audit")
def audit(world_id: int):
    world = auth.visible_world(world_id)
    stmt = select(AuditEntry).where(AuditEntry.world_id == world.id)
    for param, column in (("taxpayer", AuditEntry.taxpayer_ref), ("actor", AuditEntry.actor),
                          ("operation", AuditEntry.operation)):
        value = request.args.get(param)
        if value:
            if len(value) > FILTER_LENGTHS[param]:
                raise OperationError("INVALID_INPUT", field=param, reason=f"at most {FILTER_LENGTHS[param]} characters",
                                     reason_zh=f"最多 {FILTER_LENGTHS[param]} 个字符")
            stmt = stmt.where(column == value)
    since, until = _time_param("since"), _time_param("until")
    if since is not None:
        stmt = stmt.where(AuditEntry.sim_time >= since)
    if until is not None:
        stmt = stmt.where(AuditEntry.sim_time <= until)
    limit = paging.limit_param(AUDIT_LIMIT, AUDIT_MAX)
    key = paging.cursor_param((str, int))
    if key:
        stmt = stmt.where(paging.after([AuditEntry.sim_time, AuditEntry.id], _time_key(key)))
    rows = list(get_session().scalars(stmt.order_by(AuditEntry.sim_time, AuditEntry.id).limit(limit + 1)))
    rows, cursor = paging.page(rows, limit, lambda e: [e.sim_time.isoformat(), e.id])
    return jsonify({"world_id": world.id, "entries": [serialize.audit_row(e) for e in rows],
                    "truncated": cursor is not None, "next_cursor": cursor})


@bp.get("/worlds/<int:world_id>/jobs")
def jobs(world_id: int):
    world = auth.visible_world(world_id)
    limit = paging.limit_param(JOBS_LIMIT, JOBS_MAX)
    stmt = select(JobRun).where(JobRun.world_id == world.id)
    key = paging.cursor_param((str, int))
    if key:
        stmt = stmt.where(paging.after([JobRun.scheduled_for, JobRun.id], _time_key(key)))
    rows = list(get_session().scalars(stmt.order_by(JobRun.scheduled_for, JobRun.id).limit(limit + 1)))
    rows, cursor = paging.page(rows, limit, lambda r: [r.scheduled_for.isoformat(), r.id])
    return jsonify({"world_id": world.id, "runs": [serialize.job_row(r) for r in rows], "next_cursor": cursor})


@bp.get("/worlds/<int:world_id>/taxpayers")
def taxpayers(world_id: int):
    world = auth.visible_world(world_id)
    limit = paging.limit_param(TAXPAYERS_LIMIT, TAXPAYERS_MAX)
    stmt = (select(Taxpayer.ref, Taxpayer.name, Taxpayer.wangpiao_enabled)
            .where(Taxpayer.world_id == world.id))
    key = paging.cursor_param((str,))
    if key:
        stmt = stmt.where(Taxpayer.ref > key[0])
    rows = get_session().execute(stmt.order_by(Taxpayer.ref).limit(limit + 1)).all()
    rows, cursor = paging.page(rows, limit, lambda r: [r[0]])
    return jsonify({"world_id": world.id, "next_cursor": cursor,
                    "taxpayers": [{"ref": ref, "name": name, "enabled": enabled} for ref, name, enabled in rows]})


@bp.get("/worlds/<int:world_id>/taxpayers/<ref>")
def taxpayer(world_id: int, ref: str):
    world = auth.visible_world(world_id)
    if len(ref) > 60:
        raise OperationError("NOT_FOUND", field="taxpayer", reason=f"no taxpayer {ref[:60]!r} in this world",
                             reason_zh="本世界没有该纳税人")
    db = get_session()
    training_check(db, world, "pipeline", auth.current_user())
    out = serialize.taxpayer_detail(db, world, ref)
    pipeline = optional_module("backoffice.sync.pipeline")
    if pipeline is not None:
        out["pipeline"] = serialize.to_json(pipeline.pipeline(db, world, ref))
    # a read: the diagnosis is computed, not done as the audited ``diagnose`` operation
    out["diagnosis"] = serialize.to_json(diagnose(db, world, ref))
    return jsonify(out)


__all__ = ["audit", "jobs", "taxpayers", "taxpayer"]
