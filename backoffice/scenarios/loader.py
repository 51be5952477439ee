"""Reading and strictly validating scenario files (docs/scenarios.md "Shape" and "Steps").

Scenario files are written by hand, so the whole file is checked before anything runs: the world
block, every step's shape, its operation name, its arguments against the operation's own model and
its expectation. A bad file is reported with its path, the step number, the field and the reason.
YAML reads an unquoted ``00000010`` as the number 8, so a number where a string belongs is refused
with "quote it" — in the world block and in step arguments alike.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .. import catalogue
from ..clock import parse_duration, parse_time
from ..errors import OperationError
from ..failures import load_catalogue
from ..limits import limits
from ..refusals import reasons
from ..yamlsafe import UntrustedYamlError, load_untrusted
from .errors import ScenarioError  # noqa: F401  (its home for the file formats built on scenarios)
from ..seed import SeedError
from ..worlds.spec import WorldSpec, describe_validation_error, parse_world_spec

TOP_KEYS = {"name", "faq", "description", "world", "steps"}
OP_KEYS = {"actor", "op", "args", "expect"}
_CODE = re.compile(r"^[A-Z][A-Z0-9_]*$")
_FAQ = re.compile(r"^\d+(\.\d+)?$")
_READ_ZH = {FileNotFoundError: "（文件不存在）", PermissionError: "（没有读取权限）", IsADirectoryError: "（这是文件夹）"}


@dataclass
class Expect:
    kind: str = "ok"                       # ok | error | result
    code: str | None = None
    result: dict | None = None

    def describe(self) -> Any:
        if self.kind == "ok":
            return "ok"
        if self.kind == "error":
            return self.code
        return {"result": self.result}


@dataclass
class Step:
    n: int
    actor: str | None = None
    op: str | None = None
    args: dict = field(default_factory=dict)
    expect: Expect = field(default_factory=Expect)
    advance_by: str | None = None
    advance_until: datetime | None = None
    fault: Any = None                      # {fault: …}: the value as written (a mapping, or "clear")

    @property
    def is_advance(self) -> bool:
        return self.op is None and self.fault is None

    @property
    def is_fault(self) -> bool:
        return self.fault is not None


@dataclass
class Scenario:
    path: str
    name: str
    faq: str | None
    world: dict
    steps: list[Step]
    description: str | None = None
    spec: WorldSpec | None = None


# --- YAML from users: no anchors or aliases, no duplicate keys, bounded size and depth -------------

def read_yaml(text: str, path: str) -> Any:
    try:
        return load_untrusted(text)
    except UntrustedYamlError as exc:
        where = f" (line {exc.line}, column {exc.column})" if exc.line else ""
        reason = exc.reason.replace("not valid YAML: ", f"not valid YAML{where}: ") if where else exc.reason + where
        zh = exc.reason_zh + (f"（第 {exc.line} 行，第 {exc.column} 列）" if exc.line else "")
        raise ScenarioError(path, reason, reason_zh=zh) from None


# --- loading ----------------------------------------------------------------------------------------

def load_file(path: str | Path) -> Scenario:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScenarioError(str(path), f"cannot read the file ({exc.strerror or exc})",
                            reason_zh="无法读取该文件" + _READ_ZH.get(type(exc), "")) from None
    return load_data(read_yaml(text, str(path)), str(path))


def load_text(text: str, path: str = "<text>") -> Scenario:
    return load_data(read_yaml(text, path), path)


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _quote_it(v: Any, zh: bool = False) -> str:
    return f"{v!r} 是数字，而此处须为文本：请加引号" if zh else f"{v!r} is a number where a string belongs: quote it"


def load_data(data: Any, path: str = "<data>") -> Scenario:
    """Validate a parsed scenario document; raises :class:`ScenarioError` at the first problem."""
    if not isinstance(data, dict):
        raise ScenarioError(path, "a scenario is a mapping with name, world and steps",
                            reason_zh="场景文件须为映射，含 name、world 与 steps")
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        raise ScenarioError(path, f"unknown key (allowed: {', '.join(sorted(TOP_KEYS))})", field=unknown[0],
                            reason_zh=f"未知的键（可用：{'、'.join(sorted(TOP_KEYS))}）")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(path, "every scenario needs a name (a string)", field="name", reason_zh="每个场景都要有名称（字符串）")
    faq = data.get("faq")
    if faq is not None:
        if _is_number(faq):
            raise ScenarioError(path, _quote_it(faq), field="faq", reason_zh=_quote_it(faq, zh=True))
        if not isinstance(faq, str) or not _FAQ.match(faq):
            raise ScenarioError(path, 'an FAQ section such as "3.2"', field="faq", reason_zh='须为 FAQ 章节号，如 "3.2"')
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        raise ScenarioError(path, "a text", field="description", reason_zh="须为文字")
    world = data.get("world")
    if not isinstance(world, dict):
        raise ScenarioError(path, "the world block is a mapping with at least start", field="world",
                            reason_zh="world 块须为映射，至少含 start")
    try:
        spec = parse_world_spec(world)
    except OperationError as exc:
        raise ScenarioError(path, exc.reason or exc.code, field=exc.field,
                            reason_zh=exc.reason_zh or exc.message_zh) from None
    try:
        _check_world_refs(path, spec)
    except SeedError as exc:
        raise ScenarioError(path, str(exc), field="world.base", reason_zh="无法读取所指定的基础数据（其文件有误）") from None
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise ScenarioError(path, "steps is a non-empty list", field="steps", reason_zh="steps 须为非空列表")
    most = limits().scenario_max_steps
    if len(raw_steps) > most:
        raise ScenarioError(path, f"{len(raw_steps)} steps; at most {most} in one file", field="steps",
                            reason_zh=f"共 {len(raw_steps)} 步；一个文件最多 {most} 步")
    actors = _actors(spec)
    steps = [_step(path, n, raw, actors) for n, raw in enumerate(raw_steps, start=1)]
    return Scenario(path=path, name=name.strip(), faq=faq, world=world, steps=steps,
                    description=description, spec=spec)


def _check_world_refs(path: str, spec: WorldSpec) -> None:
    """Cheap cross-checks of the world block, so that a typo is caught before a world is built."""
    from ..seed import load_base

    base = load_base(base=spec.base)
    logins = {o.login for o in base.officers}
    for i, o in enumerate(spec.officers):
        if o.login in logins:
            raise ScenarioError(path, f"officer {o.login!r} is already in the base data (or given twice)",
                                field=f"world.officers.{i}.login", reason_zh=f"税务人员 {o.login!r} 已在基础数据中（或重复给出）")
        logins.add(o.login)
    industries = {i.code for i in base.industries} | {i.name for i in base.industries}
    for i, ind in enumerate(spec.industries):
        if ind.code in industries:
            raise ScenarioError(path, f"industry {ind.code!r} is already in the base data (or given twice)",
                                field=f"world.industries.{i}.code", reason_zh=f"行业 {ind.code!r} 已在基础数据中（或重复给出）")
        industries |= {ind.code, ind.name}
    refs: set[str] = set()
    for i, t in enumerate(spec.taxpayers):
        where = f"world.taxpayers.{i}"
        if t.ref in refs:
            raise ScenarioError(path, f"taxpayer ref {t.ref!r} is given twice", field=f"{where}.ref",
                                reason_zh=f"纳税人 ref {t.ref!r} 重复给出")
        refs.add(t.ref)
        if t.specialist and t.specialist not in logins:
            raise ScenarioError(path, f"no officer {t.specialist!r} in the world", field=f"{where}.specialist",
                                reason_zh=f"本世界没有税务人员 {t.specialist!r}")
        if t.industries is not None:
            for slot, key in enumerate([t.industries.main] + list(t.industries.secondary)):
                if key not in industries:
                    fld = "main" if slot == 0 else f"secondary.{slot - 1}"
                    raise ScenarioError(path, f"no industry {key!r} in the world", field=f"{where}.industries.{fld}",
                                        reason_zh=f"本世界没有行业 {key!r}")


@dataclass
class _Actors:
    officers: set[str]
    taxpayers: set[str]
    industries: set[str]            # codes and names


def _actors(spec: WorldSpec) -> _Actors:
    from ..seed import load_base

    base = load_base(base=spec.base)
    industries = {i.code for i in base.industries} | {i.name for i in base.industries} | \
        {i.code for i in spec.industries} | {i.name for i in spec.industries}
    return _Actors({o.login for o in base.officers} | {o.login for o in spec.officers},
                   {t.ref for t in spec.taxpayers}, industries)


def _check_names(path: str, n: int, args: dict, actors: _Actors) -> None:
    """A taxpayer or industry the world does not hold is a typo: caught before anything runs."""
    ref = args.get("taxpayer")
    if isinstance(ref, str) and ref not in actors.taxpayers:
        raise ScenarioError(path, f"no taxpayer {ref!r} in this world (refs: {', '.join(sorted(actors.taxpayers))})",
                            step=n, field="args.taxpayer",
                            reason_zh=f"本世界没有纳税人 {ref!r}（已有的 ref：{'、'.join(sorted(actors.taxpayers))}）")
    for key in ("main", "industry"):
        value = args.get(key)
        if isinstance(value, str) and value not in actors.industries:
            raise ScenarioError(path, f"no industry {value!r} in this world", step=n, field=f"args.{key}",
                                reason_zh=f"本世界没有行业 {value!r}")
    secondary = args.get("secondary")
    if isinstance(secondary, list):
        for i, value in enumerate(secondary):
            if isinstance(value, str) and value not in actors.industries:
                raise ScenarioError(path, f"no industry {value!r} in this world", step=n, field=f"args.secondary.{i}",
                                    reason_zh=f"本世界没有行业 {value!r}")


def _step(path: str, n: int, raw: Any, actors: _Actors) -> Step:
    if not isinstance(raw, dict):
        raise ScenarioError(path, "a step is a mapping: {advance: …}, {fault: …} or {actor, op, args, expect}", step=n,
                            reason_zh="每一步须为映射：{advance: …}、{fault: …} 或 {actor, op, args, expect}")
    if "advance" in raw:
        extra = sorted(set(map(str, raw)) - {"advance"})
        if extra:
            raise ScenarioError(path, "an advance step has no other keys", step=n, field=extra[0],
                                reason_zh="advance 步骤不能有其他键")
        return _advance(path, n, raw["advance"])
    if "fault" in raw:
        return _fault(path, n, raw)
    unknown = sorted(set(map(str, raw)) - OP_KEYS)
    if unknown:
        raise ScenarioError(path, "unknown key (a step has actor, op, args, expect — or advance, or fault)", step=n,
                            field=unknown[0], reason_zh="未知的键（步骤的键为 actor、op、args、expect，或 advance，或 fault）")
    actor, op_name = raw.get("actor"), raw.get("op")
    if not isinstance(actor, str) or not actor.strip():
        raise ScenarioError(path, "who performs the step: an officer login or a taxpayer ref", step=n, field="actor",
                            reason_zh="须写明由谁执行此步：税务人员的 login 或纳税人的 ref")
    if not isinstance(op_name, str) or not op_name.strip():
        raise ScenarioError(path, "the operation's name", step=n, field="op", reason_zh="须为操作名称")
    ops = catalogue.load_all()
    op = ops.get(op_name)
    if op is None:
        close = difflib.get_close_matches(op_name, list(ops), n=1)
        hint, hint_zh = (f" (did you mean {close[0]!r}?)", f"（是否想写 {close[0]!r}？）") if close else ("", "")
        raise ScenarioError(path, f"unknown operation {op_name!r}{hint}", step=n, field="op",
                            reason_zh=f"未知的操作 {op_name!r}{hint_zh}")
    expect = _expect(path, n, raw.get("expect"))
    args = raw.get("args")
    if args is None:
        args = {}
    if not isinstance(args, dict):
        raise ScenarioError(path, "args is a mapping of the operation's arguments", step=n, field="args",
                            reason_zh="args 须为映射，列出操作的参数")
    # A step that expects a refusal may name an unknown actor or break the input rules on purpose.
    if not (expect.kind == "error" and expect.code == "FORBIDDEN"):
        _check_actor(path, n, actor, op, actors)
    if not (expect.kind == "error" and expect.code == "INVALID_INPUT"):
        try:
            op.args_model.model_validate(args)
        except ValidationError as exc:
            fld, reason = describe_validation_error(exc, "args.")
            err = exc.errors(include_url=False)[0]     # describe_validation_error's reason, in Chinese:
            number = err["type"] == "string_type" and _is_number(err.get("input"))
            zh = _quote_it(err["input"], zh=True) if number else reasons(err)[1]
            raise ScenarioError(path, reason, step=n, field=fld, reason_zh=zh) from None
        if not (expect.kind == "error" and expect.code == "FORBIDDEN"):   # the role is checked first
            _check_names(path, n, args, actors)
    return Step(n=n, actor=actor, op=op_name, args=args, expect=expect)


def _check_actor(path: str, n: int, actor: str, op: catalogue.Operation, actors: _Actors) -> None:
    if op.side == "jinsan":
        if actor not in actors.officers:
            kind, kind_zh = (("a taxpayer", "是纳税人") if actor.partition("/")[0] in actors.taxpayers
                             else ("not an officer of this world", "不是本世界的税务人员"))
            raise ScenarioError(path, f"{op.name} is a 金三 operation performed by an officer; {actor!r} is {kind}",
                                step=n, field="actor", reason_zh=f"{op.name} 是由税务人员执行的金三操作；{actor!r} {kind_zh}")
        return
    ref, slash, invoicer = actor.partition("/")
    if ref not in actors.taxpayers or (slash and not invoicer):
        raise ScenarioError(path, f"{op.name} is performed by a taxpayer (ref or ref/invoicer); "
                                  f"{actor!r} is not a taxpayer of this world", step=n, field="actor",
                            reason_zh=f"{op.name} 由纳税人执行（ref 或 ref/开票员）；{actor!r} 不是本世界的纳税人")


def _advance(path: str, n: int, value: Any) -> Step:
    if isinstance(value, str):
        try:
            parse_duration(value)
        except OperationError as exc:
            raise ScenarioError(path, exc.reason, step=n, field="advance", reason_zh=exc.reason_zh) from None
        return Step(n=n, advance_by=value.strip())
    if isinstance(value, dict):
        extra = sorted(set(map(str, value)) - {"until"})
        if extra or "until" not in value:
            raise ScenarioError(path, "advance takes a duration (20m, 2h30m, 1d) or {until: ISO-TIME}",
                                step=n, field=f"advance.{extra[0]}" if extra else "advance",
                                reason_zh="advance 须为时长（20m、2h30m、1d）或 {until: ISO 时间}")
        until = value["until"]
        if isinstance(until, date) and not isinstance(until, datetime):
            raise ScenarioError(path, "a time with hours, minutes and offset, e.g. 2016-05-04T02:00:00+08:00",
                                step=n, field="advance.until", reason_zh="须为带时、分与时区偏移的时间，如 2016-05-04T02:00:00+08:00")
        try:
            return Step(n=n, advance_until=parse_time(until))
        except OperationError as exc:
            raise ScenarioError(path, exc.reason, step=n, field="advance.until", reason_zh=exc.reason_zh) from None
    if _is_number(value):
        raise ScenarioError(path, f"{value!r} is not a duration: write it with its unit, e.g. 20m, 2h30m or 1d",
                            step=n, field="advance", reason_zh=f"{value!r} 不是时长：请带上单位，如 20m、2h30m 或 1d")
    raise ScenarioError(path, "advance takes a duration (20m, 2h30m, 1d) or {until: ISO-TIME}", step=n,
                        field="advance", reason_zh="advance 须为时长（20m、2h30m、1d）或 {until: ISO 时间}")


def _fault(path: str, n: int, raw: dict) -> Step:
    """``{fault: {channel, kind, for|until, by}}`` or ``{fault: clear}`` (sync/faults.py)."""
    from ..sync.faults import parse

    extra = sorted(set(map(str, raw)) - {"fault"})
    if extra:
        raise ScenarioError(path, "a fault step has no other keys", step=n, field=extra[0], reason_zh="fault 步骤不能有其他键")
    try:
        parse(raw["fault"])
    except OperationError as exc:
        raise ScenarioError(path, exc.reason, step=n, field=exc.field, reason_zh=exc.reason_zh) from None
    return Step(n=n, fault=raw["fault"])


def _known_code(code: str) -> bool:
    return code in load_catalogue()


def _expect(path: str, n: int, value: Any) -> Expect:
    if value is None or value == "ok":
        return Expect()
    if isinstance(value, str):
        return _error_expect(path, n, value, "expect")
    if isinstance(value, dict):
        keys = list(value)
        if len(keys) != 1 or keys[0] not in ("error", "result"):
            raise ScenarioError(path, "expect is ok, a failure code, {error: CODE} or {result: {...}}", step=n,
                                field="expect", reason_zh="expect 须为 ok、失败代码、{error: CODE} 或 {result: {...}}")
        if keys[0] == "error":
            if not isinstance(value["error"], str):
                raise ScenarioError(path, "a failure code such as NO_PURCHASE_INFO", step=n, field="expect.error",
                                    reason_zh="须为失败代码，如 NO_PURCHASE_INFO")
            return _error_expect(path, n, value["error"], "expect.error")
        result = value["result"]
        if not isinstance(result, dict) or not result:
            raise ScenarioError(path, "the keys and values the result must contain", step=n, field="expect.result",
                                reason_zh="须列出结果必须包含的键与值")
        return Expect(kind="result", result=result)
    raise ScenarioError(path, "expect is ok, a failure code, {error: CODE} or {result: {...}}", step=n,
                        field="expect", reason_zh="expect 须为 ok、失败代码、{error: CODE} 或 {result: {...}}")


def _error_expect(path: str, n: int, code: str, fld: str) -> Expect:
    code = code.strip()
    if not _CODE.match(code) or not _known_code(code):
        close = difflib.get_close_matches(code.upper(), list(load_catalogue()), n=1)
        hint, hint_zh = (f" (did you mean {close[0]}?)", f"（是否想写 {close[0]}？）") if close else ("", "")
        raise ScenarioError(path, f"{code!r} is not a failure code of seed_data/failures.yaml{hint}", step=n,
                            field=fld, reason_zh=f"{code!r} 不是 seed_data/failures.yaml 中的失败代码{hint_zh}")
    return Expect(kind="error", code=code)


# Public names for the file formats built on scenario steps (explorations, exercises):
# parse_step(path, n, raw, names) -> Step; world_names(spec) -> what steps may name.
parse_step = _step
world_names = _actors
check_world_refs = _check_world_refs
