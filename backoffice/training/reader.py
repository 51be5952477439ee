"""Validating an exercise document: every key, with the field and the reason (see :mod:`.exercise`)."""
from __future__ import annotations

import re
from typing import Any

from .. import catalogue
from ..clock import parse_duration
from ..errors import OperationError
from ..scenarios.loader import ScenarioError, Step, _actors, _check_names, _check_world_refs, _step
from ..seed import SeedError, load_base
from ..worlds.spec import parse_world_spec
from .exercise import Checkpoint, Exercise, ExerciseError, Forbidden, Hint, Match, did_you_mean

TOP_KEYS = ("id", "title", "faq", "stars", "brief", "plays", "world", "setup", "time_limit", "goal",
            "procedure", "forbidden", "hints", "solution", "scoring")
REQUIRED = ("id", "title", "faq", "stars", "brief", "plays", "world", "goal", "solution")
STEP_KEYS = ("actor", "op", "args", "expect", "advance")
CHECKPOINT_KEYS = ("op", "args", "actor", "optional", "label", "any_of")
MATCH_KEYS = ("op", "args", "actor")
FORBIDDEN_KEYS = ("op", "args", "actor", "why", "penalty")
HINT_KEYS = ("zh", "en", "cost")
SCORING_KEYS = ("goal", "procedure", "time", "pass")
SCORING_DEFAULTS = {"goal": 60, "procedure": 30, "time": 10, "pass": 60}
LANGS = ("zh", "en")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,119}$")
_FAQ = re.compile(r"^\d+(\.\d+)?$")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


