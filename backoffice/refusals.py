"""Validation errors in both languages.

pydantic explains a refusal in English only ("Field required", "Input should be …"). Every door
turns the first error of a ValidationError into an INVALID_INPUT naming the field as the request
names it, with a Chinese and an English reason: our own rules carry both (``catalogue.refuse``),
pydantic's error types are translated here. Anything not known gets a neutral reason in each
language rather than pydantic's English inside ``message_zh``.
"""
from __future__ import annotations

import re
from typing import Any

from pydantic import ValidationError

from .errors import OperationError

# error type → (English, Chinese); {name} placeholders come from the error's ctx
MESSAGES: dict[str, tuple[str, str]] = {
    "missing": ("required", "必填"),
    "extra_forbidden": ("unknown: not accepted here", "未知参数：此处不接受"),
    "string_type": ("must be a string", "须为文本（字符串）"),
    "string_too_short": ("must not be blank", "不得为空"),
    "string_too_long": ("at most {max_length} characters", "最多 {max_length} 个字符"),
    "string_pattern_mismatch": ("does not have the expected form", "格式不符"),
    "string_unicode": ("must be valid text", "须为有效文本"),
    "bool_type": ("must be true or false", "须为 true 或 false"),
    "bool_parsing": ("must be true or false", "须为 true 或 false"),
    "int_type": ("must be a whole number", "须为整数"),
    "int_parsing": ("must be a whole number", "须为整数"),
    "int_from_float": ("must be a whole number", "须为整数"),
    "int_parsing_size": ("the number is too large", "数值过大"),
    "float_type": ("must be a number", "须为数字"),
    "float_parsing": ("must be a number", "须为数字"),
    "finite_number": ("must be a finite number", "须为有限数值"),
    "greater_than": ("must be greater than {gt}", "须大于 {gt}"),
    "greater_than_equal": ("must be at least {ge}", "不得小于 {ge}"),
    "less_than": ("must be less than {lt}", "须小于 {lt}"),
    "less_than_equal": ("must be at most {le}", "不得大于 {le}"),
    "list_type": ("must be a list", "须为列表"),
    "too_long": ("at most {max_length} items", "最多 {max_length} 项"),
    "too_short": ("at least {min_length} items", "至少 {min_length} 项"),
    "dict_type": ("must be a mapping (object)", "须为映射（对象）"),
    "model_type": ("must be a mapping (object)", "须为映射（对象）"),
    "model_attributes_type": ("must be a mapping (object)", "须为映射（对象）"),
    "datetime_type": ("must be an ISO 8601 time with offset", "须为带时区偏移的 ISO 8601 时间"),
    "datetime_parsing": ("must be an ISO 8601 time with offset", "须为带时区偏移的 ISO 8601 时间"),
    "recursion_loop": ("nests too deeply", "嵌套过深"),
    "union_tag_invalid": ("is not one of the allowed kinds", "不是允许的类型之一"),
}
NEUTRAL = ("does not satisfy the rules of this field", "不符合该字段的规则")


def _choices(expected: str) -> list[str]:
    return re.findall(r"'([^']*)'", expected) or [expected]


def reasons(err: dict) -> tuple[str, str]:
    """(English, Chinese) reason of one pydantic error dict."""
    kind, ctx, value = err.get("type", ""), err.get("ctx") or {}, err.get("input")
    if kind == "backoffice":
        return str(ctx.get("en")), str(ctx.get("zh"))
    if kind == "string_type" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return "a number where a string belongs: quote it", "此处须为带引号的文本，而不是数字：请加引号"
    if kind in ("literal_error", "enum"):
        options = _choices(str(ctx.get("expected", "")))
        return "must be one of " + ", ".join(options), "须为以下之一：" + "、".join(options)
    if kind == "value_error":
        # a plain ValueError raised by a validator: its text is English; Chinese gets the neutral reason
        msg = str(err.get("msg", "")).removeprefix("Value error, ")
        return msg or NEUTRAL[0], NEUTRAL[1]
    en, zh = MESSAGES.get(kind, NEUTRAL)
    fields = {k: v for k, v in ctx.items() if isinstance(v, (int, float, str))}
    try:
        return en.format(**fields), zh.format(**fields)
    except (KeyError, IndexError):
        return NEUTRAL


