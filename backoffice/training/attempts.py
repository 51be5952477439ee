"""Attempts: the prepared world of an exercise, attempt worlds forked from it, hints, answers and
submission.

The *prepared world* of an exercise is its world block after its ``setup`` steps, with the setup's
audit trail and job history removed: an attempt's audit starts after setup, so the trainee never
sees how the taxpayer was broken. It is built once per version of the exercise file (found again
by its key ``exercise:<id>:<digest>``), kept as a template no door can act in, and every attempt
world is a fork of it (``fork_worlds``: one call per exercise for a whole class).
"""
from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..audit.models import AuditEntry
from ..clock import wall_now
from ..errors import OperationError
from ..scenarios.runner import _run_step, describe_failure
from ..clock_models import JobRun
from ..wangpiao.models import WpSession
from ..worlds.models import World
from ..worldbuild import create_world
from ..worlds.service import delete_world, fork_worlds, set_clock_mode
from .exercise import Exercise, ExerciseError, load_text
from .grader import Facts, grade, summary
from .models import MODES, Assignment, Attempt


def prepared_key(ex: Exercise) -> str:
    return f"exercise:{ex.id}:{ex.digest[:16]}"


def prepared_world(session: Session, ex: Exercise) -> World:
    """The world after the exercise's setup, built on first use; raises ExerciseError when a setup
    step does not go as its expectation says (the exercise itself is broken)."""
    key = prepared_key(ex)
    found = session.execute(select(World).where(World.key == key)).scalar_one_or_none()
    if found is not None:
        return found
    try:
        world = create_world(session, ex.world, name=f"exercise {ex.id} (prepared)"[:200])
        session.commit()
    except OperationError as exc:
        session.rollback()
        raise ExerciseError(ex.path, exc.reason or exc.message_en, exc.field or "world") from None
    tokens: dict[str, str] = {}
    for step in ex.setup:
        row = _run_step(session, world.id, step, tokens)
        if not row["ok"]:
            why = describe_failure({"steps": [row]})
            delete_world(session, session.get(World, world.id))
            session.commit()
            raise ExerciseError(ex.path, f"the setup did not go as written: {why}", f"setup.{step.n}")
    # the attempt's history starts here: nothing of the setup is left to read
    session.execute(delete(AuditEntry).where(AuditEntry.world_id == world.id))
    session.execute(delete(JobRun).where(JobRun.world_id == world.id))
    session.execute(delete(WpSession).where(WpSession.world_id == world.id))   # the setup's own logins
    world = session.get(World, world.id)
    # a template: listed nowhere and refused by every door (get_world skips templates); only forked
    world.is_template = True
    world.key = key
    session.commit()
    return world


def exercise_of(assignment: Assignment) -> Exercise:
    return load_text(assignment.source, f"{assignment.exercise_id}.yaml")


def new_assignment(session: Session, ex: Exercise, *, mode: str, class_id: int | None = None,
                   deadline=None, created_by: int | None = None, position: int = 0) -> Assignment:
    if mode not in MODES:
        raise OperationError("INVALID_INPUT", field="mode", reason=f"one of {', '.join(MODES)}",
                             reason_zh="练习模式须为 exam（考试）、practice（练习）或 rehearsal（演练）")
    prep = prepared_world(session, ex)
    a = Assignment(class_id=class_id, exercise_id=ex.id, title_zh=ex.title["zh"][:200], title_en=ex.title["en"][:200],
                   faq=ex.faq, stars=ex.stars, mode=mode, deadline=deadline, plays=list(ex.plays), source=ex.source,
                   digest=ex.digest, prepared_world_id=prep.id, position=position, created_by=created_by,
                   created_wall=wall_now())
    session.add(a)
    session.flush()
    return a


def start_attempts(session: Session, assignment: Assignment, users: list) -> list[Attempt]:
    """One attempt world per user, all forked from the assignment's prepared world in one call.

    ``users`` are User rows, or None for an attempt that belongs to nobody (exercise try/check)."""
    if not users:
        return []
    ex = exercise_of(assignment)
    prep = session.get(World, assignment.prepared_world_id) if assignment.prepared_world_id else None
    if prep is None:  # deleted meanwhile: build it again from the assignment's own copy
        prep = prepared_world(session, ex)
        assignment.prepared_world_id = prep.id
    targets = [{"name": f"{ex.title['zh']} · {u.username if u else 'try'}"[:200], "owner_id": u.id if u else None}
               for u in users]
    worlds = fork_worlds(session, prep, targets)
    now = wall_now()
    attempts = [Attempt(assignment_id=assignment.id, user_id=u.id if u else None, attempt_world_id=w.id,
                        status="open", start_sim=prep.clock_now, hints_used=0, started_wall=now)
                for u, w in zip(users, worlds)]
    session.add_all(attempts)
    session.flush()
    return attempts


