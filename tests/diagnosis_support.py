"""Helpers for the diagnoser's tests: play scenario steps (setup, a remedy's ``do``, a probe) with
their 网票 sessions, the way the scenario runner plays them, in one world."""
from __future__ import annotations

from stdnum.cn import uscc

from backoffice.diagnosis import diagnose
from backoffice.dispatch import advance_clock, execute
from backoffice.errors import OperationError
from backoffice.scenarios.runner import session_key
from backoffice.worlds.service import get_world

START = "2016-05-03T09:00:00+08:00"
OFFICERS = [{"login": "h_spec", "name": "张明", "role": "specialist"},
            {"login": "h_ops", "name": "杨帆", "role": "ops"}]


def taxpayer(ref: str = "acme", n: int = 1, **extra) -> dict:
    base = f"91500000MA5U{n:05d}"
    return {"ref": ref, "kind": "unit", "name": f"重庆{ref}有限公司", "tax_id": base + uscc.calc_check_digit(base),
            "registration_no": f"1150{n:016d}", "specialist": "h_spec", **extra}


def spec(*taxpayers, **extra) -> dict:
    return {"start": START, "officers": OFFICERS, "taxpayers": list(taxpayers) or [taxpayer()], **extra}


READY = dict(enabled=True, industries={"main": "7240"}, red_limit="500.00",
             purchases=[{"code": "150001320410", "start": "00000001", "end": "00000100"}])


class Player:
    """Runs steps in one world; keeps each login's session under the runner's key. ``secrets``
    supplies what a remedy leaves to the person ("password@acme/小王", or just "industry")."""

    def __init__(self, db, world, secrets: dict | None = None):
        self.db, self.world, self.secrets, self.tokens = db, world, dict(secrets or {}), {}

    def run(self, step: dict):
        """The step's result mapping, or its failure code."""
        if "expect" in step:   # a setup step that is meant to fail this way
            got = self.run({k: v for k, v in step.items() if k != "expect"})
            assert got == step["expect"], (step, got)
            return {}
        if "advance" in step:
            adv = step["advance"]
            advance_clock(self.db, self.world.id, **(adv if isinstance(adv, dict) else {"by": adv}))
            return {}
        actor, op, args = step["actor"], step["op"], dict(step.get("args") or {})
        try:
            out = execute(self.db, self.world.id, actor, op, args, wp_token=self.tokens.get(actor))
        except OperationError as exc:
            return exc.code
        if op == "login" and out.get("session"):
            self.tokens[session_key(actor, args)] = out["session"]
        return out

    def fill(self, action: dict, needs: list[str]) -> dict:
        """A remedy's action with what the diagnoser could not know filled from the secrets."""
        if "advance" in action:
            return action
        args = dict(action["args"] or {})
        for name in needs:
            if name in args and args[name] is None:
                key = f"{name}@{action['actor']}"
                assert key in self.secrets or name in self.secrets, f"the test must supply {key}"
                args[name] = self.secrets.get(key, self.secrets.get(name))
        return {**action, "args": args}

    def follow(self, problem: dict) -> list[tuple]:
        """Every operation of every step of the problem's remedy, in order; each must succeed (a remedy
        that fails is no remedy) — but for a closing login, which may show the taxpayer's *next*
        problem: never the one cured, and only one the diagnoser then names."""
        actions = [(step, action) for step in problem["remedy"] for action in step["do"]]
        done = []
        for i, (step, action) in enumerate(actions):
            assert "advance" in action or action["actor"], f"step {step['n']} names no actor: {action}"
            got = self.run(self.fill(action, step["needs"]))
            if isinstance(got, str) and i == len(actions) - 1 and action.get("op") == "login":
                assert got != problem["code"], f"the remedy's closing login still fails with {got}"
                assert got in {p["code"] for p in self.diagnosis()["problems"]}, got
            else:
                assert isinstance(got, dict), f"step {step['n']} ({step['zh']}) {action} failed with {got}"
            done.append((action.get("op") or "advance", action.get("actor")))
        return done

    def probe(self, steps: list[dict], needs_from: dict | None = None) -> str:
        """Outcome ("ok" or the first failure code) of probe/check steps; nulls filled from secrets."""
        for step in steps:
            if "advance" not in step:
                missing = [k for k, v in (step.get("args") or {}).items() if v is None]
                step = self.fill(step, missing)
            got = self.run(step)
            if isinstance(got, str):
                return got
        return "ok"

    def diagnosis(self) -> dict:
        self.db.expire_all()
        return diagnose(self.db, get_world(self.db, self.world.id), self.world_ref)

    world_ref = "acme"
