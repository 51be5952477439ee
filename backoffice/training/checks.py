"""Trying an exercise against an answer, and proving a whole file right and fair.

``try_answer`` is what ``backoffice exercise try`` does: a real attempt (no trainee) forked from
the prepared world, the answer's steps run as the trainee through every rule of the attempt,
then a real submission. ``check_exercise`` is one file of ``backoffice exercise check``: its
``solution`` must score 100 (in an exam, with no hint), and an untouched attempt must leave the
goal unmet — otherwise the exercise asks for nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..worlds.models import World
from ..worlds.service import delete_world
from .attempts import new_assignment, run_answer, start_attempts, submit
from .exercise import Exercise, ExerciseError
from .models import Assignment, Attempt


@dataclass
class Tried:
    result: dict
    rows: list[dict]
    attempt_id: int
    world_id: int


def try_answer(session: Session, ex: Exercise, steps, *, hints: int = 0, mode: str = "exam") -> Tried:
    assignment = new_assignment(session, ex, mode=mode)
    (attempt,) = start_attempts(session, assignment, [None])
    attempt.hints_used = max(0, min(hints, len(ex.hints)))
    session.commit()
    attempt_id, world_id = attempt.id, attempt.attempt_world_id
    rows = run_answer(session, attempt, steps)
    result = submit(session, attempt_id)
    return Tried(result=result, rows=rows, attempt_id=attempt_id, world_id=world_id)


def discard(session: Session, tried: Tried) -> None:
    """Remove a try's world and its assignment (check leaves nothing behind)."""
    attempt = session.get(Attempt, tried.attempt_id)
    assignment_id = attempt.assignment_id if attempt else None
    world = session.get(World, tried.world_id)
    if world is not None:
        delete_world(session, world)
    if assignment_id is not None:
        a = session.get(Assignment, assignment_id)
        if a is not None:
            session.delete(a)
    session.commit()


def check_exercise(session: Session, ex: Exercise) -> list[str]:
    """What falls short in one exercise (empty when it is right and fair)."""
    problems: list[str] = []
    try:
        solved = try_answer(session, ex, ex.solution)
    except ExerciseError as exc:
        return [f"{exc.field}: {exc.reason}" if exc.field else exc.reason]
    try:
        r = solved.result
        if r["score"] != 100:
            problems.append("the solution scores " + str(r["score"]) + ", not 100: " + shortfall(r))
    finally:
        discard(session, solved)
    untouched = try_answer(session, ex, [])
    try:
        r = untouched.result
        if r["goal"]["met"]:
            problems.append("unfair: the goal is already met right after the setup (an untouched attempt "
                            f"scores {r['score']})")
        elif r["passed"]:
            problems.append(f"unfair: an untouched attempt passes with {r['score']}")
    finally:
        discard(session, untouched)
    return problems


def shortfall(r: dict) -> str:
    """Where a result lost points, in one line."""
    out = []
    if not r["goal"]["met"]:
        bad = next((s for s in r["goal"]["steps"] if not s["ok"]), None)
        if bad:
            out.append(f"goal step {bad['step']} ({bad['op']}) expected {bad['expected']}, got {bad['outcome']}")
    missed = [f"#{c['n']} {c['label']['en']}" for c in r["procedure"]["checkpoints"] if not c["done"] and not c["optional"]]
    if missed:
        out.append("checkpoints missed: " + "; ".join(missed))
    for f in r["forbidden"]:
        out.append(f"forbidden {f['op']} at {f['at']} (−{f['penalty']})")
    if r["time"]["points"] < r["time"]["max"] and r["goal"]["met"]:
        out.append(f"time {r['time']['used']} over the limit {r['time']['limit']}")
    if r["hint_points"]:
        out.append(f"hints −{r['hint_points']}")
    failed = [s for s in r["steps"] if not s["ok"]]
    if failed:
        out.append("refused steps: " + "; ".join(f"{s['n']} {s['op']} {s['error']}" for s in failed))
    return "; ".join(out) or "no points lost?"
