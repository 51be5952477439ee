"""Reading and strictly validating exploration files (docs/explorations.md).

An exploration file is written by hand, like a scenario, and checked whole before anything runs:
its world block, every step of ``setup``, ``events`` and ``then`` (scenario steps, faults
included), the ``order`` constraints, the ``gaps`` and ``observe``. A bad file is reported with its
path, the field (``events.sell.args.start``, ``then.2.op``, ``gaps.1`` …) and the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from ..clock import parse_duration
from ..errors import OperationError
from ..scenarios.loader import (ScenarioError, Step, check_world_refs, parse_step, read_yaml, world_names)
from ..seed import SeedError
from ..worlds.spec import WorldSpec, parse_world_spec

TOP_KEYS = {"name", "description", "world", "setup", "events", "order", "gaps", "then", "observe"}
OBSERVE_KEYS = {"diagnose", "check"}
MAX_EVENTS = 12     # the order space is counted over subsets of events: 2^12 states
MAX_GAPS = 8
_NAME = re.compile(r"^[A-Za-z0-9_\-\u4e00-\u9fff]+$")


class ExplorationError(ScenarioError):
    """An exploration file that cannot run: ``str()`` names the file, the field and why."""

    def __init__(self, path: str, reason: str, *, field: str | None = None, reason_zh: str | None = None):
        super().__init__(path, reason, field=field, reason_zh=reason_zh)


@dataclass(frozen=True)
class Gap:
    text: str              # as the file wrote it ("0", "25m")
    delta: timedelta


@dataclass
class Exploration:
    path: str
    name: str
    world: dict
    spec: WorldSpec
    setup: list[Step]
    events: dict[str, Step]            # in the file's order: that order is the "own order"
    order: list[tuple[str, str]]       # (a, b): a comes before b
    gaps: list[Gap]
    then: list[Step]
    diagnose: list[str] = field(default_factory=list)
    check: bool = False
    description: str | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def names(self) -> list[str]:
        return list(self.events)


def load_file(path: str | Path) -> Exploration:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise ExplorationError(str(path), f"cannot read the file ({exc.strerror or exc})",
                               reason_zh=f"无法读取文件（{exc.strerror or exc}）") from None
    return load_text(text, str(path))


def load_text(text: str, path: str = "<text>") -> Exploration:
    try:
        data = read_yaml(text, path)
    except ScenarioError as exc:
        raise ExplorationError(path, exc.reason, reason_zh=exc.reason_zh) from None
    return load_data(data, path)


def _fail(path: str, reason: str, fld: str | None, zh: str | None):
    """Refuse the file. ``zh`` says it in Chinese; None only when passing on a wrapped error that has
    no Chinese (the page then names the field without an English sentence)."""
    raise ExplorationError(path, reason, field=fld, reason_zh=zh)


def load_data(data: Any, path: str = "<data>") -> Exploration:
    if not isinstance(data, dict):
        _fail(path, "an exploration is a mapping with name, world, events (and setup, order, gaps, then, observe)",
              None, "探索文件是一个映射：name、world、events（以及可选的 setup、order、gaps、then、observe）")
    unknown = sorted(set(map(str, data)) - TOP_KEYS)
    if unknown:
        _fail(path, f"unknown key (allowed: {', '.join(sorted(TOP_KEYS))})", unknown[0],
              f"未知的键（可用：{'、'.join(sorted(TOP_KEYS))}）")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        _fail(path, "every exploration needs a name (a string)", "name", "每个探索都要有名称（字符串）")
    description = data.get("description")
    if description is not None and not isinstance(description, str):
        _fail(path, "a text", "description", "须为文字")
    world = data.get("world")
    if not isinstance(world, dict):
        _fail(path, "the world block is a mapping with at least start", "world", "world 块须为映射，至少含 start")
    try:
        spec = parse_world_spec(world)
        check_world_refs(path, spec)
    except OperationError as exc:
        _fail(path, exc.reason or exc.code, exc.field, exc.message_zh if exc.reason is None else exc.reason_zh)
    except ScenarioError as exc:
        _fail(path, exc.reason, exc.field, exc.reason_zh)
    except SeedError as exc:
        _fail(path, str(exc), "world.base", "无法读取所指定的基础数据")
    names = world_names(spec)
    setup = _steps(path, data.get("setup"), "setup", names, expect_ok=True)
    events = _events(path, data.get("events"), names)
    order = _order(path, data.get("order"), list(events))
    gaps = _gaps(path, data.get("gaps"))
    then = _steps(path, data.get("then"), "then", names, expect_ok=False)
    diagnose, check = _observe(path, data.get("observe"), names)
    return Exploration(path=path, name=name.strip(), world=world, spec=spec, setup=setup, events=events, order=order,
                       gaps=gaps, then=then, diagnose=diagnose, check=check, description=description, raw=data)


def _step(path: str, raw: Any, where: str, n: int, names, *, expect_ok: bool) -> Step:
    if isinstance(raw, dict) and "expect" in raw and not expect_ok:
        _fail(path, "an exploration records every step's outcome: expect belongs in setup steps only",
              f"{where}.expect", "探索记录每一步的结果：expect 只能写在 setup 的步骤中")
    try:
        return parse_step(path, n, raw, names)
    except ScenarioError as exc:
        _fail(path, exc.reason, f"{where}.{exc.field}" if exc.field else where, exc.reason_zh)


def _steps(path: str, raw: Any, section: str, names, *, expect_ok: bool) -> list[Step]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        _fail(path, "a list of scenario steps", section, "须为场景步骤的列表")
    return [_step(path, r, f"{section}.{n}", n, names, expect_ok=expect_ok) for n, r in enumerate(raw, start=1)]


def _events(path: str, raw: Any, names) -> dict[str, Step]:
    if not isinstance(raw, dict) or not raw:
        _fail(path, "events is a mapping of names to one scenario step each", "events",
              "events 须为映射：每个名称对应一个场景步骤")
    if len(raw) > MAX_EVENTS:
        _fail(path, f"{len(raw)} events; at most {MAX_EVENTS} (their orders alone would be {len(raw)}!)", "events",
              f"共 {len(raw)} 个事件，最多 {MAX_EVENTS} 个（仅其顺序就有 {len(raw)}! 种）")
    out: dict[str, Step] = {}
    for n, (key, step) in enumerate(raw.items(), start=1):
        if not isinstance(key, str) or not _NAME.match(key):
            _fail(path, f"{key!r}: an event's name is a word of letters, digits, _ or - (quote numbers)", "events",
                  f"{key!r}：事件名须由字母、数字、汉字、_ 或 - 组成（数字请加引号）")
        out[key] = _step(path, step, f"events.{key}", n, names, expect_ok=False)
    return out


def _order(path: str, raw: Any, events: list[str]) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        _fail(path, "a list of pairs [a, b]: event a comes before event b", "order",
              "须为 [a, b] 对的列表：事件 a 在事件 b 之前")
    out = []
    for i, pair in enumerate(raw):
        if not (isinstance(pair, list) and len(pair) == 2 and all(isinstance(x, str) for x in pair)):
            _fail(path, "a pair [a, b] of event names", f"order.{i}", "须为两个事件名组成的 [a, b]")
        for x in pair:
            if x not in events:
                _fail(path, f"no event {x!r} (events: {', '.join(events)})", f"order.{i}",
                      f"没有事件 {x!r}（事件：{'、'.join(events)}）")
        if pair[0] == pair[1]:
            _fail(path, "an event cannot come before itself", f"order.{i}", "事件不能排在自己之前")
        out.append((pair[0], pair[1]))
    cycle = _cycle(events, out)
    if cycle:
        _fail(path, "the constraints form a cycle among " + ", ".join(cycle), "order",
              "这些顺序约束构成了循环：" + "、".join(cycle))
    return out


def _cycle(events: list[str], pairs: list[tuple[str, str]]) -> list[str] | None:
    """The events left over by a topological sort (those on or behind a cycle), or None."""
    left = set(events)
    while True:
        free = [e for e in left if not any(a in left and b == e for a, b in pairs)]
        if not free:
            return sorted(left, key=events.index) or None
        left -= set(free)


def _gaps(path: str, raw: Any) -> list[Gap]:
    if raw is None:
        return [Gap("0", timedelta(0))]
    if not isinstance(raw, list) or not raw:
        _fail(path, "a non-empty list of clock moves between events, e.g. [0, 25m]", "gaps",
              "须为事件之间时钟推进量的非空列表，如 [0, 25m]")
    if len(raw) > MAX_GAPS:
        _fail(path, f"at most {MAX_GAPS} gaps", "gaps", f"最多 {MAX_GAPS} 个间隔")
    out: list[Gap] = []
    for i, g in enumerate(raw):
        if g == 0 and not isinstance(g, bool):
            gap = Gap("0", timedelta(0))
        elif isinstance(g, str):
            try:
                gap = Gap(g.strip(), parse_duration(g))
            except OperationError as exc:
                _fail(path, exc.reason, f"gaps.{i}", exc.reason_zh)
        else:
            _fail(path, f"{g!r} is not a duration: write it with its unit, e.g. 25m, 2h or 1d (or 0)", f"gaps.{i}",
                  f"{g!r} 不是时长：请带单位，如 25m、2h 或 1d（或 0）")
        if any(o.delta == gap.delta for o in out):
            _fail(path, f"{g!r} is given twice", f"gaps.{i}", f"{g!r} 重复给出")
        out.append(gap)
    return out


def _observe(path: str, raw: Any, names) -> tuple[list[str], bool]:
    if raw is None:
        return [], False
    if not isinstance(raw, dict):
        _fail(path, "observe is {diagnose: [taxpayer refs], check: true|false}", "observe",
              "observe 的形式为 {diagnose: [纳税人 ref], check: true|false}")
    unknown = sorted(set(map(str, raw)) - OBSERVE_KEYS)
    if unknown:
        _fail(path, f"unknown key (allowed: {', '.join(sorted(OBSERVE_KEYS))})", f"observe.{unknown[0]}",
              f"未知的键（可用：{'、'.join(sorted(OBSERVE_KEYS))}）")
    refs = raw.get("diagnose") or []
    if not isinstance(refs, list):
        _fail(path, "a list of taxpayer refs", "observe.diagnose", "须为纳税人 ref 的列表")
    for i, ref in enumerate(refs):
        if not isinstance(ref, str) or ref not in names.taxpayers:
            _fail(path, f"no taxpayer {ref!r} in this world (refs: {', '.join(sorted(names.taxpayers))})",
                  f"observe.diagnose.{i}", f"本世界没有纳税人 {ref!r}（可用：{'、'.join(sorted(names.taxpayers))}）")
    if len(set(refs)) != len(refs):
        _fail(path, "a taxpayer is named twice", "observe.diagnose", "有纳税人被重复列出")
    check = raw.get("check", False)
    if not isinstance(check, bool):
        _fail(path, "true or false", "observe.check", "须为 true 或 false")
    return list(refs), check
