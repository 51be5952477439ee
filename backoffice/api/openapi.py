"""The OpenAPI 3.1 document, generated: one path per catalogue operation, whose request body is the
operations's own args model (pydantic emits JSON Schema 2020-12, which OpenAPI 3.1 uses as is), and
every response typed by a model of :mod:`.responses`.

Nothing here is written per operation; an operation registered by any domain module appears in the
document as soon as it is imported. The API's own endpoints (worlds, clock, audit …) are a registry,
``ENDPOINTS``: a module that adds routes to the API blueprint describes them with
:func:`register_endpoint` next to the route, and they appear in the document and on the reference
page (``/api/v1/docs``).
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any, Iterable

from pydantic.json_schema import models_json_schema

from ..catalogue import Operation
from . import responses as R
from . import responses_more as M
from . import schemas

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
ERROR_STATUSES = {"400": "INVALID_INPUT", "401": "NOT_LOGGED_IN", "403": "FORBIDDEN", "404": "NOT_FOUND",
                  "409": "a domain refusal (its code from the failure catalogue)",
                  "413": "REQUEST_TOO_LARGE: the body is larger than the server accepts",
                  "422": "IDEMPOTENCY_KEY_REUSED: the key came first with another request"}
SIDE_TAGS = {"jinsan": ("金三 operations", "金三 officer operations; actor is an officer login"),
             "wangpiao": ("网票 operations", "网票 taxpayer operations; actor is a taxpayer ref or ref/invoicer"),
             "pc": ("PC client operations", "The taxpayer's simulated PC client; actor is a taxpayer ref")}

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every error: a stable code from the failure catalogue and its messages in both languages.",
    "required": ["code", "message_zh", "message_en", "field"],
    "properties": {
        "code": {"type": "string", "examples": ["INVALID_INPUT"]},
        "message_zh": {"type": "string", "description": "in Chinese (codes and identifiers excepted)"},
        "message_en": {"type": "string", "description": "in English (quoted input and the FAQ's names excepted)"},
        "field": {"type": ["string", "null"], "description": "the input the error is about, named as in the request"},
        "reason": {"type": "string", "description": "why, for INVALID_INPUT and similar"},
    },
}

WORLD_ID = {"name": "world_id", "in": "path", "required": True,
            "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}}
REF_PARAM = {"name": "ref", "in": "path", "required": True, "schema": {"type": "string", "maxLength": 60},
             "description": "the taxpayer's ref in the world"}
IDEMPOTENCY = {"name": "Idempotency-Key", "in": "header", "required": False,
               "schema": {"type": "string", "pattern": "^[!-~]{1,200}$"},
               "description": "a key of your choosing: a retry with the same key and body gets the first "
                              "response again (header Idempotent-Replayed: true) and changes nothing"}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema or {"type": "string"},
            "description": description}


def paged(maximum: int, default: int) -> list[dict]:
    """The ``limit`` and ``cursor`` parameters of a paged list."""
    return [_query("limit", f"at most this many rows (default {default})",
                   {"type": "integer", "minimum": 1, "maximum": maximum}),
            _query("cursor", "the next_cursor of the previous page", {"type": "string", "maxLength": 400})]


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str                       # under /api/v1
    operation_id: str
    tag: str
    zh: str
    en: str
    body: type | None = None        # request body model (schemas.Body)
    params: list = field(default_factory=list)
    status: str = "200"
    response: type | None = None    # response model (responses.Out)
    public: bool = False            # readable without a token
    body_schema: dict | None = None  # a hand-written request body (instead of a model)
    extra_content: dict | None = None  # media types the success response may have besides JSON


ENDPOINTS: list[Endpoint] = []


def register_endpoint(endpoint: Endpoint) -> Endpoint:
    """Describe one route of the API blueprint in the document (a method and path once)."""
    for i, e in enumerate(ENDPOINTS):
        if (e.method, e.path) == (endpoint.method, endpoint.path):
            ENDPOINTS[i] = endpoint
            return endpoint
    ENDPOINTS.append(endpoint)
    return endpoint


def public_paths() -> set[str]:
    return {PREFIX + e.path for e in ENDPOINTS if e.public}


for _e in (
    Endpoint("get", "/worlds", "listWorlds", "worlds", "可见的世界", "Worlds you can see, oldest first, a page at a time",
             params=paged(500, 100), response=R.WorldPage),
    Endpoint("post", "/worlds", "createWorld", "worlds", "新建世界", "Create a world (you own it; counts against your quota)",
             body=schemas.WorldCreate, status="201", response=R.WorldDetail),
    Endpoint("get", "/worlds/{world_id}", "getWorld", "worlds", "世界详情", "One world", params=[WORLD_ID],
             response=R.WorldDetail),
    Endpoint("delete", "/worlds/{world_id}", "deleteWorld", "worlds", "删除世界", "Delete a world (owner or instructor)",
             params=[WORLD_ID], response=R.Deleted),
    Endpoint("post", "/worlds/{world_id}/fork", "forkWorld", "worlds", "复制世界", "Fork a world (you own the copy)",
             body=schemas.WorldFork, params=[WORLD_ID], status="201", response=R.WorldDetail),
    Endpoint("post", "/worlds/{world_id}/reset", "resetWorld", "worlds", "重置世界",
             "Reset a world to its start (owner or instructor)", params=[WORLD_ID], response=R.WorldDetail),
    Endpoint("post", "/worlds/{world_id}/members", "addMember", "worlds", "添加成员",
             "Let another user see and play a world (owner or instructor)", body=schemas.MemberAdd,
             params=[WORLD_ID], response=R.Members),
    Endpoint("get", "/worlds/{world_id}/clock", "getClock", "clock", "模拟时钟", "The world's clock and what fires next",
             params=[WORLD_ID], response=R.WorldClock),
    Endpoint("post", "/worlds/{world_id}/clock/advance", "advanceClock", "clock", "推进时钟",
             "Advance the clock, firing every job and due work on the way", body=schemas.ClockAdvance,
             params=[WORLD_ID], response=R.AdvanceResult),
    Endpoint("post", "/worlds/{world_id}/clock/mode", "setClockMode", "clock", "时钟模式", "Manual or live clock",
             body=schemas.ClockMode, params=[WORLD_ID], response=R.WorldClock),
    Endpoint("get", "/worlds/{world_id}/audit", "listAudit", "audit", "审计日志", "Audit entries, oldest first",
             params=[WORLD_ID, _query("taxpayer", "taxpayer ref", {"type": "string", "maxLength": 60}),
                     _query("actor", "officer login or taxpayer ref", {"type": "string", "maxLength": 120}),
                     _query("operation", "operation name", {"type": "string", "maxLength": 40}),
                     _query("since", "ISO 8601 time with offset (inclusive)", {"type": "string", "format": "date-time"}),
                     _query("until", "ISO 8601 time with offset (inclusive)", {"type": "string", "format": "date-time"}),
                     *paged(5000, 500)], response=R.AuditPage),
    Endpoint("get", "/worlds/{world_id}/taxpayers", "listTaxpayers", "taxpayers", "纳税人列表",
             "Taxpayers of the world by ref, a page at a time", params=[WORLD_ID, *paged(1000, 100)],
             response=R.TaxpayerPage),
    Endpoint("get", "/worlds/{world_id}/taxpayers/{ref}", "getTaxpayer", "taxpayers", "纳税人（金三与网票对照）",
             "One taxpayer as 金三 and 网票 each hold it, side by side", params=[WORLD_ID, REF_PARAM],
             response=R.TaxpayerDetail),
    Endpoint("get", "/worlds/{world_id}/jobs", "listJobs", "clock", "任务记录", "Job runs that did something, oldest first",
             params=[WORLD_ID, *paged(5000, 200)], response=R.JobsPage),
    Endpoint("post", "/scenarios/run", "runScenario", "scenarios", "运行场景",
             "Run a scenario document (JSON, or YAML text) in a fresh world you own", response=R.ScenarioRun,
             body_schema={"required": True, "content": {
                 "application/json": {"schema": {"type": "object", "description": "a scenario (docs/scenarios.md)"}},
                 "application/yaml": {"schema": {"type": "string"}},
                 "text/plain": {"schema": {"type": "string"}}}}),
    Endpoint("get", "/openapi.json", "openapi", "meta", "接口文档", "This document (no token needed)",
             response=R.OpenApiDocument, public=True),
):
    register_endpoint(_e)


def _error_responses() -> dict:
    return {status: {"$ref": f"#/components/responses/E{status}"} for status in ERROR_STATUSES}


def _json_body(schema: dict, required: bool = True) -> dict:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _model_schemas(inputs: Iterable[type], outputs: Iterable[type]) -> tuple[dict, dict, dict]:
    """JSON schemas of request models (validation) and response models (serialization), sharing
    one $defs; returns (input refs, output refs, defs)."""
    inputs, outputs = list(dict.fromkeys(inputs)), list(dict.fromkeys(outputs))
    pairs = [(m, "validation") for m in inputs] + [(m, "serialization") for m in outputs]
    refs, defs = models_json_schema(pairs, ref_template=REF)
    return ({m: refs[(m, "validation")] for m in inputs}, {m: refs[(m, "serialization")] for m in outputs},
            defs.get("$defs", {}))


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
    params = [WORLD_ID, IDEMPOTENCY]
    if op.needs_login:
        params.append({"name": "X-Wangpiao-Session", "in": "header", "required": False,
                       "schema": {"type": "string", "maxLength": 200}, "description": "网票 session token from a login"})
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
    body_models = [e.body for e in ENDPOINTS if e.body is not None]
    response_models = [e.response for e in ENDPOINTS if e.response is not None] + [R.OpResult]
    refs, out_refs, defs = _model_schemas([*body_models, schemas.OpRequest, *(op.args_model for op in ops)],
                                          response_models)
    envelope = copy.deepcopy(defs[refs[schemas.OpRequest]["$ref"].rsplit("/", 1)[1]])

    paths: dict[str, dict] = {}
    for e in ENDPOINTS:
        schema = out_refs[e.response] if e.response is not None else {"type": "object"}
        content = {"application/json": {"schema": schema}, **(e.extra_content or {})}
        entry = {"operationId": e.operation_id, "summary": f"{e.zh} / {e.en}", "tags": [e.tag],
                 "responses": {e.status: {"description": e.en, "content": content}, **_error_responses()}}
        params = list(e.params) + ([IDEMPOTENCY] if e.method == "post" else [])
        if params:
            entry["parameters"] = params
        if e.body is not None:
            entry["requestBody"] = _json_body(refs[e.body], required=False)
        if e.body_schema is not None:
            entry["requestBody"] = e.body_schema
        if e.public:
            entry["security"] = []
        if e.operation_id == "runScenario":
            entry["responses"]["501"] = {"$ref": "#/components/responses/E501"}
        paths.setdefault(PREFIX + e.path, {})[e.method] = entry
    for op in ops:
        paths[f"{PREFIX}/worlds/{{world_id}}/ops/{op.name}"] = {"post": _op_entry(op, refs[op.args_model], envelope)}

    components_schemas = dict(defs)
    components_schemas["Error"] = ERROR_SCHEMA
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
                                "Errors are {code, message_zh, message_en, field}. Lists are paged with "
                                "?limit= and ?cursor= (the previous page's next_cursor). Every POST accepts "
                                "an Idempotency-Key header. A readable reference: /api/v1/docs."},
        "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
        "servers": [{"url": "/"}],
        "security": [{"bearerAuth": []}],
        "tags": tags,
        "paths": paths,
        "components": {"schemas": components_schemas, "responses": responses,
                       "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer",
                                                          "description": "backoffice token create USER"}}},
    }


def register_rows(rows: Iterable[tuple]) -> None:
    """Describe routes given as (method, path, operationId, tag, zh, en, body model, parameters,
    status) rows, as the QA and training blueprints list theirs beside their views; their response
    models are in :data:`ROW_RESPONSES`."""
    for method, path, op_id, tag, zh, en, body, params, status in rows:
        register_endpoint(Endpoint(method, path, op_id, tag, zh, en, body=body, params=list(params), status=status,
                                   response=ROW_RESPONSES[op_id], extra_content=ROW_CONTENT.get(op_id)))


ROW_RESPONSES = {
    "checkWorld": M.CheckReport, "listFaults": M.FaultOverview, "injectFault": M.FaultChange,
    "submitExploration": M.ExplorationJob, "getExploration": M.ExplorationJob,
    "explorationScenario": M.ExplorationScenario, "replayExploration": R.WorldDetail,
    "listExercises": M.ExerciseList, "startExercise": M.AttemptSummary, "listAttempts": M.AttemptList,
    "getAttempt": M.AttemptDetail, "takeHint": M.Hint, "submitAttempt": M.GradedResult,
    "getResult": M.GradedResult, "listClasses": M.ClassList, "createClass": M.ClassCreated,
    "addClassMembers": M.MembersAdded, "assignExercises": M.Assignments, "classBoard": M.ClassBoard,
}
# what a route may answer besides JSON
ROW_CONTENT = {"classBoard": {"text/csv": {"schema": {"type": "string"}}}}


# the QA routes (faults, checks, explorations) and the training routes (exercise library, attempts,
# classes), listed beside their views
from .qa_schemas import QA_ENDPOINTS  # noqa: E402
from .training import ENDPOINTS as _TRAINING_ENDPOINTS  # noqa: E402

register_rows([*QA_ENDPOINTS, *_TRAINING_ENDPOINTS])