def field_path(err: dict, default: str = "args", prefix: str = "") -> str:
    loc = ".".join(str(p) for p in err.get("loc", ()))
    return prefix + loc if loc else (prefix.rstrip(".") or default)


def validation_refusal(exc: ValidationError, *, default_field: str = "args", prefix: str = "") -> OperationError:
    """The first error of ``exc`` as INVALID_INPUT with the field as the request names it."""
    err = exc.errors(include_url=False)[0]
    en, zh = reasons(err)
    return OperationError("INVALID_INPUT", field=field_path(err, default_field, prefix), reason=en, reason_zh=zh)


def describe(value: Any) -> str:
    """User input quoted for a message, shortened: “…”."""
    text = str(value)
    text = re.sub(r"[\x00-\x1f\x7f-\x9f]", "?", text)
    return "“" + (text if len(text) <= 40 else text[:40] + "…") + "”"


# --- which words a message may hold in the other language --------------------------------------
# A Chinese message holds no English word, except: failure codes (UPPER_SNAKE), identifiers a user
# types (argument and field names, operation names, enum values such as guoshui or latest),
# technical names (CA, PC, U-Key, ISO, JSON, YAML, NUL …) and user input quoted “…”. An English
# message holds no Chinese, except the FAQ's proper names below (the systems, offices and screens
# the FAQ names, which a Chongqing officer knows by their Chinese names) and user input quoted.

ZH_TECHNICAL = {"CA", "PC", "U-Key", "UKey", "Key", "ISO", "JSON", "YAML", "NUL", "ASCII", "API", "FAQ", "ID", "URL",
                "true", "false", "null", "Bearer", "Authorization", "Idempotency-Key", "Retry-After", "GET", "POST",
                "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "www", "cn", "exe", "setup", "e.g", "Z"}
EN_PROPER_NAMES = ("网票", "金三", "地税", "国税", "营改增", "清分库", "机具", "系统管理员", "开票员", "发票代码",
                   "冲红限额", "统一社会信用代码", "纳税人编码", "登记序号", "识别号", "征管科", "专管员",
                   "国税版(营改增)", "国税版（营改增）", "地税版", "地税作废冲红版", "作废冲红版", "初始化密码",
                   "金税通网络发票", "下载专区", "附行业", "行业", "品目")
_QUOTED = re.compile(r"“[^”]*”|「[^」]*」|'[^']*'|\"[^\"]*\"")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_\-.]*")


def english_leaks(message_zh: str, identifiers: set[str] = frozenset()) -> list[str]:
    """English words in a Chinese message that are not codes, identifiers or quoted input."""
    text = _QUOTED.sub(" ", message_zh)

    def allowed(w: str) -> bool:
        return (len(w) < 2 or bool(re.fullmatch(r"[A-Z][A-Z0-9_]+", w)) or w in ZH_TECHNICAL or w in identifiers
                or "_" in w or bool(re.fullmatch(r"[0-9A-Za-z]*[0-9][0-9A-Za-z]*", w)))
        # snake_case identifiers, refs and codes with digits (acme1, 150001320410) pass as identifiers

    leaks = []
    for word in _WORD.findall(text):
        w = word.strip(".-")
        parts = w.split(".") if "." in w else [w]     # a field path: world.taxpayers.0.name
        if not all(allowed(p) for p in parts):
            leaks.append(word)
    return leaks


def chinese_leaks(message_en: str) -> list[str]:
    """Chinese in an English message that is neither one of the FAQ's proper names nor quoted input."""
    text = _QUOTED.sub(" ", message_en)
    for name in sorted(EN_PROPER_NAMES, key=len, reverse=True):
        text = text.replace(name, " ")
    return _CJK.findall(text)