def attempt_in_world(session: Session, world_id: int) -> Attempt | None:
    return session.execute(select(Attempt).where(Attempt.attempt_world_id == world_id)).scalar_one_or_none()


def get_attempt(session: Session, attempt_id: int, *, lock: bool = False) -> Attempt:
    stmt = select(Attempt).where(Attempt.id == attempt_id)
    if lock:
        stmt = stmt.with_for_update()
    attempt = session.execute(stmt).scalar_one_or_none()
    if attempt is None:
        raise OperationError("NOT_FOUND", field="attempt", reason=f"no attempt {attempt_id}",
                             reason_zh=f"没有练习记录 {attempt_id}")
    return attempt


def facts(session: Session, attempt: Attempt, assignment: Assignment) -> Facts:
    return Facts(world_id=attempt.attempt_world_id, mode=assignment.mode, hints_used=attempt.hints_used,
                 start_sim=attempt.start_sim, end_sim=attempt.end_sim, audit_upto=attempt.audit_upto)


# --- hints ---------------------------------------------------------------------------------------

def take_hint(session: Session, attempt_id: int) -> dict:
    """Show the next hint (it costs its points). Refused once submitted or when none is left."""
    attempt = get_attempt(session, attempt_id, lock=True)
    if attempt.status == "submitted":
        from .guard import AttemptRefusal
        raise AttemptRefusal("ATTEMPT_SUBMITTED", "attempt", "该练习已提交，不能再查看新的提示",
                             "This attempt has been submitted: no more hints")
    ex = exercise_of(session.get(Assignment, attempt.assignment_id))
    if attempt.hints_used >= len(ex.hints):
        raise OperationError("INVALID_INPUT", field="hint", reason="there is no further hint",
                             reason_zh="没有更多提示了")
    hint = ex.hints[attempt.hints_used]
    attempt.hints_used += 1
    session.commit()
    return {"n": attempt.hints_used, "zh": hint.zh, "en": hint.en, "cost": hint.cost,
            "left": len(ex.hints) - attempt.hints_used}


def shown_hints(ex: Exercise, attempt: Attempt) -> list[dict]:
    return [{"n": i + 1, "zh": h.zh, "en": h.en, "cost": h.cost} for i, h in enumerate(ex.hints[:attempt.hints_used])]


# --- answers (exercise try, exercise check) ---------------------------------------------------------

def run_answer(session: Session, attempt: Attempt, steps) -> list[dict]:
    """Run scenario steps as the trainee in the attempt's world, through every rule of the attempt.

    A refused step is recorded (in the audit, and in the rows returned) and the next one runs:
    a trainee's wrong move does not stop it."""
    tokens: dict[str, str] = {}
    rows = []
    for step in steps:
        rows.append(_run_step(session, attempt.attempt_world_id, step, tokens))
    return rows


# --- submission ----------------------------------------------------------------------------------

def submit(session: Session, attempt_id: int) -> dict:
    """Close the attempt (read-only from now on), grade it and keep the result. Submitting again
    returns the same result."""
    attempt = get_attempt(session, attempt_id, lock=True)
    assignment = session.get(Assignment, attempt.assignment_id)
    if attempt.status != "submitted":
        world = session.execute(select(World).where(World.id == attempt.attempt_world_id).with_for_update()).scalar_one()
        if world.clock_mode == "live":
            from .. import catalogue
            catalogue.load_all()
            set_clock_mode(session, world, "manual")   # catch up to its live "now", then freeze
        attempt.status = "submitted"
        attempt.end_sim = world.clock_now
        attempt.audit_upto = session.execute(select(func.max(AuditEntry.id))
                                             .where(AuditEntry.world_id == world.id)).scalar()
        attempt.submitted_wall = wall_now()
        session.commit()
    if attempt.result is None:
        store_result(session, attempt, assignment)
    return attempt.result


def store_result(session: Session, attempt: Attempt, assignment: Assignment) -> dict:
    ex = exercise_of(assignment)
    result = grade(session, ex, facts(session, attempt, assignment), include_solution=True)
    result["attempt"] = attempt.id
    result["world_id"] = attempt.attempt_world_id
    attempt = get_attempt(session, attempt.id, lock=True)
    s = summary(result)
    attempt.result = result
    attempt.score, attempt.passed, attempt.time_used_s = s["score"], s["passed"], s["time_used_s"]
    attempt.missed, attempt.forbidden_done = s["missed"], s["forbidden_done"]
    session.commit()
    return result


def regrade(session: Session, attempt: Attempt) -> dict:
    """Grade a submitted attempt again from its world and audit (changes nothing)."""
    assignment = session.get(Assignment, attempt.assignment_id)
    result = grade(session, exercise_of(assignment), facts(session, attempt, assignment), include_solution=True)
    result["attempt"] = attempt.id
    result["world_id"] = attempt.attempt_world_id
    return result
