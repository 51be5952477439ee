"""The operation catalogue: every change to the domain is one registered operation.

An operation is ``func(ctx, args)``: ``ctx`` carries the session, the world, the actor and the
world's clock explicitly; ``args`` is an instance of its pydantic model. Operations flush, never
commit: the door that called them (request, CLI command, scenario step) commits once.

This module knows nothing of the domains; they register themselves on import
(:func:`load_all` imports them), so the import contracts hold.
"""
from __future__ import annotations

import difflib
import importlib
import re
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Annotated, Any, Callable

import yaml
from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt, StrictStr, ValidationError,
                      WithJsonSchema, field_validator)
from pydantic_core import PydanticCustomError

from .config import default_seed_path
from .errors import OperationError
from .limits import limits


# --- argument types shared by every operation ------------------------------------------------
# Every string has a maximum length matching the column it may end up in and refuses control
# characters (NUL included: PostgreSQL refuses it, SQLite stores it, and the two must agree).
# Digits are ASCII or full-width (Chinese input methods type full-width ones; they are normalised);
# any other script's digits are refused, so "٠٠٠٠٠٠٠١" is not an invoice number.

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_FULLWIDTH = str.maketrans("０１２３４５６７８９．－＋", "0123456789.-+")


def refuse(en: str, zh: str) -> PydanticCustomError:
    """A validation error carrying its reason in both languages (see :func:`parse_args`)."""
    return PydanticCustomError("backoffice", "{en}", {"en": en, "zh": zh})


def fullwidth_digits(v: Any) -> Any:
    return v.translate(_FULLWIDTH) if isinstance(v, str) else v


def _text_rule(max_length: int, strip: bool, blank_ok: bool) -> Callable[[str], str]:
    def check(v: str) -> str:
        if _CONTROL.search(v):
            raise refuse("must not contain control characters (NUL, line breaks, tabs …)",
                         "不得包含控制字符（空字符、换行、制表符等）")
        if strip:
            v = v.strip()
        if not blank_ok and not v.strip():
            raise refuse("must not be blank", "不得为空")
        if len(v) > max_length:
            raise refuse(f"at most {max_length} characters", f"最多 {max_length} 个字符")
        return v
    return check


def text(max_length: int, *, strip: bool = True, blank_ok: bool = False):
    """A one-line string of at most ``max_length`` characters (its column's length)."""
    return Annotated[StrictStr, AfterValidator(_text_rule(max_length, strip, blank_ok)),
                     WithJsonSchema({"type": "string", "maxLength": max_length,
                                     **({} if blank_ok else {"minLength": 1})})]


def digits(min_len: int, max_len: int, en: str, zh: str):
    """A string of ASCII (or full-width) digits, ``min_len`` to ``max_len`` of them."""
    pattern = re.compile(rf"[0-9]{{{min_len},{max_len}}}")

    def check(v: str) -> str:
        if not pattern.fullmatch(v):
            raise refuse(en, zh)
        return v
    return Annotated[StrictStr, BeforeValidator(fullwidth_digits), AfterValidator(check),
                     WithJsonSchema({"type": "string", "pattern": f"^[0-9０-９]{{{min_len},{max_len}}}$"})]


def _amount(v: str) -> str:
    if not re.fullmatch(r"[0-9]+(\.[0-9]{1,2})?", v):
        raise refuse('must be a non-negative amount of yuan with at most two decimals, e.g. "1000.00"',
                     "须为不超过两位小数的非负金额（元），如“1000.00”")
    ceiling = limits().max_amount
    if len(v) > 20 or Decimal(v) > ceiling:
        raise refuse(f"at most {ceiling} yuan", f"不得超过 {ceiling} 元")
    return v


Amount = Annotated[StrictStr, BeforeValidator(fullwidth_digits), AfterValidator(_amount),
                   WithJsonSchema({"type": "string", "pattern": r"^[0-9０-９]+([.．][0-9０-９]{1,2})?$",
                                   "examples": ["1000.00"]})]
InvoiceNo = digits(8, 8, 'invoice numbers are 8 digits, e.g. "00000001"', "发票号码为 8 位数字，如“00000001”")
InvoiceCode = digits(10, 12, 'an invoice code (发票代码) is 10 to 12 digits, e.g. "150001320410"',
                     "发票代码为 10 至 12 位数字，如“150001320410”")
# 地税 invoice codes (FAQ 5.3) are shorter than 国税 ones: void and 冲红 accept either kind.
AnyCode = digits(8, 12, "an invoice code is 8 to 12 digits", "发票代码为 8 至 12 位数字")
Text = text(100)          # item, industry (code or name), most names: String(100) columns
Ref = text(60)            # taxpayer refs, officer logins, 开票员 names: String(60) columns
LongText = text(500)      # free reasons (驳回理由): String(500)
Account = text(40)        # 网票 accounts: 纳税人编码 / 地税 account String(40), 登记序号 20
Password = text(128, strip=False, blank_ok=True)
# whole numbers are JSON integers (a string "1" is refused, as a number where a string belongs is)
Millimetres = Annotated[StrictInt, Field(ge=-1000, le=1000)]


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
            raise refuse("the range's start is after its end", "起始号码不得大于终止号码")
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
        close = difflib.get_close_matches(str(name), list(REGISTRY), n=1)
        raise OperationError("INVALID_INPUT", field="op",
                             reason=f"unknown operation “{name}”" + (f" (did you mean {close[0]}?)" if close else ""),
                             reason_zh=f"未知操作“{name}”" + (f"（是否要找 {close[0]}？）" if close else ""))
    return op


@lru_cache(maxsize=1)
def role_rules() -> dict[str, frozenset[str]]:
    """seed_data/roles.yaml: which officer roles may perform each 金三 operation."""
    data = yaml.safe_load((default_seed_path() / "roles.yaml").read_text(encoding="utf-8"))
    return {op: frozenset(roles) for op, roles in data["operations"].items()}


def parse_args(op: Operation, raw: dict | None) -> Args:
    """The operation's args model applied to ``raw``; the first problem as INVALID_INPUT, its
    reason in Chinese and English (pydantic's own English never reaches ``message_zh``)."""
    from .refusals import validation_refusal
    if raw is not None and not isinstance(raw, dict):
        raise OperationError("INVALID_INPUT", field="args", reason="the arguments are a mapping (object)",
                             reason_zh="参数须为映射（对象）")
    try:
        return op.args_model.model_validate(raw or {})
    except ValidationError as exc:
        raise validation_refusal(exc, default_field="args") from None
