"""Grading an attempt: a pure function of the exercise and the attempt.

The attempt is its world's audit trail (everything done after the exercise's setup, up to the
submission), the hints it used and the simulated time it took. The goal steps run in a *fork* of
the attempt's world with the runner's own sessions, and the fork is deleted afterwards, so
grading changes nothing the trainee sees and grading twice gives the same result.

Points (``scoring``, defaults goal 60, procedure 30, time 10, pass 60):
- goal: all or nothing — every goal step must hold;
- procedure: the checkpoints matched in order (see :mod:`.matching`); each non-optional one in
  the match earns an equal share (rounded half up); with no non-optional checkpoint, all of it;
- time: all when the goal is met within ``time_limit`` (or there is none), else nothing;
- minus each forbidden entry done successfully (once per entry) and each hint shown;
- never below 0; ``passed`` is ``score >= pass``. Refused operations are listed and cost nothing.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import catalogue
from ..audit.models import AuditEntry
from ..audit.record import plain
from ..clock import fmt
from ..failures import messages
from ..jinsan.models import Industry
from ..scenarios.runner import _run_step
from ..worlds.models import World
from ..worlds.service import delete_world, fork_world
from .exercise import Checkpoint, Exercise, Match
from .matching import Done, align, first_match, forbidden_done


@dataclass(frozen=True)
class Facts:
    """What grading reads of an attempt besides its world."""

    world_id: int
    mode: str
    hints_used: int
    start_sim: datetime
    end_sim: datetime | None          # the clock at submission; None while open (the clock now)
    audit_upto: int | None = None     # the last audit entry that counts; None: all of them


def fmt_duration(td: timedelta) -> str:
    """``1d2h15m`` (the duration syntax of scenarios); ``0m`` for nothing."""
    secs = max(0, int(td.total_seconds()))
    d, rest = divmod(secs, 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    out = "".join(f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v)
    return out or "0m"


def share(points: int, earned: int, of: int) -> int:
    """``points × earned / of`` rounded half up, in whole points."""
    if of <= 0:
        return points
    return (2 * points * earned + of) // (2 * of)


# --- reading the attempt ---------------------------------------------------------------------------

def audit_trail(session: Session, world_id: int, upto: int | None = None) -> list[Done]:
    stmt = select(AuditEntry).where(AuditEntry.world_id == world_id)
    if upto is not None:
        stmt = stmt.where(AuditEntry.id <= upto)
    rows = session.scalars(stmt.order_by(AuditEntry.id))
    return [Done(n=i, at=e.sim_time, actor=e.actor, op=e.operation, args=dict(e.args or {}),
                 error=e.error_code, field=e.error_field) for i, e in enumerate(rows, start=1)]


def industry_codes(session: Session, world_id: int) -> dict[str, str]:
    """Name or code → code, so a checkpoint written with a code matches an industry typed by name."""
    out: dict[str, str] = {}
    for code, name in session.execute(select(Industry.code, Industry.name).where(Industry.world_id == world_id)):
        out[code] = code
        out.setdefault(name, code)
    return out


# --- labels ----------------------------------------------------------------------------------------

def match_label(m: Match) -> dict:
    op = catalogue.load_all().get(m.op)
    args = ", ".join(f"{k}={_short(v)}" for k, v in m.args.items())
    who = f"{m.actor}: " if m.actor else ""
    zh = f"{who}{op.label_zh if op else m.op}" + (f"（{args}）" if args else "")
    en = f"{who}{op.label_en if op else m.op}" + (f" ({args})" if args else "")
    return {"zh": zh, "en": en}


def checkpoint_label(cp: Checkpoint) -> dict:
    if cp.label:
        return dict(cp.label)
    parts = [match_label(o) for o in cp.options]
    return {"zh": " 或 ".join(p["zh"] for p in parts), "en": " or ".join(p["en"] for p in parts)}


def _short(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_short(x) for x in v) + "]"
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def error_text(code: str, field: str | None) -> dict:
    zh, en = messages(code, field=field, reason="")
    return {"zh": zh, "en": en}


# --- the goal, in a fork -----------------------------------------------------------------------------

def run_goal(session: Session, ex: Exercise, world_id: int) -> list[dict]:
    """Each goal step's outcome, run in a fork of the world that is deleted afterwards."""
    src = session.get(World, world_id)
    fork = fork_world(session, src, name=f"grading {ex.id}"[:200], owner_id=None)
    session.commit()
    fork_id = fork.id
    rows: list[dict] = []
    try:
        tokens: dict[str, str] = {}
        failed = False
        for step in ex.goal:
            label = step.op or (f"advance {step.advance_by}" if step.advance_by else f"advance until {fmt(step.advance_until)}")
            if failed:
                rows.append({"step": step.n, "ok": False, "outcome": "not run", "actor": step.actor or "clock",
                             "op": label, "expected": step.expect.describe()})
                continue
            row = _run_step(session, fork_id, step, tokens)
            got = row["got"]
            outcome = "ok" if row["ok"] else (got if isinstance(got, str) else "unexpected result")
            out = {"step": step.n, "ok": row["ok"], "outcome": outcome, "actor": row["actor"], "op": row["op"],
                   "expected": plain(row["expected"]), "detail": row["outcome"]}
            if not row["ok"] and not isinstance(got, str):
                out["got"] = plain(got)
            rows.append(out)
            failed = not row["ok"]
    finally:
        session.rollback()
        fork = session.get(World, fork_id)
        if fork is not None:
            delete_world(session, fork)
            session.commit()
    return rows


