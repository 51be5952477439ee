"""The docs/scenarios.md ``world:`` block and the base data files, as strict pydantic models.

Codes, invoice numbers, identifiers and amounts must be strings: YAML reads an unquoted
``00000010`` as 8, so a number where a string belongs is refused with "quote it".
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from ..catalogue import Account, Amount, AnyCode, InvoiceCode, InvoiceNo, Password, Ref, Text, digits, refuse, text
from ..clock import parse_time
from ..errors import OperationError
from ..identifiers import registration_problem, tax_id_problem


def _time(v: Any) -> datetime:
    try:
        return parse_time(v)
    except OperationError as exc:
        raise ValueError(exc.reason) from None


Time = Annotated[datetime, BeforeValidator(_time)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class OfficerSpec(Strict):
    login: Ref
    name: Ref
    role: Literal["specialist", "ds_specialist", "collection_section", "ops", "instructor"]
    office: text(20) | None = None
    password: Password | None = None


class StockSpec(Strict):
    code: InvoiceCode
    start: InvoiceNo
    end: InvoiceNo
    office: text(20) | None = None

    @field_validator("end")
    @classmethod
    def _order(cls, v, info):
        if "start" in info.data and int(info.data["start"]) > int(v):
            raise ValueError("start is after end")
        return v


class RangeSpec(Strict):
    code: InvoiceCode
    start: InvoiceNo
    end: InvoiceNo

    @field_validator("end")
    @classmethod
    def _order(cls, v, info):
        if "start" in info.data and int(info.data["start"]) > int(v):
            raise ValueError("start is after end")
        return v


IndustryCode = digits(4, 4, "an industry code is 4 digits", "行业代码为 4 位数字")


class IndustrySpec(Strict):
    code: IndustryCode
    name: Text
    items: Annotated[list[Text], Field(max_length=1000)] = []


class IndustryAssignment(Strict):
    main: Text
    secondary: Annotated[list[Text], Field(max_length=10)] = []


class DsInvoiceSpec(Strict):
    code: AnyCode
    number: InvoiceNo
    amount: Amount
    issued_at: Time


class TaxpayerSpec(Strict):
    ref: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$", max_length=60)]
    kind: Literal["unit", "individual"]
    name: text(200)
    tax_id: text(18)
    registration_no: text(20)
    specialist: Ref | None = None
    former_ds_wangpiao: bool = False
    keeps_ds_login: bool = True
    ds_account: Account | None = None
    ds_password: Password | None = None
    taxpayer_code: Account | None = None
    ca: Literal["none", "pc", "device"] = "none"
    ygz: bool = True
    enabled: bool = False
    industries: IndustryAssignment | None = None
    red_limit: Amount | None = None
    purchases: Annotated[list[RangeSpec], Field(max_length=1000)] = []
    ds_invoices: Annotated[list[DsInvoiceSpec], Field(max_length=1000)] = []
    ds_blank_invoices: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    client: Literal["guoshui", "dishui"] = "guoshui"

    @field_validator("tax_id")
    @classmethod
    def _tax_id(cls, v, info):
        problem = tax_id_problem(info.data.get("kind", "unit"), v)
        if problem:
            raise ValueError(problem)
        return v.upper()

    @field_validator("registration_no")
    @classmethod
    def _reg(cls, v):
        problem = registration_problem(v)
        if problem:
            raise ValueError(problem)
        return v

    @model_validator(mode="after")
    def _former_ds(self):
        if self.former_ds_wangpiao and not self.ds_account:
            raise ValueError("a former 地税 网票 user needs its ds_account (its 纳税人编码)")
        return self


class WorldSpec(Strict):
    start: Time
    seed: Annotated[int, Field(ge=0, le=2**31 - 1)] = 0
    base: text(40) = "default"
    officers: Annotated[list[OfficerSpec], Field(max_length=1000)] = []
    stock: Annotated[list[StockSpec], Field(max_length=1000)] | None = None
    industries: Annotated[list[IndustrySpec], Field(max_length=1000)] = []
    taxpayers: list[TaxpayerSpec] = []

    @field_validator("start")
    @classmethod
    def _within_horizon(cls, v: datetime) -> datetime:
        from ..limits import limits
        lim = limits()
        if not lim.clock_earliest <= v <= lim.clock_latest:
            raise refuse(f"the simulated clock runs from {lim.clock_earliest.isoformat()} to {lim.clock_latest.isoformat()}",
                         f"模拟时钟的范围为 {lim.clock_earliest.isoformat()} 至 {lim.clock_latest.isoformat()}")
        return v

    @field_validator("base")
    @classmethod
    def _shipped_base(cls, v: str) -> str:
        from ..seed import base_names
        names = base_names()
        if v not in names:
            raise refuse(f"no base data named {v!r} (shipped: {', '.join(names)})",
                         f"没有名为“{v}”的基础数据（可用：{'、'.join('“' + n + '”' for n in names)}）")
        return v

    @field_validator("taxpayers")
    @classmethod
    def _not_too_many(cls, v: list) -> list:
        from ..limits import limits
        most = limits().scenario_max_taxpayers
        if len(v) > most:
            raise refuse(f"at most {most} taxpayers in one world block", f"一个世界块最多 {most} 个纳税人")
        return v


def describe_validation_error(exc: ValidationError, prefix: str = "") -> tuple[str, str]:
    """(field path, reason) of the first error, with 'quote it' for numbers where strings belong."""
    err = exc.errors()[0]
    path = ".".join(str(p) for p in err["loc"])
    reason = err["msg"]
    if err["type"] == "string_type" and isinstance(err.get("input"), (int, float)) and not isinstance(err.get("input"), bool):
        reason = f"{err['input']!r} is a number where a string belongs: quote it"
    elif reason.startswith("Value error, "):
        reason = reason[len("Value error, "):]
    return (prefix + path) if path else prefix.rstrip("."), reason


def parse_world_spec(data: Any, where: str = "world") -> WorldSpec:
    from ..refusals import validation_refusal
    try:
        return WorldSpec.model_validate(data)
    except ValidationError as exc:
        raise validation_refusal(exc, prefix=f"{where}.") from None
