"""The operation catalogue: every change to the domain is one registered operation.

An operation is ``func(ctx, args)``: ``ctx`` carries the session, the world, the actor and the
world's clock explicitly; ``args`` is an instance of its pydantic model. Operations flush, never
commit: the door that called them (request, CLI command, scenario step) commits once.

This module knows nothing of the domains; they register themselves on import
(:func:`load_all` imports them), so the import contracts hold.
"""
from __future__ import annotations

import importlib
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Callable

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, StrictStr, ValidationError, field_validator

from .config import default_seed_path
from .errors import OperationError


# --- argument types shared by every operation ------------------------------------------------

# Amounts are stored as 64-bit integer fen: 12 digits of yuan is far beyond any real limit and
# far inside what SQLite and PostgreSQL hold (a longer amount is refused here, never a 500 there).
MAX_AMOUNT_DIGITS = 12


def _amount(v: str) -> str:
    if not re.fullmatch(r"\d+(\.\d{1,2})?", v):
        raise ValueError("must be a non-negative amount of yuan with at most two decimals, e.g. \"1000.00\"")
    if len(v.split(".")[0].lstrip("0")) > MAX_AMOUNT_DIGITS:
        raise ValueError(f"at most {MAX_AMOUNT_DIGITS} digits before the decimal point")
    try:
        Decimal(v)
    except InvalidOperation:  # pragma: no cover - the regex already guarantees it
        raise ValueError("not an amount") from None
    return v


def _invoice_no(v: str) -> str:
    if not re.fullmatch(r"\d{8}", v):
        raise ValueError("invoice numbers are 8 digits, e.g. \"00000001\"")
    return v


def _invoice_code(v: str) -> str:
    if not re.fullmatch(r"\d{10,12}", v):
        raise ValueError("an invoice code (发票代码) is 10 to 12 digits, e.g. \"150001320410\"")
    return v


# Names, refs, items and reasons fit the narrowest column that stores one (PostgreSQL refuses a
# longer value with an error, SQLite would keep it): refused here, naming the field, never a 500.
MAX_TEXT = 60


def _nonblank(v: str) -> str:
    if not v.strip():
        raise ValueError("must not be blank")
    if len(v.strip()) > MAX_TEXT or "\x00" in v:
        raise ValueError(f"at most {MAX_TEXT} characters, without NUL")
    return v.strip()


Amount = Annotated[StrictStr, AfterValidator(_amount)]
InvoiceNo = Annotated[StrictStr, AfterValidator(_invoice_no)]
InvoiceCode = Annotated[StrictStr, AfterValidator(_invoice_code)]
Text = Annotated[StrictStr, AfterValidator(_nonblank)]


class Args(BaseModel):
    """Base of every args model: unknown keys are refused, strings must be strings."""

    model_config = ConfigDict(extra="forbid", strict=True)


class RangeArgs(Args):
    """A code and an 8-digit number range whose start is not after its end."""

    code: InvoiceCode
    start: InvoiceNo
    end: InvoiceNo

    @field_validator("end")
    @classmethod
    def _order(cls, v: str, info) -> str:
        if "start" in info.data and int(info.data["start"]) > int(v):
            raise ValueError("the range's start is after its end")
        return v


# --- the registry ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Operation:
    name: str
    label_zh: str
    label_en: str
    side: str                       # jinsan | wangpiao | pc
    args_model: type[Args]
    func: Callable
    needs_login: bool = False       # 网票 operations that need a taxpayer session
    mutates: bool = True
    description: str = ""

    @property
    def roles(self) -> frozenset[str]:
        return role_rules().get(self.name, frozenset())


REGISTRY: dict[str, Operation] = {}

DOMAIN_MODULES = (
    "backoffice.jinsan.operations",
    "backoffice.sync.operations",
    "backoffice.sync.ops",
    "backoffice.wangpiao.operations",
    "backoffice.wangpiao.pc",
    "backoffice.diagnosis",
    # not a domain: the training service registers its guard with dispatch (attempt worlds' rules)
    "backoffice.training.guard",
)


def operation(name: str, *, zh: str, en: str, args: type[Args], side: str = "jinsan",
              needs_login: bool = False, mutates: bool = True):
    def register(func: Callable) -> Callable:
        if name in REGISTRY and REGISTRY[name].func is not func:
            raise RuntimeError(f"operation {name} registered twice")
        REGISTRY[name] = Operation(name, zh, en, side, args, func, needs_login, mutates,
                                   (func.__doc__ or "").strip())
        return func
    return register


def load_all() -> dict[str, Operation]:
    for module in DOMAIN_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name is None or not (module == exc.name or module.startswith(exc.name + '.')):
                raise
    return REGISTRY


def get(name: str) -> Operation:
    load_all()
    op = REGISTRY.get(name)
    if op is None:
        raise OperationError("INVALID_INPUT", field="op", reason=f"unknown operation {name!r}",
                             reason_zh=f"未知操作 {name}")
    return op


@lru_cache(maxsize=1)
def role_rules() -> dict[str, frozenset[str]]:
    """seed_data/roles.yaml: which officer roles may perform each 金三 operation."""
    data = yaml.safe_load((default_seed_path() / "roles.yaml").read_text(encoding="utf-8"))
    return {op: frozenset(roles) for op, roles in data["operations"].items()}


def parse_args(op: Operation, raw: dict | None) -> Args:
    try:
        return op.args_model.model_validate(raw or {})
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "args"
        msg = err["msg"]
        if err["type"] in ("string_type",) and isinstance(err.get("input"), (int, float)):
            msg = "a number where a string belongs: quote it"
        elif msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        raise OperationError("INVALID_INPUT", field=loc, reason=msg) from None
