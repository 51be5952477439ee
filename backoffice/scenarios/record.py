"""Recording a world as a scenario: its world block and seed, then its audit log as steps.

Every operation in the audit log becomes a step, in the order it was done — refused ones too,
expecting their error code — and every clock move becomes ``{advance: {until: …}}`` with the time
the clock was moved to. Where the log shows an operation at a later simulated time than the
clock so far (a live world's clock moves without a clock entry), an advance to that time is put
before it. Replaying the document in a fresh world rebuilds the same state.

With ``with_results`` each successful step also expects the result it had (``expect: {result:
…}``), so a replay asserts the values, not only success. Keys that name database rows (``id``,
``…_id``) are left out: they are the database's numbering, not the simulation's behaviour.
"""
from __future__ import annotations

from datetime import datetime

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import catalogue
from ..clock import fmt, parse_time
from ..audit.models import AuditEntry
from ..worlds.models import World


def _comparable(result: dict) -> dict:
    return {k: v for k, v in result.items() if k != "id" and not k.endswith("_id") and k != "session"}


def recorded(session: Session, world: World, *, with_results: bool = False, origins: list | None = None) -> dict:
    """The scenario document (a mapping) that replays ``world``. ``origins``, when given, receives
    the audit entry id each step comes from (None for a clock move put in between)."""
    origins = [] if origins is None else origins
    ops = catalogue.load_all()
    spec = dict(world.spec or {})
    spec["start"] = spec.get("start") or fmt(world.clock_start)
    spec["seed"] = world.seed
    steps: list[dict] = []
    clock: datetime = parse_time(spec["start"])
    entries = session.scalars(select(AuditEntry).where(AuditEntry.world_id == world.id).order_by(AuditEntry.id))
    for e in entries:
        if e.operation == "advance":
            target = (e.result or {}).get("to") or (e.args or {}).get("until")
            if e.error_code or not target:
                continue
            target_t = parse_time(target)
            if target_t > clock:
                steps.append({"advance": {"until": fmt(target_t)}})
                origins.append(e.id)
                clock = target_t
            continue
        if e.operation == "fault":    # an injected fault (sync/faults.py) replays as a fault step
            if e.error_code:
                continue
            if e.sim_time > clock:
                steps.append({"advance": {"until": fmt(e.sim_time)}})
                origins.append(None)
                clock = e.sim_time
            steps.append({"fault": "clear" if (e.args or {}).get("clear") else e.args})
            origins.append(e.id)
            continue
        if e.operation not in ops:
            continue
        if e.sim_time > clock:
            steps.append({"advance": {"until": fmt(e.sim_time)}})
            origins.append(None)
            clock = e.sim_time
        step = {"actor": e.actor, "op": e.operation}
        if e.args:
            step["args"] = e.args
        step["expect"] = e.error_code or "ok"
        if e.operation == "diagnose" and not e.error_code and e.result:
            # the replay checks the diagnosis too
            step["expect"] = {"result": {"faq": e.result.get("faq"), "code": e.result.get("code")}}
        elif with_results and not e.error_code and e.result and _comparable(e.result):
            step["expect"] = {"result": _comparable(e.result)}
        steps.append(step)
        origins.append(e.id)
    doc = {"name": f"recorded from world {world.id} ({world.name})", "world": spec, "steps": steps}
    if not steps:
        # a scenario needs a step; an empty history replays as a zero move of the clock
        doc["steps"] = [{"advance": {"until": fmt(world.clock_now)}}]
    elif world.clock_now > clock:
        doc["steps"].append({"advance": {"until": fmt(world.clock_now)}})
        origins.append(None)
    return doc


class _Dumper(yaml.SafeDumper):
    pass


def _flow_steps(dumper: _Dumper, data: dict):
    # each step on one line, as hand-written scenario files have them
    return dumper.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True)


class _Step(dict):
    pass


_Dumper.add_representer(_Step, _flow_steps)


def record(session: Session, world: World, *, with_results: bool = False) -> str:
    """The scenario YAML document that replays ``world``."""
    doc = recorded(session, world, with_results=with_results)
    doc = {**doc, "steps": [_Step(s) for s in doc["steps"]]}
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=200)
