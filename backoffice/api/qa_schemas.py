"""Request bodies and OpenAPI entries of the QA endpoints (faults, checks, explorations)."""
from __future__ import annotations

from typing import Any

from pydantic import Field

from .schemas import Body


class FaultRequest(Body):
    """``{"fault": {"channel", "kind", "for"|"until", "by"}}`` or ``{"fault": "clear"}`` (a fault step)."""

    fault: dict[str, Any] | str = Field(examples=[{"channel": "incremental", "kind": "fail", "for": "1h"}, "clear"])


class ExplorationSubmit(Body):
    """An exploration file (as an object or as YAML text) to run in the background."""

    exploration: dict[str, Any] | str
    max: int = Field(2000, ge=1, le=20000, description="exhaustive up to this many runs, else a sample this big")
    seed: int = Field(0, ge=0, description="the seed of the random sample")


def _p(name: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


# (method, path, operationId, tag, zh, en, body model, extra parameters, success status) — as openapi.ENDPOINTS
QA_ENDPOINTS: list[tuple] = [
    ("get", "/worlds/{world_id}/check", "checkWorld", "qa", "一致性检查",
     "Consistency checks: every invariant violated, with the rows and times", None, [_p("world_id")], "200"),
    ("get", "/worlds/{world_id}/faults", "listFaults", "qa", "故障",
     "Active and recent injected faults, and the runs they failed or held back", None, [_p("world_id")], "200"),
    ("post", "/worlds/{world_id}/faults", "injectFault", "qa", "注入或清除故障",
     "Inject a fault on a sync channel, or clear every fault", FaultRequest, [_p("world_id")], "200"),
    ("post", "/explorations", "submitExploration", "qa", "提交探索",
     "Run an exploration in the background; poll it with getExploration", ExplorationSubmit, [], "202"),
    ("get", "/explorations/{job_id}", "getExploration", "qa", "探索进度与结果",
     "An exploration's state, progress and (when done) its outcome classes", None, [_p("job_id")], "200"),
    ("get", "/explorations/{job_id}/classes/{n}/scenario", "explorationScenario", "qa", "示例场景",
     "The scenario file that replays class n's smallest example and expects its outcome", None,
     [_p("job_id"), _p("n")], "200"),
    ("post", "/explorations/{job_id}/classes/{n}/replay", "replayExploration", "qa", "重放示例",
     "Build class n's smallest example as a new world you own", None, [_p("job_id"), _p("n")], "201"),
]
