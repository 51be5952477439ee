"""From an exploration to scenario files, and from a world's history to an exploration.

A class's example becomes a scenario that replays it and asserts its outcome: the setup, the
events in the example's order with its gaps as clock moves, then ``then`` — each event and ``then``
step expecting what the run gave, and a ``diagnose`` step per observed taxpayer expecting its
diagnosis. Such a file is a regression test of the finding (``backoffice scenario run``).

The other way round, some operations picked from a world's audit trail become an exploration's
events: its setup is the world as it was before the first of them (the world's own block and the
history up to there), and ``then`` is what the history did after the last of them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import yaml

from ..clock import fmt, parse_time
from ..scenarios.record import recorded
from ..seed import load_base
from .engine import example_run
from .loader import Exploration


class _Dumper(yaml.SafeDumper):
    pass


class _Flow(dict):
    pass


_Dumper.add_representer(_Flow, lambda d, data: d.represent_mapping("tag:yaml.org,2002:map", data, flow_style=True))


def dump(doc: dict) -> str:
    out = dict(doc)
    for key in ("setup", "steps", "then"):
        if isinstance(out.get(key), list):
            out[key] = [_Flow(s) if isinstance(s, dict) else s for s in out[key]]
    if isinstance(out.get("events"), dict):
        out["events"] = {k: _Flow(v) for k, v in out["events"].items()}
    return yaml.dump(out, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=200)


def _officer(exploration: Exploration) -> str:
    if exploration.spec.officers:
        return exploration.spec.officers[0].login
    return load_base(base=exploration.spec.base).officers[0].login


def _with_expect(raw: dict, code: str) -> dict:
    step = {k: v for k, v in raw.items() if k != "expect"}
    if "actor" in step:       # advance and fault steps carry no expectation
        step["expect"] = code
    return step


def class_scenario(exploration: Exploration, cls: dict) -> dict:
    """The scenario document that replays ``cls``'s example and expects its outcome."""
    raw = exploration.raw
    example, outcome = cls["example"], cls["outcome"]
    run = example_run(exploration, example)
    steps = [dict(s) for s in raw.get("setup") or []]
    events = example.get("events") or {}
    for k, e in enumerate(run.order):
        name = exploration.names[e]
        if k and run.gaps[k - 1].delta:
            steps.append({"advance": run.gaps[k - 1].text})
        steps.append(_with_expect(raw["events"][name], events.get(name, "ok")))
    for step, code in zip(raw.get("then") or [], outcome["then"]):
        steps.append(_with_expect(step, code))
    officer = _officer(exploration)
    for ref, diag in outcome.get("diagnose", {}).items():
        steps.append({"actor": officer, "op": "diagnose", "args": {"taxpayer": ref},
                      "expect": {"result": {"faq": diag["faq"], "code": diag["code"]}}})
    order = " → ".join(example["order"])
    gaps = ", ".join(example["gaps"]) or "—"
    description = f"From the exploration “{exploration.name}”: {cls['count']} run(s) ended like this; order {order}, gaps {gaps}."
    if outcome.get("violations"):
        description += " Consistency checks violated: " + ", ".join(outcome["violations"]) + " (backoffice check)."
    return {"name": f"{exploration.name} — {order}"[:200], "description": description, "world": raw["world"],
            "steps": steps or [{"advance": "0s"}]}


# --- a world's own history -------------------------------------------------------------------------

def _relative(steps: list[dict], clock: datetime) -> list[dict]:
    """``advance: {until}`` steps as durations from where the clock stands, so they fit any run."""
    out = []
    for s in steps:
        until = (s.get("advance") or {}).get("until") if isinstance(s.get("advance"), dict) else None
        if until is None:
            out.append(s)
            continue
        target = parse_time(until)
        if target > clock:
            out.append({"advance": _span(target - clock)})
            clock = target
    return out


def _span(d: timedelta) -> str:
    secs = int(d.total_seconds())
    days, secs = divmod(secs, 86400)
    hours, secs = divmod(secs, 3600)
    mins, secs = divmod(secs, 60)
    return "".join(f"{v}{u}" for v, u in ((days, "d"), (hours, "h"), (mins, "m"), (secs, "s")) if v) or "0s"


def from_history(session, world, entry_ids: list[int], *, gaps: list | None = None) -> dict:
    """An exploration document whose events are the operations ``entry_ids`` of ``world``'s audit trail:
    setup is the history before the first of them, ``then`` the history after the last of them."""
    origins: list = []
    doc = recorded(session, world, origins=origins)
    steps = doc["steps"]
    wanted = set(entry_ids)
    at = [k for k, (origin, step) in enumerate(zip(origins, steps)) if origin in wanted and "advance" not in step]
    if not at:
        raise ValueError("pick at least one operation (not a clock move) from the history")
    first, last = at[0], at[-1]
    clock = parse_time(doc["world"]["start"])
    for step in steps[:last + 1]:
        if isinstance(step.get("advance"), dict):
            clock = max(clock, parse_time(step["advance"]["until"]))
    events: dict[str, dict] = {}
    for k in at:
        step = {key: v for key, v in steps[k].items() if key != "expect"}
        base = step.get("op") or "fault"
        name, n = base, 2
        while name in events:
            name, n = f"{base}_{n}", n + 1
        events[name] = step
    then = [{key: v for key, v in s.items() if key != "expect"} for s in _relative(steps[last + 1:], clock)]
    refs: set[str] = set()
    spec_refs = {t.get("ref") for t in (world.spec or {}).get("taxpayers", []) if isinstance(t, dict)}
    for step in events.values():
        args = step.get("args") if isinstance(step.get("args"), dict) else {}
        for ref in (args.get("taxpayer"), str(step.get("actor", "")).partition("/")[0]):
            if ref in spec_refs:
                refs.add(ref)
    return {"name": f"history of world {world.id} ({world.name})"[:200], "world": doc["world"],
            "setup": steps[:first], "events": events, "gaps": gaps or [0], "then": then,
            "observe": {"diagnose": sorted(refs), "check": True}}


__all__ = ["class_scenario", "from_history", "dump", "fmt"]
