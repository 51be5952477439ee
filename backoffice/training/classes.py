"""Classes: an instructor's trainees, the exercises assigned to them, and the class board.

Assigning N exercises to a class of M trainees builds (or finds) N prepared worlds and makes the
N×M attempt worlds with N calls of ``fork_worlds``. A trainee added later gets attempts at every
exercise already assigned. The board reads only the summary columns kept at submission, so it
costs one query for the cells whatever the size of the worlds.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, load_only

from ..clock import wall_now
from ..errors import OperationError
from ..users.models import User
from .attempts import new_assignment, start_attempts
from .exercise import find
from .grader import checkpoint_label, fmt_duration
from .models import MODES, Assignment, Attempt, ClassMember, TrainingClass


def _bad(field: str, en: str, zh: str) -> OperationError:
    return OperationError("INVALID_INPUT", field=field, reason=en, reason_zh=zh)


def get_class(session: Session, key: int | str) -> TrainingClass:
    """A class by id or by name."""
    stmt = select(TrainingClass)
    if isinstance(key, int) or (isinstance(key, str) and key.isdigit()):
        found = session.get(TrainingClass, int(key))
        if found is None and isinstance(key, str):
            found = session.execute(stmt.where(TrainingClass.name == key)).scalar_one_or_none()
    else:
        found = session.execute(stmt.where(TrainingClass.name == key)).scalar_one_or_none()
    if found is None:
        raise OperationError("NOT_FOUND", field="class", reason=f"no class {key!r}", reason_zh=f"没有班级 {key}")
    return found


def users_named(session: Session, usernames: list[str], field: str = "trainees") -> list[User]:
    users = {u.username: u for u in session.scalars(select(User).where(User.username.in_(usernames)))}
    for i, name in enumerate(usernames):
        if name not in users:
            raise _bad(f"{field}.{i}", f"no user {name!r}", f"没有用户 {name}")
        if users[name].role == "instructor":
            raise _bad(f"{field}.{i}", f"{name!r} is an instructor, not a trainee", f"{name} 是教员，不是学员")
    return [users[n] for n in dict.fromkeys(usernames)]


def create_class(session: Session, name: str, instructor: User, trainees: list[str] | None = None) -> TrainingClass:
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise _bad("name", "a class name of 1 to 120 characters", "班级名称须为 1 至 120 个字符")
    if not instructor.is_instructor:
        raise OperationError("FORBIDDEN", field="user", reason="only an instructor makes classes",
                             reason_zh="只有教员可以创建班级")
    if session.execute(select(TrainingClass.id).where(TrainingClass.name == name)).first():
        raise _bad("name", f"a class named {name!r} exists already", f"班级 {name} 已存在")
    cls = TrainingClass(name=name, instructor_id=instructor.id, created_wall=wall_now())
    session.add(cls)
    session.flush()
    if trainees:
        add_members(session, cls, trainees)
    return cls


def members(session: Session, cls: TrainingClass) -> list[User]:
    return list(session.scalars(select(User).join(ClassMember, ClassMember.user_id == User.id)
                                .where(ClassMember.class_id == cls.id).order_by(User.username)))


def assignments(session: Session, cls: TrainingClass) -> list[Assignment]:
    return list(session.scalars(
        select(Assignment).options(load_only(Assignment.id, Assignment.class_id, Assignment.exercise_id,
                                             Assignment.title_zh, Assignment.title_en, Assignment.faq,
                                             Assignment.stars, Assignment.mode, Assignment.deadline,
                                             Assignment.position, Assignment.digest))
        .where(Assignment.class_id == cls.id).order_by(Assignment.position, Assignment.id)))


def add_members(session: Session, cls: TrainingClass, usernames: list[str]) -> list[User]:
    """Add trainees; each new one gets an attempt at every exercise already assigned."""
    users = users_named(session, usernames)
    present = set(session.scalars(select(ClassMember.user_id).where(ClassMember.class_id == cls.id)))
    new = [u for u in users if u.id not in present]
    session.add_all(ClassMember(class_id=cls.id, user_id=u.id) for u in new)
    session.flush()
    for a in session.scalars(select(Assignment).where(Assignment.class_id == cls.id)):
        start_attempts(session, a, new)
    return new


def assign(session: Session, cls: TrainingClass, exercise_ids: list[str], *, mode: str,
           deadline: datetime | None = None, by: User | None = None) -> list[Assignment]:
    """Give exercises to the whole class in one mode: an attempt world per trainee per exercise.

    Assigning an exercise the class already has in that mode again adds nothing but the attempts
    of trainees who lack one."""
    if mode not in MODES:
        raise _bad("mode", f"one of {', '.join(MODES)}", "练习模式须为 exam（考试）、practice（练习）或 rehearsal（演练）")
    if not exercise_ids:
        raise _bad("exercises", "name at least one exercise", "请至少选择一个练习")
    if deadline is not None and deadline.tzinfo is None:
        raise _bad("deadline", "a time with its UTC offset", "截止时间须带时区偏移，如 +08:00")
    library = [find(x) for x in dict.fromkeys(exercise_ids)]
    people = members(session, cls)
    position = session.execute(select(func.coalesce(func.max(Assignment.position), 0))
                               .where(Assignment.class_id == cls.id)).scalar()
    out = []
    for ex in library:
        existing = session.execute(select(Assignment).where(Assignment.class_id == cls.id,
                                                            Assignment.exercise_id == ex.id,
                                                            Assignment.mode == mode)).scalars().first()
        if existing is not None:
            have = set(session.scalars(select(Attempt.user_id).where(Attempt.assignment_id == existing.id)))
            start_attempts(session, existing, [u for u in people if u.id not in have])
            out.append(existing)
            continue
        position += 1
        a = new_assignment(session, ex, mode=mode, class_id=cls.id, deadline=deadline,
                           created_by=by.id if by else None, position=position)
        start_attempts(session, a, people)
        out.append(a)
    return out


# --- the board ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Exercise_:
    """An assignment's columns the board shows (plain values: the page renders after the session ends)."""

    id: int
    exercise_id: str
    title_zh: str
    title_en: str
    faq: str
    stars: int
    mode: str
    deadline: datetime | None