class Reader:
    def __init__(self, path: str, source: str):
        self.path, self.source = path, source

    def bad(self, field: str | None, reason: str) -> ExerciseError:
        return ExerciseError(self.path, reason, field)

    def keys(self, data: dict, allowed, where: str | None) -> None:
        for key in data:
            if str(key) not in allowed:
                at = f"{where}.{key}" if where else str(key)
                raise self.bad(at, f"unknown key{did_you_mean(key, allowed)} (allowed: {', '.join(allowed)})")

    def read(self, data: Any) -> Exercise:
        if not isinstance(data, dict):
            raise self.bad(None, "an exercise is a mapping with id, title, faq, stars, brief, plays, world, goal, "
                                 "solution …")
        self.keys(data, TOP_KEYS, None)
        for key in REQUIRED:
            if key not in data:
                raise self.bad(key, "missing: every exercise needs " + ", ".join(REQUIRED))
        ex_id = data["id"]
        if not isinstance(ex_id, str) or not _ID.match(ex_id):
            raise self.bad("id", "letters, digits, _ . - (the file name without .yaml, by convention)")
        faq = data["faq"]
        if _is_number(faq):
            raise self.bad("faq", f"{faq!r} is a number where a string belongs: quote it")
        if not isinstance(faq, str) or not _FAQ.match(faq):
            raise self.bad("faq", 'the FAQ section it trains, such as "3.2"')
        stars = data["stars"]
        if isinstance(stars, bool) or not isinstance(stars, int) or not 1 <= stars <= 5:
            raise self.bad("stars", "the difficulty: a whole number from 1 to 5")
        title = self.texts(data["title"], "title")
        brief = self.texts(data["brief"], "brief")
        world = data["world"]
        if not isinstance(world, dict):
            raise self.bad("world", "the world block is a mapping with at least start (as in a scenario)")
        try:
            spec = parse_world_spec(world)
            _check_world_refs(self.path, spec)
        except OperationError as exc:
            raise self.bad(exc.field, exc.reason or exc.code) from None
        except ScenarioError as exc:
            raise self.bad(exc.field, exc.reason) from None
        except SeedError as exc:
            raise self.bad("world.base", str(exc)) from None
        self.actors = _actors(spec)
        self.officers = {o.login: o.role for o in load_base(base=spec.base).officers}
        self.officers.update({o.login: o.role for o in spec.officers})
        self.plays = self.read_plays(data["plays"])
        setup = self.steps(data.get("setup", []), "setup", allow_empty=True)
        goal = self.steps(data["goal"], "goal")
        solution = self.steps(data["solution"], "solution")
        for step in solution:
            if step.op and catalogue.get(step.op).side == "jinsan" and step.actor not in self.plays:
                raise self.bad(f"solution.{step.n}.actor", f"{step.actor!r} is not an officer the trainee plays "
                                                           f"(plays: {', '.join(self.plays)})")
        time_limit = data.get("time_limit")
        if time_limit is not None:
            if not isinstance(time_limit, str):
                raise self.bad("time_limit", "a duration with its unit, e.g. 30m, 2h or 1d")
            try:
                parse_duration(time_limit)
            except OperationError as exc:
                raise self.bad("time_limit", exc.reason) from None
        return Exercise(
            path=self.path, id=ex_id, title=title, faq=faq, stars=stars, brief=brief, plays=self.plays,
            world=world, setup=setup, goal=goal, procedure=self.procedure(data.get("procedure", [])),
            forbidden=self.forbidden(data.get("forbidden", [])), hints=self.hints(data.get("hints", [])),
            solution=solution, scoring=self.scoring(data.get("scoring")), time_limit=time_limit,
            raw_solution=list(data["solution"]), source=self.source, officers=dict(self.officers))

    def texts(self, value: Any, where: str, *, extra=()) -> dict:
        """A {zh, en} pair of non-blank texts (Chinese first, English available)."""
        if not isinstance(value, dict):
            raise self.bad(where, "a mapping {zh: …, en: …}")
        self.keys({k: v for k, v in value.items() if k not in extra}, LANGS, where)
        out = {}
        for lang in LANGS:
            text = value.get(lang)
            if not isinstance(text, str) or not text.strip():
                raise self.bad(f"{where}.{lang}", "a non-blank text in " + ("Chinese" if lang == "zh" else "English"))
            out[lang] = text.strip()
        return out

    def read_plays(self, value: Any) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value:
            raise self.bad("plays", "the officers the trainee may play: a non-empty list of logins")
        for i, login in enumerate(value):
            if not isinstance(login, str) or login not in self.officers:
                raise self.bad(f"plays.{i}", f"no officer {login!r} in this world{did_you_mean(login, self.officers)}")
        if len(set(value)) != len(value):
            raise self.bad("plays", "an officer is named twice")
        return list(value)

    # --- steps (the scenario loader's own checks) ------------------------------------------

    def steps(self, value: Any, where: str, *, allow_empty: bool = False) -> list[Step]:
        if value is None and allow_empty:
            return []
        if not isinstance(value, list) or (not value and not allow_empty):
            raise self.bad(where, "a non-empty list of scenario steps ({advance: …} or {actor, op, args, expect})")
        out = []
        for n, raw in enumerate(value, start=1):
            at = f"{where}.{n}"
            if isinstance(raw, dict):
                self.keys(raw, STEP_KEYS, at)
                self.op_name(raw.get("op"), f"{at}.op")
                self.arg_names(raw.get("op"), raw.get("args"), at)
            try:
                out.append(_step(self.path, n, raw, self.actors))
            except ScenarioError as exc:
                raise self.bad(f"{at}.{exc.field}" if exc.field else at, exc.reason) from None
        return out

    def op_name(self, name: Any, where: str) -> catalogue.Operation | None:
        if not isinstance(name, str):
            return None
        ops = catalogue.load_all()
        if name not in ops:
            raise self.bad(where, f"unknown operation {name!r}{did_you_mean(name, ops)}")
        return ops[name]

    def arg_names(self, op_name: Any, args: Any, where: str) -> None:
        ops = catalogue.load_all()
        if not isinstance(op_name, str) or op_name not in ops or not isinstance(args, dict):
            return
        model = ops[op_name].args_model
        props = model.model_json_schema().get("properties", {})
        for key, value in args.items():
            if key not in model.model_fields:
                raise self.bad(f"{where}.args.{key}", f"{op_name} has no argument {key!r}"
                                                      f"{did_you_mean(key, model.model_fields)}"
                                                      f" (its arguments: {', '.join(model.model_fields) or 'none'})")
            if _is_number(value) and props.get(key, {}).get("type") == "string":
                raise self.bad(f"{where}.args.{key}", f"{value!r} is a number where a string belongs: quote it")

    # --- procedure, forbidden, hints, scoring ----------------------------------------------

    def match(self, raw: Any, where: str, allowed) -> Match:
        if not isinstance(raw, dict):
            raise self.bad(where, "a mapping {op, args} (args given must match; others are free)")
        self.keys(raw, allowed, where)
        op = self.op_name(raw.get("op"), f"{where}.op")
        if op is None:
            raise self.bad(f"{where}.op", "the operation's name")
        args = raw.get("args") or {}
        if not isinstance(args, dict):
            raise self.bad(f"{where}.args", "a mapping of the arguments that must match")
        self.arg_names(op.name, args, where)
        try:
            _check_names(self.path, 0, args, self.actors)
        except ScenarioError as exc:
            raise self.bad(f"{where}.{exc.field}", exc.reason) from None
        actor = raw.get("actor")
        if actor is not None:
            if not isinstance(actor, str):
                raise self.bad(f"{where}.actor", "an officer login, a taxpayer ref or ref/invoicer")
            known = set(self.officers) | self.actors.taxpayers
            if op.side == "jinsan" and actor not in self.officers:
                raise self.bad(f"{where}.actor", f"no officer {actor!r} in this world{did_you_mean(actor, self.officers)}")
            if op.side != "jinsan" and actor.partition("/")[0] not in self.actors.taxpayers:
                raise self.bad(f"{where}.actor", f"no taxpayer {actor!r} in this world{did_you_mean(actor, known)}")
        return Match(op=op.name, args=dict(args), actor=actor)

    def playable(self, m: Match) -> str | None:
        """Why the trainee could never do ``m`` with the officers it plays (None when it can)."""
        op = catalogue.get(m.op)
        if op.side != "jinsan" or not op.mutates:
            return None
        if m.actor is not None:
            return None if m.actor in self.plays else f"{m.actor!r} is not an officer the trainee plays"
        if any(self.officers.get(p) in op.roles for p in self.plays):
            return None
        roles = ", ".join(f"{p} ({self.officers.get(p)})" for p in self.plays)
        return f"{m.op} needs one of the roles {', '.join(sorted(op.roles))}; the trainee plays {roles}"

    def procedure(self, value: Any) -> list[Checkpoint]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.bad("procedure", "a list of checkpoints {op, args} or {any_of: [...]}")
        out = []
        for n, raw in enumerate(value, start=1):
            at = f"procedure.{n}"
            if not isinstance(raw, dict):
                raise self.bad(at, "a checkpoint {op, args, optional, label} or {any_of: [...]}")
            self.keys(raw, CHECKPOINT_KEYS, at)
            optional = raw.get("optional", False)
            if not isinstance(optional, bool):
                raise self.bad(f"{at}.optional", "true or false")
            label = self.texts(raw["label"], f"{at}.label") if raw.get("label") is not None else None
            if "any_of" in raw:
                if "op" in raw or "args" in raw or "actor" in raw:
                    raise self.bad(at, "a checkpoint is either {op, args} or {any_of: [...]}, not both")
                steps = raw["any_of"]
                if not isinstance(steps, list) or len(steps) < 2:
                    raise self.bad(f"{at}.any_of", "a list of two or more {op, args}, one of which must be done")
                options = tuple(self.match(s, f"{at}.any_of.{i}", MATCH_KEYS) for i, s in enumerate(steps, 1))
                reasons = [self.playable(o) for o in options]
                if all(reasons):
                    raise self.bad(f"{at}.any_of", reasons[0])
            else:
                options = (self.match({k: raw[k] for k in MATCH_KEYS if k in raw}, at, MATCH_KEYS),)
                reason = self.playable(options[0])
                if reason:
                    raise self.bad(at, reason)
            out.append(Checkpoint(n=n, options=options, optional=optional, label=label))
        return out

    def forbidden(self, value: Any) -> list[Forbidden]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.bad("forbidden", "a list of {op, args, why, penalty}")
        out = []
        for n, raw in enumerate(value, start=1):
            at = f"forbidden.{n}"
            if not isinstance(raw, dict):
                raise self.bad(at, "a mapping {op, args, why: {zh, en}, penalty}")
            self.keys(raw, FORBIDDEN_KEYS, at)
            m = self.match({k: raw[k] for k in MATCH_KEYS if k in raw}, at, MATCH_KEYS)
            if "why" not in raw:
                raise self.bad(f"{at}.why", "say why it is wrong: {zh: …, en: …}")
            penalty = raw.get("penalty")
            if isinstance(penalty, bool) or not isinstance(penalty, int) or not 0 <= penalty <= 100:
                raise self.bad(f"{at}.penalty", "the points it costs: a whole number from 0 to 100")
            out.append(Forbidden(n=n, match=m, why=self.texts(raw["why"], f"{at}.why"), penalty=penalty))
        return out

    def hints(self, value: Any) -> list[Hint]:
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.bad("hints", "a list of {zh, en, cost}")
        out = []
        for n, raw in enumerate(value, start=1):
            at = f"hints.{n}"
            if not isinstance(raw, dict):
                raise self.bad(at, "a mapping {zh, en, cost}")
            self.keys(raw, HINT_KEYS, at)
            texts = self.texts(raw, at, extra=("cost",))
            cost = raw.get("cost")
            if isinstance(cost, bool) or not isinstance(cost, int) or not 0 <= cost <= 100:
                raise self.bad(f"{at}.cost", "the points the hint costs: a whole number from 0 to 100")
            out.append(Hint(zh=texts["zh"], en=texts["en"], cost=cost))
        return out

    def scoring(self, value: Any) -> dict:
        if value is None:
            return dict(SCORING_DEFAULTS)
        if not isinstance(value, dict):
            raise self.bad("scoring", "a mapping {goal, procedure, time, pass}")
        self.keys(value, SCORING_KEYS, "scoring")
        out = dict(SCORING_DEFAULTS)
        for key, v in value.items():
            if isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 100:
                raise self.bad(f"scoring.{key}", "whole points from 0 to 100")
            out[key] = v
        if out["goal"] + out["procedure"] + out["time"] != 100:
            raise self.bad("scoring", f"goal + procedure + time must add up to 100 "
                                      f"(here {out['goal']} + {out['procedure']} + {out['time']})")
        return out
