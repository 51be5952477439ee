"""Running a scenario: a fresh world from its world block, then each step through the one way in.

The runner plays every actor itself. It keeps the 网票 session token of each successful ``login``
keyed by who logged in ("ref", or "ref/X" for a login with ``invoicer: X``) and hands it back as
``wp_token`` whenever that actor acts again. It stops at the first step whose outcome differs
from its expectation (the steps after it assume it went as written), unless asked to keep going,
when it runs every step and reports each that differed.
"""
from __future__ import annotations

import traceback
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..audit.record import plain
from ..clock import fmt, parse_time
from ..dispatch import advance_clock, execute
from ..errors import OperationError
from ..failures import code_matches
from ..worlds.models import World
from ..worldbuild import create_world
from .loader import Expect, Scenario, ScenarioError, Step, load_data, load_file

SCENARIO_ACTOR = "scenario"


def load(data_or_path: Any) -> Scenario:
    if isinstance(data_or_path, Scenario):
        return data_or_path
    if isinstance(data_or_path, (str, Path)):
        return load_file(data_or_path)
    return load_data(data_or_path)


def session_key(actor: str, args: dict) -> str:
    """Who a login logs in: the taxpayer ref, or ref/invoicer when it names an invoicer."""
    ref, _, named = actor.partition("/")
    # login falls back to the actor's invoicer when the args name none (docs/scenarios.md: ref/invoicer-name)
    invoicer = (args.get("invoicer") if isinstance(args, dict) else None) or named
    return f"{ref}/{invoicer}" if invoicer else ref