@dataclass(frozen=True)
class Trainee:
    id: int
    username: str
    display_name: str


@dataclass
class Column:
    assignment: Exercise_
    labels: dict[int, dict]                       # checkpoint n → label; forbidden n → (op, why)
    forbidden: dict[int, str]
    scores: list[int] = field(default_factory=list)
    passed: int = 0
    missed: Counter = field(default_factory=Counter)
    forbidden_done: Counter = field(default_factory=Counter)

    @property
    def mean(self) -> float | None:
        return round(sum(self.scores) / len(self.scores), 1) if self.scores else None

    @property
    def pass_rate(self) -> float | None:
        return round(100.0 * self.passed / len(self.scores), 1) if self.scores else None

    @property
    def most_missed(self) -> dict | None:
        if not self.missed:
            return None
        n, count = self.missed.most_common(1)[0]
        return {"n": n, "label": self.labels.get(n), "count": count}

    @property
    def most_forbidden(self) -> dict | None:
        if not self.forbidden_done:
            return None
        n, count = self.forbidden_done.most_common(1)[0]
        return {"n": n, "op": self.forbidden.get(n), "count": count}


def board(session: Session, cls: TrainingClass) -> dict:
    """Trainees × assignments: each cell's status, score, pass, time and hints; per assignment the
    mean, pass rate, most often missed checkpoint and most often done forbidden operation."""
    people = [Trainee(u.id, u.username, u.display_name) for u in members(session, cls)]
    cols = []
    for a in assignments(session, cls):
        ex = _exercise_light(session, a)
        plain = Exercise_(a.id, a.exercise_id, a.title_zh, a.title_en, a.faq, a.stars, a.mode, a.deadline)
        cols.append(Column(plain, {cp.n: checkpoint_label(cp) for cp in ex.procedure},
                           {f.n: f.match.op for f in ex.forbidden}))
    by_id = {c.assignment.id: c for c in cols}
    cells: dict[tuple[int, int], dict] = {}
    rows = session.execute(
        select(Attempt.id, Attempt.user_id, Attempt.assignment_id, Attempt.status, Attempt.score, Attempt.passed,
               Attempt.time_used_s, Attempt.hints_used, Attempt.missed, Attempt.forbidden_done,
               Attempt.submitted_wall, Attempt.attempt_world_id)
        .join(Assignment, Assignment.id == Attempt.assignment_id).where(Assignment.class_id == cls.id))
    now = wall_now()
    for r in rows:
        col = by_id.get(r.assignment_id)
        if col is None:
            continue
        status = r.status
        if status == "open" and col.assignment.deadline is not None and now > col.assignment.deadline:
            status = "overdue"
        cells[(r.user_id, r.assignment_id)] = {
            "attempt": r.id, "world_id": r.attempt_world_id, "status": status, "score": r.score, "passed": r.passed,
            "time_used": fmt_duration_s(r.time_used_s), "time_used_s": r.time_used_s, "hints_used": r.hints_used,
            "submitted_at": r.submitted_wall}
        if r.status == "submitted" and r.score is not None:
            col.scores.append(r.score)
            col.passed += 1 if r.passed else 0
            col.missed.update(r.missed or [])
            col.forbidden_done.update(r.forbidden_done or [])
    return {"class": {"id": cls.id, "name": cls.name}, "trainees": people, "columns": cols, "cells": cells}


