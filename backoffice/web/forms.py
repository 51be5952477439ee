"""Operation forms built from the catalogue: the args model's JSON schema gives the fields.

A new operation therefore gets a form without new code. Only presentation lives here (labels,
input kinds, suggestions); every rule stays in the operation and its args model.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from flask_babel import get_locale, lazy_gettext as _l

from .. import catalogue

# Labels of argument names shared by many operations (zh source strings, translated by Babel).
FIELD_LABELS = {
    "taxpayer": _l("纳税人"),
    "count": _l("空白发票份数"),
    "code": _l("发票代码"),
    "start": _l("起始号码"),
    "end": _l("终止号码"),
    "amount": _l("金额"),
    "main": _l("主行业"),
    "secondary": _l("附行业"),
    "item": _l("品目"),
    "industry": _l("行业"),
    "reason": _l("理由"),
    "value": _l("标识值"),
    "account": _l("账号"),
    "password": _l("密码"),
    "invoicer": _l("开票员"),
    "client": _l("客户端"),
    "with_ca": _l("使用CA（U-Key）登录"),
    "accept_upgrade": _l("接受“营改增”升级"),
    "old": _l("原密码"),
    "new": _l("新密码"),
    "name": _l("姓名"),
    "red_amount": _l("月冲红金额"),
    "cache_amount": _l("缓存金额"),
    "number": _l("发票号码"),
    "invoice_type": _l("发票类型"),
    "right": _l("右平移（毫米）"),
    "down": _l("下平移（毫米）"),
    "edition": _l("客户端版本类型"),
    "version": _l("版本"),
    "folder": _l("安装目录"),
    "from": _l("原客户端"),
}

CHOICE_LABELS = {
    "guoshui": _l("国税版(营改增)"),
    "dishui": _l("地税版"),
    "dishui_void": _l("地税作废冲红版"),
    "latest": _l("最新版"),
    "previous": _l("上一版"),
}

PASSWORD_FIELDS = {"password", "old", "new"}
# Fields whose suggestions are the whole choice (a printer setting names one of the 网票 types).
SELECT_FIELDS = {"invoice_type"}


@dataclass
class Field:
    name: str
    label: str
    kind: str                 # text | password | number | checkbox | select | list
    required: bool
    default: Any = None
    choices: list[tuple[str, str]] = field(default_factory=list)
    suggestions: list[tuple[str, str]] = field(default_factory=list)
    help: str = ""
    value: Any = None
    lookup: str | None = None   # a URL answering ?q= with more suggestions as the user types


def is_en() -> bool:
    loc = get_locale()
    return loc is not None and loc.language == "en"


def op_label(op: catalogue.Operation) -> str:
    return op.label_en if is_en() else op.label_zh


def _resolve(schema: dict, prop: dict) -> tuple[dict, bool]:
    """Unwrap ``anyOf [X, null]`` (optional) and ``$ref`` into the concrete schema."""
    nullable = False
    if "anyOf" in prop:
        options = [p for p in prop["anyOf"] if p.get("type") != "null"]
        nullable = len(options) < len(prop["anyOf"])
        merged = dict(options[0]) if options else {}
        for k in ("default", "title", "description"):
            if k in prop:
                merged[k] = prop[k]
        prop = merged
    if "$ref" in prop:
        name = prop["$ref"].rsplit("/", 1)[-1]
        target = dict(schema.get("$defs", {}).get(name, {}))
        target.update({k: v for k, v in prop.items() if k != "$ref"})
        prop = target
    return prop, nullable


def fields_for(op: catalogue.Operation, values: dict | None = None,
               suggestions: dict[str, list[tuple[str, str]]] | None = None,
               lookups: dict[str, str] | None = None) -> list[Field]:
    values = values or {}
    suggestions = suggestions or {}
    lookups = lookups or {}
    schema = op.args_model.model_json_schema()
    required = set(schema.get("required", []))
    out = []
    for name, raw in schema.get("properties", {}).items():
        prop, nullable = _resolve(schema, raw)
        kind = "text"
        choices: list[tuple[str, str]] = []
        if "enum" in prop or "const" in prop:
            kind = "select"
            options = prop.get("enum") or [prop["const"]]
            choices = [(str(v), str(CHOICE_LABELS.get(v, v))) for v in options]
            if nullable or name not in required:
                choices.insert(0, ("", "—"))
        elif prop.get("type") == "boolean":
            kind = "checkbox"
        elif prop.get("type") == "integer":
            kind = "number"
        elif prop.get("type") == "array":
            kind = "list"
        elif name in PASSWORD_FIELDS:
            kind = "password"
        elif name in SELECT_FIELDS and suggestions.get(name):
            kind = "select"
            choices = list(suggestions[name])
        label = FIELD_LABELS.get(name)
        label = str(label) if label is not None else prop.get("title") or name
        default = prop.get("default")
        value = values.get(name, default)
        if kind == "list" and isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        out.append(Field(name=name, label=label, kind=kind, required=name in required, default=default,
                         choices=choices, suggestions=suggestions.get(name, []),
                         help=prop.get("description", ""), value=value,
                         lookup=lookups.get(name) if kind in ("text", "list") else None))
    return out


_SPLIT = re.compile(r"[,，、;；\s]+")


def posted_values(form) -> dict:
    """What the user typed, to show it again when the operation refuses it (never a password)."""
    return {k: v for k, v in form.items() if k not in ("csrf_token", "next", "__form") and k not in PASSWORD_FIELDS}


def args_from_form(op: catalogue.Operation, form) -> dict:
    """Turn posted form values into the raw args mapping the operation validates itself.

    Nothing is checked here: a bad value is handed on as typed so the args model names the field.
    """
    args: dict[str, Any] = {}
    for f in fields_for(op):
        if f.kind == "checkbox":
            if f.name in form or f"__present_{f.name}" in form:
                args[f.name] = f.name in form
            continue
        raw = form.get(f.name)
        if raw is None:
            continue
        if f.kind == "list":
            args[f.name] = [p for p in _SPLIT.split(raw.strip()) if p]
            continue
        if f.kind != "password":
            raw = raw.strip()
        if raw == "":
            if f.required:
                args[f.name] = raw
            continue
        if f.kind == "number":
            try:
                args[f.name] = int(raw)
            except ValueError:
                args[f.name] = raw
            continue
        args[f.name] = raw
    return args


def error_view(exc) -> dict:
    """What an error box shows: code, the FAQ message in the page's language, field and remedy."""
    from ..failures import entry

    e = entry(exc.code)
    en = is_en()
    return {
        "code": exc.code,
        "message": exc.message_en if en else exc.message_zh,
        "message_zh": exc.message_zh,
        "field": exc.field,
        "faq": e.get("faq"),
        "steps": e.get("steps_en" if en else "steps_zh") or [],
    }


ROLE_LABELS = {
    "specialist": _l("国税专管员"),
    "ds_specialist": _l("地税专管员"),
    "collection_section": _l("征管科"),
    "ops": _l("网票后台运维"),
    "instructor": _l("教员"),
    "trainee": _l("学员"),
    "qa": _l("测试"),
}


def role_label(role: str) -> str:
    return str(ROLE_LABELS.get(role, role))