# --- grading -------------------------------------------------------------------------------------------

def grade(session: Session, ex: Exercise, facts: Facts, *, include_solution: bool = False) -> dict:
    done = audit_trail(session, facts.world_id, facts.audit_upto)
    industries = industry_codes(session, facts.world_id)
    end = facts.end_sim
    if end is None:
        end = session.execute(select(World.clock_now).where(World.id == facts.world_id)).scalar_one()
    sc = ex.scoring

    goal_steps = run_goal(session, ex, facts.world_id)
    met = all(s["ok"] for s in goal_steps)
    goal_points = sc["goal"] if met else 0

    proc = procedure_view(ex, done, industries)
    proc_points = proc["points_earned_share"]

    forbid = []
    forbidden_steps: dict[int, tuple] = {}
    for f, d in forbidden_done(ex.forbidden, done, industries):
        forbid.append({"op": f.match.op, "args": plain(f.match.args), "at": fmt(d.at), "penalty": f.penalty,
                       "why": f.why["zh"], "why_en": f.why["en"], "step": d.n, "entry": f.n})
        forbidden_steps[d.n] = (f, d)
    penalty = sum(f["penalty"] for f in forbid)

    used = min(max(facts.hints_used, 0), len(ex.hints))
    hint_points = sum(h.cost for h in ex.hints[:used])

    taken = end - facts.start_sim
    limit = ex.limit
    within = limit is None or taken <= limit
    time_points = sc["time"] if (met and within) else 0

    raw = goal_points + proc_points + time_points - penalty - hint_points
    score = max(0, min(100, raw))
    result = {
        "exercise": ex.id, "title": ex.title, "faq": ex.faq, "stars": ex.stars, "mode": facts.mode,
        "score": score, "passed": score >= sc["pass"], "pass": sc["pass"],
        "goal": {"met": met, "points": goal_points, "max": sc["goal"], "steps": goal_steps},
        "procedure": {"points": proc_points, "max": sc["procedure"], "checkpoints": proc["checkpoints"]},
        "forbidden": forbid,
        "hints_used": used, "hint_points": hint_points,
        "time": {"used": fmt_duration(taken), "seconds": int(taken.total_seconds()), "points": time_points,
                 "max": sc["time"], "limit": ex.time_limit, "within": within},
        "steps": trainee_steps(done, proc["by_step"], forbidden_steps, ex, facts.mode),
        "failed": [{"op": d.op, "actor": d.actor, "at": fmt(d.at), "error": d.error, "field": d.field}
                   for d in done if not d.ok],
    }
    if include_solution:
        result["solution"] = plain(ex.raw_solution)
        result["faq_steps"] = faq_steps(ex)
    return result