def _exercise_light(session: Session, a: Assignment):
    """The exercise as assigned (its copy is read once and cached by its text)."""
    source = session.execute(select(Assignment.source).where(Assignment.id == a.id)).scalar_one()
    from .exercise import load_text
    return load_text(source, f"{a.exercise_id}.yaml")


def fmt_duration_s(seconds: int | None) -> str | None:
    from datetime import timedelta
    return None if seconds is None else fmt_duration(timedelta(seconds=seconds))


def board_json(b: dict) -> dict:
    cols = b["columns"]
    return {
        "class": dict(b["class"]),
        "exercises": [{"assignment": c.assignment.id, "exercise": c.assignment.exercise_id,
                       "title": {"zh": c.assignment.title_zh, "en": c.assignment.title_en},
                       "faq": c.assignment.faq, "stars": c.assignment.stars, "mode": c.assignment.mode,
                       "deadline": c.assignment.deadline.isoformat() if c.assignment.deadline else None,
                       "submitted": len(c.scores), "mean": c.mean, "pass_rate": c.pass_rate,
                       "most_missed_checkpoint": c.most_missed, "most_done_forbidden": c.most_forbidden}
                      for c in cols],
        "trainees": [{"username": u.username, "name": u.display_name,
                      "attempts": [_cell_json(b["cells"].get((u.id, c.assignment.id))) for c in cols]}
                     for u in b["trainees"]],
    }


def _cell_json(cell: dict | None) -> dict | None:
    if cell is None:
        return None
    out = dict(cell)
    out["submitted_at"] = cell["submitted_at"].isoformat() if cell["submitted_at"] else None
    return out


def board_csv(b: dict) -> str:
    """One row per trainee, one column per exercise (its score, blank until submitted)."""
    buf = io.StringIO()
    w = csv.writer(buf)
    cols = b["columns"]
    w.writerow(["username", "name"] + [f"{c.assignment.exercise_id} ({c.assignment.mode})" for c in cols]
               + ["submitted", "passed", "mean"])
    for u in b["trainees"]:
        scores, passed, cells = [], 0, []
        for c in cols:
            cell = b["cells"].get((u.id, c.assignment.id))
            if cell and cell["status"] == "submitted" and cell["score"] is not None:
                cells.append(cell["score"])
                scores.append(cell["score"])
                passed += 1 if cell["passed"] else 0
            else:
                cells.append("")
        mean = round(sum(scores) / len(scores), 1) if scores else ""
        w.writerow([u.username, u.display_name] + cells + [len(scores), passed, mean])
    return buf.getvalue()


def trainee_report(session: Session, cls: TrainingClass, user: User) -> list[dict]:
    """A trainee's rows for the printable report: every assignment of the class, in order."""
    out = []
    attempts = {a.assignment_id: a for a in session.scalars(
        select(Attempt).options(load_only(Attempt.id, Attempt.assignment_id, Attempt.status, Attempt.score,
                                          Attempt.passed, Attempt.time_used_s, Attempt.hints_used,
                                          Attempt.submitted_wall))
        .join(Assignment, Assignment.id == Attempt.assignment_id)
        .where(Assignment.class_id == cls.id, Attempt.user_id == user.id))}
    for a in assignments(session, cls):
        out.append({"assignment": a, "attempt": attempts.get(a.id)})
    return out