def matches(expected: Any, got: Any) -> bool:
    """Subset match compared as YAML values: mappings may hold more keys than expected."""
    if isinstance(expected, dict):
        return isinstance(got, dict) and all(k in got and matches(v, got[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(got, list) and len(got) == len(expected) and all(
            matches(e, g) for e, g in zip(expected, got))
    if isinstance(expected, bool) or isinstance(got, bool):
        return isinstance(expected, bool) and isinstance(got, bool) and expected == got
    if isinstance(expected, datetime):
        # an unquoted YAML timestamp and the ISO string a result carries name the same instant
        try:
            return isinstance(got, str) and parse_time(got) == expected
        except OperationError:
            return False
    if isinstance(expected, float) and isinstance(got, (int, float)):
        return Decimal(str(expected)) == Decimal(str(got))
    if expected is None or got is None:
        return expected is got
    return type(expected) is type(got) and expected == got


def _clock(session: Session, world_id: int) -> str:
    return fmt(session.execute(select(World.clock_now).where(World.id == world_id)).scalar_one())


def run_scenario(session: Session, data_or_path: Any, owner_id: int | None = None, *,
                 on_step: Callable[[dict], None] | None = None, keep_going: bool = False) -> dict:
    """Run one scenario in a fresh world; returns {world_id, ok, steps, name, faq}.

    A file that does not validate raises :class:`ScenarioError` before any world is made.
    """
    scenario = load(data_or_path)
    try:
        world = create_world(session, scenario.world, name=f"scenario: {scenario.name}"[:200], owner_id=owner_id)
        session.commit()
    except OperationError as exc:
        session.rollback()
        raise ScenarioError(scenario.path, exc.reason or exc.message_en, field=exc.field or "world",
                            reason_zh=exc.reason_zh if exc.reason else exc.message_zh) from None
    world_id = world.id
    tokens: dict[str, str] = {}
    out: list[dict] = []
    ok = True
    for step in scenario.steps:
        row = _run_step(session, world_id, step, tokens)
        out.append(row)
        if on_step:
            on_step(row)
        if not row["ok"]:
            ok = False
            if not keep_going:
                break
    return {"world_id": world_id, "ok": ok, "steps": out, "name": scenario.name, "faq": scenario.faq,
            "path": scenario.path, "total_steps": len(scenario.steps)}


def _run_step(session: Session, world_id: int, step: Step, tokens: dict[str, str]) -> dict:
    time = _clock(session, world_id)
    if step.is_fault:
        return _fault(session, world_id, step, time)
    if step.is_advance:
        return _advance(session, world_id, step, time)
    result: dict | None = None
    try:
        result = execute(session, world_id, step.actor, step.op, step.args, wp_token=tokens.get(step.actor))
        got_code = "ok"
    except OperationError as exc:
        got_code = exc.code
        outcome = f"{exc.code} {exc.message_zh}" + (f" [{exc.field}]" if exc.field else "")
    except Exception as exc:  # a bug elsewhere must fail this step visibly, not the whole run
        session.rollback()
        crash = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return _row(step, time, f"CRASH {crash}", False, step.expect.describe(), f"CRASH {crash}",
                    trace=traceback.format_exc())
    if got_code == "ok":
        if step.op == "login" and isinstance(result, dict) and result.get("session"):
            tokens[session_key(step.actor, step.args)] = result["session"]
        shown = plain({k: v for k, v in (result or {}).items() if k != "session"})
        outcome = "ok" + (f" {_short(shown)}" if shown else "")
    expect = step.expect
    if expect.kind == "ok":
        passed, expected, got = got_code == "ok", "ok", got_code
    elif expect.kind == "error":
        passed, expected, got = code_matches(got_code, expect.code), expect.code, got_code
    else:
        shown = plain({k: v for k, v in (result or {}).items() if k != "session"}) if got_code == "ok" else None
        passed = got_code == "ok" and matches(expect.result, shown)
        expected = {"result": expect.result}
        got = {"result": _only(expect.result, shown)} if got_code == "ok" else got_code
    return _row(step, time, outcome, passed, expected, got)


def _only(expected: dict, got: dict) -> dict:
    """The part of the result the expectation speaks about (what a reader needs to compare)."""
    return {k: got.get(k, "<missing>") for k in expected}


def _advance(session: Session, world_id: int, step: Step, time: str) -> dict:
    label = step.advance_by if step.advance_by else f"until {fmt(step.advance_until)}"
    try:
        res = advance_clock(session, world_id, by=step.advance_by, until=step.advance_until, actor=SCENARIO_ACTOR)
    except OperationError as exc:
        return _row(step, time, f"{exc.code} {exc.message_en}", False, "ok", exc.code, op=f"advance {label}")
    except Exception as exc:
        session.rollback()
        crash = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return _row(step, time, f"CRASH {crash}", False, "ok", f"CRASH {crash}", op=f"advance {label}",
                    trace=traceback.format_exc())
    fired = ", ".join(f"{e['job']}@{e['time'][11:16]}" + (f" {e['status']}" if e.get("status") else f"×{e['items']}")
                      for e in res["events"])
    outcome = f"→ {res['to']}" + (f" ({fired})" if fired else "")
    return _row(step, time, outcome, True, "ok", "ok", op=f"advance {label}")


def fault_label(value) -> str:
    if not isinstance(value, dict):
        return "fault clear"
    until = value.get("until")
    if isinstance(until, datetime):
        until = fmt(until)
    span = value.get("for") or (f"until {until}" if until else "until cleared")
    by = f" by {value['by']}" if value.get("by") else ""
    return f"fault {value.get('channel')} {value.get('kind')}{by} {span}"


def _fault(session: Session, world_id: int, step: Step, time: str) -> dict:
    from ..sync.faults import apply_step

    label = fault_label(step.fault)
    try:
        res = apply_step(session, world_id, step.fault, actor=SCENARIO_ACTOR)
    except OperationError as exc:
        session.rollback()
        return _row(step, time, f"{exc.code} {exc.message_en}", False, "ok", exc.code, op=label)
    except Exception as exc:
        session.rollback()
        crash = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        return _row(step, time, f"CRASH {crash}", False, "ok", f"CRASH {crash}", op=label,
                    trace=traceback.format_exc())
    return dict(_row(step, time, "ok " + _short(res), True, "ok", "ok", op=label), actor=SCENARIO_ACTOR)


def _row(step: Step, time: str, outcome: str, ok: bool, expected: Any, got: Any, *, op: str | None = None,
         trace: str | None = None) -> dict:
    row = {"n": step.n, "time": time, "actor": step.actor or "clock", "op": op or step.op, "outcome": outcome,
           "ok": ok, "expected": expected, "got": got}
    if trace:
        row["trace"] = trace
    return row


def _short(value: Any, limit: int = 160) -> str:
    import json

    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def differences(expected: Any, got: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Where ``got`` breaks the subset match: (key path, expected, got) for each differing leaf,
    e.g. ``("result.purchases[0].start", "00000001", "00000050")``."""
    if isinstance(expected, dict) and isinstance(got, dict):
        out = []
        for k, v in expected.items():
            sub = f"{path}.{k}" if path else str(k)
            out += [(sub, v, "<missing>")] if k not in got else differences(v, got[k], sub)
        return out
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return [d for i, (e, g) in enumerate(zip(expected, got)) for d in differences(e, g, f"{path}[{i}]")]
    if isinstance(expected, list) and isinstance(got, list):
        return [(f"{path} (length)", len(expected), len(got))]
    return [] if matches(expected, got) else [(path or "outcome", expected, got)]


def describe_row(row: dict) -> str:
    """"step N (op by actor at time): <key>: expected X, got Y" — one line per differing key."""
    head = f"step {row['n']} ({row['op']} by {row['actor']} at {row['time']})"
    if isinstance(row["expected"], dict) and isinstance(row["got"], dict):
        diffs = differences(row["expected"], row["got"])
        if diffs:
            return head + ": " + "; ".join(f"{k}: expected {_short(e, 200)}, got {_short(g, 200)}" for k, e, g in diffs)
    return f"{head}: expected {_short(row['expected'], 400)}, got {_short(row['got'], 400)}"


def describe_failure(result: dict) -> str | None:
    """The first step that failed, described by :func:`describe_row`, if one did."""
    for row in result["steps"]:
        if not row["ok"]:
            return describe_row(row)
    return None


def run_step(session: Session, world_id: int, step: Step, tokens: dict[str, str]) -> dict:
    """One step in a world, as the runner runs it (the row it prints); ``tokens`` holds the 网票
    sessions of earlier logins and learns those of this one. For explorations and exercises."""
    return _run_step(session, world_id, step, tokens)


__all__ = ["run_scenario", "run_step", "describe_failure", "describe_row", "differences", "matches", "session_key",
           "Expect"]