def procedure_view(ex: Exercise, done: list[Done], industries: dict[str, str]) -> dict:
    """Each checkpoint ✓/✗ with when, the points the matched ones earn, and which step matched which."""
    matched = align(ex.procedure, done, industries)
    required = [i for i, cp in enumerate(ex.procedure) if not cp.optional]
    earned = sum(1 for i in required if i in matched)
    points = share(ex.scoring["procedure"], earned, len(required))
    checkpoints, by_step = [], {}
    for i, cp in enumerate(ex.procedure):
        d = matched.get(i)
        row = {"n": cp.n, "op": " | ".join(o.op for o in cp.options), "done": d is not None,
               "at": fmt(d.at) if d else None, "optional": cp.optional, "label": checkpoint_label(cp),
               "args": plain(cp.options[0].args) if len(cp.options) == 1 else None}
        if d is not None:
            row["step"] = d.n
            by_step[d.n] = cp.n
        else:
            late = first_match(cp, done, industries)
            row["out_of_order_at"] = fmt(late.at) if late else None
        checkpoints.append(row)
    return {"checkpoints": checkpoints, "points_earned_share": points, "by_step": by_step,
            "earned": earned, "required": len(required)}


def refusal_why(d: Done, ex: Exercise, mode: str) -> dict:
    """Why an operation was refused, in both languages: the attempt's own rules named plainly (the
    audit keeps the code and field; the rule that applied follows from them)."""
    if d.error == "FORBIDDEN" and d.field == "op" and d.op == "diagnose" and mode == "exam":
        return {"zh": "考试模式下不能使用诊断器", "en": "The diagnoser is closed during an exam"}
    op = catalogue.load_all().get(d.op)
    if d.error == "FORBIDDEN" and d.field == "actor" and op is not None and op.side == "jinsan" \
            and op.mutates and d.actor not in ex.plays:
        return {"zh": "本练习只能扮演以下税务人员：" + "、".join(ex.plays),
                "en": "In this exercise you may act only as: " + ", ".join(ex.plays)}
    return error_text(d.error, d.field)


def trainee_steps(done: list[Done], checkpoint_of: dict[int, int], forbidden_steps: dict[int, tuple],
                  ex: Exercise, mode: str) -> list[dict]:
    out = []
    for d in done:
        row = {"n": d.n, "at": fmt(d.at), "actor": d.actor, "op": d.op, "args": plain(d.args), "ok": d.ok,
               "error": d.error, "field": d.field, "checkpoint": checkpoint_of.get(d.n), "forbidden": None,
               "wrong": not d.ok, "why": refusal_why(d, ex, mode) if d.error else None}
        if d.n in forbidden_steps:
            f, _ = forbidden_steps[d.n]
            row.update(forbidden=f.n, wrong=True, why=dict(f.why), penalty=f.penalty)
        out.append(row)
    return out


def faq_steps(ex: Exercise) -> list[dict]:
    return [{"n": cp.n, "optional": cp.optional, **checkpoint_label(cp)} for cp in ex.procedure]


def summary(result: dict) -> dict:
    """The board's columns of a result: missed checkpoints and forbidden entries done, by number."""
    return {"score": result["score"], "passed": result["passed"], "time_used_s": result["time"]["seconds"],
            "missed": [c["n"] for c in result["procedure"]["checkpoints"] if not c["done"] and not c["optional"]],
            "forbidden_done": [f["entry"] for f in result["forbidden"]]}
