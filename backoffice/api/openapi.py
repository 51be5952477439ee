"""The OpenAPI 3.1 document, generated: one path per catalogue operation, whose request body is the
operations's own args model (pydantic emits JSON Schema 2020-12, which OpenAPI 3.1 uses as is).

Nothing here is written per operation; an operation registered by any domain module appears in the
document as soon as it is imported. The API's own endpoints (worlds, clock, audit …) are listed
once in ``ENDPOINTS`` with their body models from :mod:`.schemas`.
"""
from __future__ import annotations

import copy
from typing import Any, Iterable

from pydantic.json_schema import models_json_schema

from ..catalogue import Operation
from . import schemas
from .qa_schemas import QA_ENDPOINTS

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
ERROR_STATUSES = {"400": "INVALID_INPUT", "401": "NOT_LOGGED_IN", "403": "FORBIDDEN", "404": "NOT_FOUND",
                  "409": "a domain refusal (its code from the failure catalogue)"}
SIDE_TAGS = {"jinsan": ("金三 operations", "金三 officer operations; actor is an officer login"),
             "wangpiao": ("网票 operations", "网票 taxpayer operations; actor is a taxpayer ref or ref/invoicer"),
             "pc": ("PC client operations", "The taxpayer's simulated PC client; actor is a taxpayer ref")}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a stable code from the failure catalogue and its messages in both languages.",
    "required": ["code", "message_zh", "message_en", "field"],
    "properties": {
        "code": {"type": "string", "examples": ["INVALID_INPUT"]},
        "message_zh": {"type": "string"},
        "message_en": {"type": "string"},
        "field": {"type": ["string", "null"], "description": "the input the error is about, if any"},
        "reason": {"type": "string", "description": "why, for INVALID_INPUT and similar"},
    },
}

WORLD_ID = {"name": "world_id", "in": "path", "required": True, "schema": {"type": "integer"}}
REF_PARAM = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string"},
             "description": "the taxpayer's ref in the world"}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"},
            "description": description}


# (method, path, operationId, tag, zh, en, body model, extra parameters, success status)
ENDPOINTS: list[tuple] = [
    ("get", "/worlds", "listWorlds", "worlds", "可见的世界", "Worlds you can see", None, [], "200"),
    ("post", "/worlds", "createWorld", "worlds", "新建世界", "Create a world (you own it)",
     schemas.WorldCreate, [], "201"),
    ("get", "/worlds/{world_id}", "getWorld", "worlds", "世界详情", "One world", None, [WORLD_ID], "200"),
    ("delete", "/worlds/{world_id}", "deleteWorld", "worlds", "删除世界", "Delete a world (owner or instructor)",
     None, [WORLD_ID], "200"),
    ("post", "/worlds/{world_id}/fork", "forkWorld", "worlds", "复制世界", "Fork a world (you own the copy)",
     schemas.WorldFork, [WORLD_ID], "201"),
    ("post", "/worlds/{world_id}/reset", "resetWorld", "worlds", "重置世界",
     "Reset a world to its start (owner or instructor)", None, [WORLD_ID], "200"),
    ("post", "/worlds/{world_id}/members", "addMember", "worlds", "添加成员",
     "Let another user see and play a world (owner or instructor)", schemas.MemberAdd, [WORLD_ID], "200"),
    ("get", "/worlds/{world_id}/clock", "getClock", "clock", "模拟时钟", "The world's clock and what fires next",
     None, [WORLD_ID], "200"),
    ("post", "/worlds/{world_id}/clock/advance", "advanceClock", "clock", "推进时钟",
     "Advance the clock, firing every job and due work on the way", schemas.ClockAdvance, [WORLD_ID], "200"),
    ("post", "/worlds/{world_id}/clock/mode", "setClockMode", "clock", "时钟模式", "Manual or live clock",
     schemas.ClockMode, [WORLD_ID], "200"),
    ("get", "/worlds/{world_id}/audit", "listAudit", "audit", "审计日志", "Audit entries, oldest first", None,
     [WORLD_ID, _query("taxpayer", "taxpayer ref"), _query("actor", "officer login or taxpayer ref"),
      _query("operation", "operation name"),
      _query("since", "ISO 8601 time with offset (inclusive)", {"type": "string", "format": "date-time"}),
      _query("until", "ISO 8601 time with offset (inclusive)", {"type": "string", "format": "date-time"}),
      _query("limit", "at most this many entries", {"type": "integer", "minimum": 1, "maximum": 5000})], "200"),
    ("get", "/worlds/{world_id}/taxpayers", "listTaxpayers", "taxpayers", "纳税人列表", "Taxpayers of the world",
     None, [WORLD_ID], "200"),
    ("get", "/worlds/{world_id}/taxpayers/{ref}", "getTaxpayer", "taxpayers", "纳税人（金三与网票对照）",
     "One taxpayer as 金三 and 网票 each hold it, side by side", None, [WORLD_ID, REF_PARAM], "200"),
    ("get", "/worlds/{world_id}/jobs", "listJobs", "clock", "任务记录", "Job runs that did something",
     None, [WORLD_ID, _query("limit", "at most this many runs", {"type": "integer", "minimum": 1})], "200"),
    ("post", "/scenarios/run", "runScenario", "scenarios", "运行场景",
     "Run a scenario document (JSON, or YAML text) in a fresh world you own", None, [], "200"),
    ("get", "/openapi.json", "openapi", "meta", "接口文档", "This document", None, [], "200"),
    *QA_ENDPOINTS,
]

