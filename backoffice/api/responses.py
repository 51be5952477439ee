"""Response bodies of the API, typed: the OpenAPI document is generated from these models, and the
fuzzing tests check every response against it, so serialisation and document cannot drift.

Objects allow properties not listed (a later version may add some); the properties listed are
always there with the types given. Times are ISO 8601 strings in +08:00, amounts strings of yuan,
invoice numbers 8-digit strings, as in scenario files.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Out(BaseModel):
    model_config = ConfigDict(extra="allow")


Time = str
NullableTime = str | None


class NextEvent(Out):
    time: Time
    job: str


class ClockView(Out):
    now: Time
    mode: str = Field(description="manual | live")
    speed: float
    start: Time
    next_events: list[NextEvent]


class WorldClock(ClockView):
    world_id: int


class WorldSummary(Out):
    id: int
    name: str
    owner: str | None
    now: Time
    mode: str
    speed: float
    start: Time
    seed: int
    created: NullableTime


class WorldDetail(WorldSummary):
    members: list[str]
    spec: dict[str, Any]
    clock: ClockView


class WorldPage(Out):
    worlds: list[WorldSummary]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null: no more")


class Deleted(Out):
    deleted: int


class Members(Out):
    world_id: int
    members: list[str]


class FiredEvent(Out):
    time: Time
    job: str
    items: int


class AdvanceResult(Out):
    from_: Time = Field(alias="from")
    to: Time
    events: list[FiredEvent]
    clock: ClockView


class AuditRow(Out):
    id: int
    seq: int | None
    sim_time: Time
    wall_time: Time
    actor: str
    actor_kind: str
    user_id: int | None
    operation: str
    taxpayer: str | None
    args: Any
    result: Any
    error_code: str | None
    error_field: str | None
    ok: bool


class AuditPage(Out):
    world_id: int
    entries: list[AuditRow]
    truncated: bool
    next_cursor: str | None


class JobRunRow(Out):
    id: int
    job: str
    scheduled_for: Time
    items: int
    detail: Any
    finished_wall: NullableTime


class JobsPage(Out):
    world_id: int
    runs: list[JobRunRow]
    next_cursor: str | None


class TaxpayerRow(Out):
    ref: str
    name: str
    enabled: bool


class TaxpayerPage(Out):
    world_id: int
    taxpayers: list[TaxpayerRow]
    next_cursor: str | None


class Range(Out):
    code: str
    start: str
    end: str


class IndustryRef(Out):
    code: str
    name: str | None


class Industries(Out):
    main: IndustryRef | None
    secondary: list[IndustryRef]


class JinsanView(Out):
    taxpayer: dict[str, Any]
    red_limit: str | None
    industries: Industries
    sales: list[dict[str, Any]]
    returns: list[dict[str, Any]]
    pending_changes: list[dict[str, Any]]
    item_requests: list[dict[str, Any]]


class InvoicerView(Out):
    name: str
    is_admin: bool
    red_amount: str | None
    cache_amount: str | None
    segments: list[Range]


class WangpiaoView(Out):
    account: dict[str, Any] | None
    red_limit: str | None
    industries: Industries
    purchases: list[dict[str, Any]]
    invoicers: list[InvoicerView]
    invoices: list[dict[str, Any]]
    ds_invoices: list[dict[str, Any]]
    printer: list[dict[str, Any]]


class PcView(Out):
    installs: list[dict[str, Any]]
    leftovers: list[str]
    ds_ca_cache: bool
    ca_cache_stuck: bool


class TaxpayerDetail(Out):
    ref: str
    now: Time
    jinsan: JinsanView
    wangpiao: WangpiaoView
    pc: PcView | None
    pipeline: dict[str, Any] | None = Field(None, description="what is on its way between 金三 and 网票, and when")


class OpResult(Out):
    result: dict[str, Any] = Field(description="the operation's result (its keys depend on the operation)")


class StepRow(Out):
    n: int
    time: Time
    actor: str
    op: str
    outcome: str
    ok: bool
    expected: Any
    got: Any


class ScenarioRun(Out):
    world_id: int
    ok: bool
    steps: list[StepRow]
    name: str
    faq: str | None


class OpenApiDocument(Out):
    openapi: str
    info: dict[str, Any]
    paths: dict[str, Any]
