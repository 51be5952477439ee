"""Request bodies of the API's own endpoints (worlds, clock, ops envelope).

Operation arguments are not here: they are each operation's args model in the catalogue. These
models validate the bodies and also feed the generated OpenAPI document, so the two cannot drift.
"""
from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..catalogue import text
from ..errors import OperationError
from ..refusals import validation_refusal


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class WorldCreate(Body):
    """A new world from the base data plus an optional docs/scenarios.md ``world:`` block."""

    name: text(200) | None = None
    world: dict[str, Any] | str | None = Field(
        None, description="a docs/scenarios.md world: block, as an object or as YAML text")


class WorldFork(Body):
    name: text(200) | None = None


class MemberAdd(Body):
    username: text(80)


class ClockAdvance(Body):
    """Give exactly one of ``by`` (a duration such as 20m, 2h30m, 1d) or ``until`` (ISO 8601 with offset)."""

    by: text(40) | None = Field(None, examples=["2h"])
    until: text(60) | None = Field(None, examples=["2016-05-04T02:00:00+08:00"])


class ClockMode(Body):
    mode: Literal["manual", "live"]
    speed: float | None = Field(None, gt=0, le=10000, description="simulated seconds per wall second (live)")


class OpRequest(Body):
    """The envelope of every operation call; ``args`` is the operation's own args model."""

    actor: text(120) = Field(description="an officer login (金三 operations) or a taxpayer ref, "
                                         "optionally ref/invoicer (网票 and PC operations)")
    args: dict[str, Any] = Field(default_factory=dict)
    session: text(200) | None = Field(None, description="网票 session token from a login (or header X-Wangpiao-Session)")


def parse_body(model: type[Body], raw: Any) -> Body:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise OperationError("INVALID_INPUT", field="body", reason="the request body must be a JSON object",
                             reason_zh="请求体须为 JSON 对象")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise validation_refusal(exc, default_field="body") from None