# the training routes (exercise library, attempts, classes): listed beside their views
from .training import ENDPOINTS as _TRAINING_ENDPOINTS  # noqa: E402

ENDPOINTS += _TRAINING_ENDPOINTS


def _error_responses() -> dict:
    return {status: {"$ref": f"#/components/responses/E{status}"} for status in ERROR_STATUSES}


def _json_body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _model_schemas(models: Iterable[type]) -> tuple[dict, dict]:
    models = list(dict.fromkeys(models))
    refs, defs = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    return {m: refs[(m, "validation")] for m in models}, defs.get("$defs", {})


def _op_entry(op: Operation, args_ref: dict, envelope: dict) -> dict:
    body = copy.deepcopy(envelope)
    body.pop("title", None)
    body["properties"]["args"] = dict(args_ref, description="the arguments of " + op.name)
    args_schema_required = bool(op.args_model.model_json_schema().get("required"))
    body["required"] = ["actor", "args"] if args_schema_required else ["actor"]
    roles = sorted(op.roles)
    lines = [f"{op.label_zh} — {op.label_en}"]
    if op.description:
        lines.append(op.description)
    lines.append(f"Side: {op.side}." + (f" Officer roles: {', '.join(roles)}." if op.side == "jinsan" else ""))
    if op.needs_login:
        lines.append("Needs a 网票 session: pass the token a `login` returned as `session` "
                     "(or the X-Wangpiao-Session header); otherwise NOT_LOGGED_IN.")
    params = [WORLD_ID]
    if op.needs_login:
        params.append({"name": "X-Wangpiao-Session", "in": "header", "required": False,
                       "schema": {"type": "string"}, "description": "网票 session token from a login"})
    return {
        "operationId": f"op_{op.name}",
        "summary": f"{op.label_zh} / {op.label_en}",
        "description": "\n\n".join(lines),
        "tags": [SIDE_TAGS.get(op.side, (op.side,))[0]],
        "parameters": params,
        "requestBody": _json_body(body),
        "responses": {"200": {"description": "the operation succeeded",
                              "content": {"application/json": {"schema": {"$ref": REF.format(model="OpResult")}}}},
                      **_error_responses()},
        "x-operation": op.name, "x-side": op.side, "x-roles": roles, "x-needs-login": op.needs_login,
        "x-mutates": op.mutates, "x-label-zh": op.label_zh, "x-label-en": op.label_en,
    }


def build_document(registry: dict[str, Operation]) -> dict[str, Any]:
    ops = [registry[name] for name in sorted(registry)]
    body_models = [e[6] for e in ENDPOINTS if e[6] is not None]
    refs, defs = _model_schemas([*body_models, schemas.OpRequest, *(op.args_model for op in ops)])
    envelope = defs[refs[schemas.OpRequest]["$ref"].rsplit("/", 1)[1]]

    paths: dict[str, dict] = {}
    for method, path, op_id, tag, zh, en, model, params, status in ENDPOINTS:
        entry = {"operationId": op_id, "summary": f"{zh} / {en}", "tags": [tag],
                 "responses": {status: {"description": en,
                                        "content": {"application/json": {"schema": {"type": "object"}}}},
                               **_error_responses()}}
        if params:
            entry["parameters"] = params
        if model is not None:
            entry["requestBody"] = _json_body(refs[model], required=False)
        if op_id == "runScenario":
            entry["requestBody"] = {"required": True, "content": {
                "application/json": {"schema": {"type": "object", "description": "a scenario (docs/scenarios.md)"}},
                "application/yaml": {"schema": {"type": "string"}},
                "text/plain": {"schema": {"type": "string"}}}}
            entry["responses"]["501"] = {"$ref": "#/components/responses/E501"}
        paths.setdefault(PREFIX + path, {})[method] = entry
    for op in ops:
        paths[f"{PREFIX}/worlds/{{world_id}}/ops/{op.name}"] = {"post": _op_entry(op, refs[op.args_model], envelope)}

    components_schemas = dict(defs)
    components_schemas["Error"] = ERROR_SCHEMA
    components_schemas["OpResult"] = {"type": "object", "required": ["result"],
                                      "properties": {"result": {"type": "object"}}}
    responses = {f"E{status}": {"description": what, "content": {"application/json": {
        "schema": {"$ref": REF.format(model="Error")}}}} for status, what in ERROR_STATUSES.items()}
    responses["E501"] = {"description": "NOT_AVAILABLE: this part of the simulator is not installed",
                         "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}}}
    tags = [{"name": n, "description": d} for n, d in (
        ("worlds", "Worlds: isolated copies of 金三, 清分库 and 网票"), ("clock", "The simulated clock and jobs"),
        ("audit", "The audit log"), ("taxpayers", "A taxpayer as each side holds it"),
        ("scenarios", "Scenario runs"), ("meta", "This document"),
        ("qa", "QA: injected faults, consistency checks, explorations of event orders"),
        ("training", "Exercises, graded attempts and classes"))]
    tags += [{"name": n, "description": d} for n, d in SIDE_TAGS.values()]
    return {
        "openapi": "3.1.0",
        "info": {"title": "backoffice — 金三 / 网票 simulator API", "version": "1",
                 "description": "Every operation of the catalogue is one POST under /api/v1/worlds/{world_id}/ops/. "
                                "Errors are {code, message_zh, message_en, field}."},
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": tags,
        "paths": paths,
        "components": {"schemas": components_schemas, "responses": responses,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "description": "backoffice token create USER"}}},
    }
