"""A rule's remedy, rendered from seed_data/failures.yaml with the facts the rule found.

Each step comes out as its Chinese and English text (the FAQ's, or the simulator's own marked as
added, with why), the FAQ section the text belongs to, and ``do``: the operations it stands for as
scenario steps (``{actor, op, args}`` or ``{advance: {until | by}}``) that a test, a trainee's
checklist or a QA engineer can follow literally. An argument the diagnoser cannot know (a password
the taxpayer chose) is left null and named in ``needs``.
"""
from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal

from ..clock import fmt, local
from ..failures import diagnosis_config, entry
from .registry import Bi

_PLACEHOLDER = re.compile(r"^\{(\w+)\}$")


class Missing:
    """A fact the diagnoser could not know: the argument stays null and is named in ``needs``."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING = Missing()


def text(key: str) -> Bi:
    t = diagnosis_config()["texts"][key]
    return t["en"], t["zh"]


def channel_name(job: str) -> Bi:
    c = diagnosis_config()["channels"][job]
    return c["en"], c["zh"]


def proposal(key: str):
    return diagnosis_config()["proposals"][key]


def _step_text(spec: dict) -> tuple[Bi, str | None]:
    """The step's (English, 中文) text and the code whose FAQ section it comes from, if any."""
    if "from" in spec:
        code, _, n = spec["from"].rpartition(".")
        e = entry(code)
        i = int(n) - 1
        return (e["steps_en"][i], e["steps_zh"][i]), code
    return text(spec["text"]), None


def _show(value, lang: int) -> str:
    if isinstance(value, datetime):
        return local(value).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, tuple) and len(value) == 2:
        return value[lang]
    if isinstance(value, (list, tuple)):
        return ("、" if lang else ", ").join(_show(v, lang) for v in value)
    if value is MISSING or value is None:
        return "…"
    return str(value)


def _words(template: str, facts: dict, lang: int) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: _show(facts[m.group(1)], lang), template)


def _value(value, facts: dict, needs: list[str], name: str = ""):
    """Fill an argument: "{fact}" alone takes the fact as it is (a list, a mapping, a bool)."""
    if isinstance(value, str):
        m = _PLACEHOLDER.match(value)
        if m:
            raw = facts[m.group(1)]
            if isinstance(raw, dict):
                return _value(raw, facts, needs)
            if raw is MISSING:
                needs.append(name or m.group(1))
                return None
            if isinstance(raw, datetime):
                return fmt(raw)
            if isinstance(raw, Decimal):
                return f"{raw:.2f}"
            return raw
        return _words(value, facts, 1) if "{" in value else value
    if isinstance(value, dict):
        return {k: _value(v, facts, needs, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_value(v, facts, needs, name) for v in value]
    if value is MISSING:
        needs.append(name)
        return None
    return value


def _actions(specs: list[dict], facts: dict, actors: dict, needs: list[str]) -> list[dict]:
    out = []
    for spec in specs:
        each = facts[spec["for_each"]] if "for_each" in spec else [None]
        for item in each:
            local_facts = {**facts, "each": item}
            if "advance" in spec:
                out.append({"advance": _value(spec["advance"], local_facts, needs)})
                continue
            action = {"actor": actors.get(spec["actor"]), "role": spec["actor"], "op": spec["op"]}
            action["args"] = _value(spec.get("args", {}), local_facts, needs)
            out.append(action)
    return out


def _applies(spec: dict, facts: dict) -> bool:
    for key in _names(spec.get("when")):
        if not facts.get(key):
            return False
    for key in _names(spec.get("unless")):
        if facts.get(key):
            return False
    return True


def _names(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def render(rule_name: str, rule_faq: str, facts: dict, actors: dict) -> list[dict]:
    """The remedy of ``rule_name`` for these facts: the steps that apply, in the YAML's order."""
    config = diagnosis_config()
    fmt_added = config["added_format"]
    out = []
    for spec in config["rules"][rule_name]["steps"]:
        if not _applies(spec, facts):
            continue
        (en, zh), code = _step_text(spec)
        en, zh = _words(en, facts, 0), _words(zh, facts, 1)
        needs: list[str] = []
        # the FAQ section the words come from: the code's (4.3's step 6 in a 4.4 remedy), else the rule's
        step = {"n": len(out) + 1, "faq": (entry(code)["faq"] if code else None) or rule_faq, "zh": zh, "en": en,
                "added": "added" in spec, "why_zh": None, "why_en": None,
                "do": _actions(spec.get("do", []), facts, actors, needs)}
        if step["added"]:
            why_en, why_zh = text(spec["added"])
            step["why_en"], step["why_zh"] = _words(why_en, facts, 0), _words(why_zh, facts, 1)
            step["text_zh"] = fmt_added["zh"].format(step=zh, why=step["why_zh"])
            step["text_en"] = fmt_added["en"].format(step=en, why=step["why_en"])
        else:
            step["text_zh"], step["text_en"] = zh, en
        step["needs"] = sorted(set(needs))
        out.append(step)
    return out


def check_config() -> list[str]:
    """What is wrong with the YAML's diagnosis section (a test keeps this empty)."""
    config = diagnosis_config()
    problems = []
    for name, spec in config["rules"].items():
        for i, step in enumerate(spec.get("steps", []), 1):
            where = f"diagnosis.rules.{name}.steps.{i}"
            if ("from" in step) == ("text" in step):
                problems.append(f"{where}: give exactly one of from / text")
            if "from" in step:
                code, _, n = str(step["from"]).rpartition(".")
                steps = entry(code)["steps_zh"]
                if not n.isdigit() or not 1 <= int(n) <= len(steps):
                    problems.append(f"{where}: {step['from']} is not one of {code}'s steps")
            elif step["text"] not in config["texts"]:
                problems.append(f"{where}: no text {step['text']!r}")
            if "added" in step and step["added"] not in config["texts"]:
                problems.append(f"{where}: no text {step['added']!r} for why")
            for action in step.get("do", []):
                if "advance" not in action and not {"actor", "op"} <= set(action):
                    problems.append(f"{where}: an action names its actor and op (or advances the clock)")
    return problems
