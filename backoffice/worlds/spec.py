"""The docs/scenarios.md ``world:`` block and the base data files, as strict pydantic models.

Codes, invoice numbers, identifiers and amounts must be strings: YAML reads an unquoted
``00000010`` as 8, so a number where a string belongs is refused with "quote it".
"""
from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator,
                      model_validator)

from ..catalogue import Amount, InvoiceCode, InvoiceNo, Text
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
    login: Text
    name: Text
    role: Literal["specialist", "ds_specialist", "collection_section", "ops", "instructor"]
    office: str | None = None
    password: str | None = None


class StockSpec(Strict):
    code: InvoiceCode
    start: InvoiceNo
    end: InvoiceNo
    office: str | None = None

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


class IndustrySpec(Strict):
    code: Annotated[str, Field(pattern=r"^\d{4}$")]
    name: Text
    items: list[Text] = []


class IndustryAssignment(Strict):
    main: Text
    secondary: list[Text] = []


class DsInvoiceSpec(Strict):
    code: Annotated[str, Field(pattern=r"^\d{8,12}$")]
    number: Annotated[str, Field(pattern=r"^\d{8}$")]
    amount: Amount
    issued_at: Time


class TaxpayerSpec(Strict):
    ref: Annotated[str, Field(pattern=r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")]
    kind: Literal["unit", "individual"]
    name: Text
    tax_id: str
    registration_no: str
    specialist: str | None = None
    former_ds_wangpiao: bool = False
    keeps_ds_login: bool = True
    ds_account: str | None = None
    ds_password: str | None = None
    taxpayer_code: str | None = None
    ca: Literal["none", "pc", "device"] = "none"
    ygz: bool = True
    enabled: bool = False
    industries: IndustryAssignment | None = None
    red_limit: Amount | None = None
    purchases: list[RangeSpec] = []
    ds_invoices: list[DsInvoiceSpec] = []
    ds_blank_invoices: Annotated[int, Field(ge=0)] = 0
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
    seed: int = 0
    base: str = "default"
    officers: list[OfficerSpec] = []
    stock: list[StockSpec] | None = None
    industries: list[IndustrySpec] = []
    taxpayers: list[TaxpayerSpec] = []


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
    try:
        return WorldSpec.model_validate(data)
    except ValidationError as exc:
        field, reason = describe_validation_error(exc, f"{where}.")
        raise OperationError("INVALID_INPUT", field=field, reason=reason) from None
