"""The training part of the JSON API under /api/v1: the exercise library, attempts (start, detail,
hints, submit, result) and classes (create, members, assignments, board). Thin: parse, call
:mod:`backoffice.training`, render. Bearer-token auth like every API endpoint; classes and other
trainees' attempts are for instructors only.
"""
from __future__ import annotations

from typing import Literal

from flask import Blueprint, Flask, Response, jsonify, request
from pydantic import Field
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from .. import catalogue
from ..clock import fmt, parse_time, world_now
from ..errors import OperationError
from ..training import attempts as svc
from ..training import classes as classes_svc
from ..training.exercise import ExerciseError, load_library
from ..training.grader import fmt_duration
from ..training.guard import AttemptRefusal
from ..training.models import Assignment, Attempt
from ..training.service import class_rows, may_view, start_personal
from ..web.db import get_session
from ..worlds.models import World
from . import auth
from .schemas import Body, parse_body
from ..web.errors import STATUS

bp = Blueprint("api_training", __name__, url_prefix="/api/v1")
bp.before_request(auth.authenticate)


def init_app(app: Flask) -> None:
    from ..web.extensions import csrf

    csrf.exempt(bp)  # bearer tokens, not the cookie session CSRF guards
    app.register_blueprint(bp)


# the API's one error shape, {code, message_zh, message_en, field}, as the rest of /api/v1 answers
# (the views' own handlers cannot be imported here: the OpenAPI document imports this module)
@bp.errorhandler(OperationError)
def _operation_error(exc: OperationError):
    get_session().rollback()
    response = jsonify(exc.to_dict())
    response.status_code = STATUS.get(exc.code, 409)
    if isinstance(exc, auth.TokenRequired):
        response.headers["WWW-Authenticate"] = "Bearer"
    return response


@bp.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    code = {400: "INVALID_INPUT", 404: "NOT_FOUND"}.get(exc.code, (exc.name or "ERROR").upper().replace(" ", "_"))
    response = jsonify({"code": code, "message_zh": exc.name, "message_en": exc.description, "field": None})
    response.status_code = exc.code or 500
    return response


# --- bodies ------------------------------------------------------------------------------------

class AttemptStart(Body):
    mode: Literal["exam", "practice", "rehearsal"] = "practice"


class ClassCreate(Body):
    name: str = Field(min_length=1, max_length=120)
    trainees: list[str] = Field(default_factory=list, description="usernames of the trainees")


class ClassMembers(Body):
    trainees: list[str] = Field(min_length=1, description="usernames of the trainees to add")


class ClassAssign(Body):
    exercises: list[str] = Field(min_length=1, description="exercise ids from the library")
    mode: Literal["exam", "practice", "rehearsal"] = "exam"
    deadline: str | None = Field(None, description="ISO 8601 with offset (wall clock); after it attempts take no "
                                                   "more operations", examples=["2016-06-01T18:00:00+08:00"])


def _body(model):
    from .views import json_body
    return parse_body(model, json_body())


def _instructor() -> None:
    if not auth.current_user().is_instructor:
        raise OperationError("FORBIDDEN", field="user", reason="instructors only", reason_zh="仅教员可用")


def _exercise_error(exc: ExerciseError) -> OperationError:
    return OperationError("INVALID_INPUT", field=f"exercise.{exc.field}" if exc.field else "exercise",
                          reason=exc.reason)


# --- the library -------------------------------------------------------------------------------

@bp.get("/exercises")
def list_exercises():
    good, _bad = load_library()
    return jsonify({"exercises": [
        {"id": e.id, "faq": e.faq, "stars": e.stars, "title": e.title, "plays": e.plays,
         "time_limit": e.time_limit, "hints": len(e.hints)}
        for e in sorted(good, key=lambda e: (tuple(int(p) for p in e.faq.split(".")), e.stars, e.id))]})


@bp.post("/exercises/<exercise_id>/start")
def start_exercise(exercise_id: str):
    body = _body(AttemptStart)
    db = get_session()
    catalogue.load_all()
    try:
        attempt = start_personal(db, exercise_id, auth.current_user(), body.mode)
        db.commit()
    except ExerciseError as exc:
        raise _exercise_error(exc) from None
    return jsonify(attempt_json(db, attempt)), 201


# --- attempts ----------------------------------------------------------------------------------

def _attempt(attempt_id: int) -> Attempt:
    db = get_session()
    attempt = db.get(Attempt, attempt_id)
    if attempt is None or not may_view(auth.current_user(), attempt):
        raise OperationError("NOT_FOUND", field="attempt", reason=f"no attempt {attempt_id} of yours",
                             reason_zh=f"没有你的练习记录 {attempt_id}")
    return attempt


def attempt_json(db, attempt: Attempt, *, detail: bool = False, a: Assignment | None = None,
                 world: World | None = None) -> dict:
    a = a or db.get(Assignment, attempt.assignment_id)
    world = world or db.get(World, attempt.attempt_world_id)
    end = attempt.end_sim or world_now(world)
    out = {"id": attempt.id, "world_id": attempt.attempt_world_id, "exercise": a.exercise_id,
           "title": {"zh": a.title_zh, "en": a.title_en}, "faq": a.faq, "stars": a.stars, "mode": a.mode,
           "class_id": a.class_id, "status": attempt.status,
           "deadline": fmt(a.deadline) if a.deadline else None,
           "score": attempt.score, "passed": attempt.passed, "hints_used": attempt.hints_used,
           "time_used": fmt_duration(end - attempt.start_sim)}
    if detail:
        ex = svc.exercise_of(a)
        out.update(brief=ex.brief, plays=list(a.plays or []), time_limit=ex.time_limit, started_at=fmt(attempt.start_sim),
                   clock=fmt(end), hints=svc.shown_hints(ex, attempt), hints_left=len(ex.hints) - attempt.hints_used)
    return out


@bp.get("/attempts")
def list_attempts():
    """Your attempts; an instructor may ask for a class's (``?class=ID``)."""
    db = get_session()
    class_key = request.args.get("class")
    stmt = (select(Attempt, Assignment, World).join(Assignment, Assignment.id == Attempt.assignment_id)
            .join(World, World.id == Attempt.attempt_world_id))
    if class_key:
        _instructor()
        cls = classes_svc.get_class(db, class_key)
        stmt = stmt.where(Assignment.class_id == cls.id).order_by(Attempt.id)
    else:
        stmt = stmt.where(Attempt.user_id == auth.current_user().id).order_by(Attempt.id.desc())
    return jsonify({"attempts": [attempt_json(db, at, a=a, world=w) for at, a, w in db.execute(stmt)]})


@bp.get("/attempts/<int:attempt_id>")
def get_attempt(attempt_id: int):
    return jsonify(attempt_json(get_session(), _attempt(attempt_id), detail=True))


@bp.post("/attempts/<int:attempt_id>/hints")
def take_hint(attempt_id: int):
    attempt = _attempt(attempt_id)
    if attempt.user_id != auth.current_user().id:
        raise OperationError("FORBIDDEN", field="attempt", reason="only its trainee takes hints",
                             reason_zh="只有练习者本人可以查看提示")
    return jsonify(svc.take_hint(get_session(), attempt_id))


@bp.post("/attempts/<int:attempt_id>/submit")
def submit(attempt_id: int):
    attempt = _attempt(attempt_id)
    if attempt.user_id != auth.current_user().id:
        raise OperationError("FORBIDDEN", field="attempt", reason="only its trainee submits",
                             reason_zh="只有练习者本人可以提交")
    catalogue.load_all()
    return jsonify(svc.submit(get_session(), attempt_id))


@bp.get("/attempts/<int:attempt_id>/result")
def result(attempt_id: int):
    attempt = _attempt(attempt_id)
    if attempt.status != "submitted":
        raise AttemptRefusal("ATTEMPT_NOT_SUBMITTED", "attempt", "提交后才能查看评分和参考答案",
                             "The result (and the model answer) is shown once the attempt is submitted")
    if attempt.result is None:
        catalogue.load_all()
        return jsonify(svc.store_result(get_session(), attempt, get_session().get(Assignment, attempt.assignment_id)))
    return jsonify(attempt.result)


# --- classes -----------------------------------------------------------------------------------

@bp.get("/classes")
def list_classes():
    _instructor()
    return jsonify({"classes": [{"id": cid, "name": name, "trainees": n, "exercises": m}
                                for cid, name, n, m in class_rows(get_session())]})


@bp.post("/classes")
def create_class():
    _instructor()
    body = _body(ClassCreate)
    db = get_session()
    catalogue.load_all()
    cls = classes_svc.create_class(db, body.name, auth.current_user(), body.trainees)
    db.commit()
    return jsonify({"id": cls.id, "name": cls.name,
                    "trainees": [u.username for u in classes_svc.members(db, cls)]}), 201


@bp.post("/classes/<class_key>/members")
def add_members(class_key: str):
    _instructor()
    body = _body(ClassMembers)
    db = get_session()
    catalogue.load_all()
    new = classes_svc.add_members(db, classes_svc.get_class(db, class_key), body.trainees)
    db.commit()
    return jsonify({"added": [u.username for u in new]})


@bp.post("/classes/<class_key>/assignments")
def assign(class_key: str):
    _instructor()
    body = _body(ClassAssign)
    db = get_session()
    catalogue.load_all()
    deadline = None
    if body.deadline:
        try:
            deadline = parse_time(body.deadline)
        except OperationError as exc:
            raise OperationError("INVALID_INPUT", field="deadline", reason=exc.reason) from None
    try:
        done = classes_svc.assign(db, classes_svc.get_class(db, class_key), body.exercises, mode=body.mode,
                                  deadline=deadline, by=auth.current_user())
        db.commit()
    except ExerciseError as exc:
        raise _exercise_error(exc) from None
    return jsonify({"assignments": [{"id": a.id, "exercise": a.exercise_id, "mode": a.mode,
                                     "deadline": fmt(a.deadline) if a.deadline else None} for a in done]}), 201


@bp.get("/classes/<class_key>/board")
def board(class_key: str):
    _instructor()
    db = get_session()
    b = classes_svc.board(db, classes_svc.get_class(db, class_key))
    if request.args.get("format") == "csv":
        return Response(classes_svc.board_csv(b), mimetype="text/csv")
    return jsonify(classes_svc.board_json(b))


# (method, path, operationId, tag, zh, en, body model, extra parameters, success status)
def _ID(name: str, desc: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}, "description": desc}


ATTEMPT_ID = {"name": "attempt_id", "in": "path", "required": True, "schema": {"type": "integer"}}
ENDPOINTS: list[tuple] = [
    ("get", "/exercises", "listExercises", "training", "练习库", "The exercise library", None, [], "200"),
    ("post", "/exercises/{exercise_id}/start", "startExercise", "training", "开始练习",
     "Start an attempt of your own (a fresh attempt world)", AttemptStart, [_ID("exercise_id", "an exercise id")],
     "201"),
    ("get", "/attempts", "listAttempts", "training", "我的练习", "Your attempts (instructors: ?class=ID)", None,
     [{"name": "class", "in": "query", "required": False, "schema": {"type": "string"},
       "description": "a class id or name (instructors)"}], "200"),
    ("get", "/attempts/{attempt_id}", "getAttempt", "training", "练习详情",
     "An attempt: brief, officers it plays, time used against the limit, hints shown", None, [ATTEMPT_ID], "200"),
    ("post", "/attempts/{attempt_id}/hints", "takeHint", "training", "查看提示",
     "Show the next hint (it costs its points)", None, [ATTEMPT_ID], "200"),
    ("post", "/attempts/{attempt_id}/submit", "submitAttempt", "training", "提交",
     "Submit and grade (the attempt's world becomes read-only); returns the result", None, [ATTEMPT_ID], "200"),
    ("get", "/attempts/{attempt_id}/result", "getResult", "training", "评分结果",
     "The graded result, with the model answer (after submission)", None, [ATTEMPT_ID], "200"),
    ("get", "/classes", "listClasses", "training", "班级", "Classes (instructors)", None, [], "200"),
    ("post", "/classes", "createClass", "training", "创建班级", "Make a class of trainees (instructors)", ClassCreate,
     [], "201"),
    ("post", "/classes/{class_key}/members", "addClassMembers", "training", "加入学员",
     "Add trainees; they get attempts at what is already assigned", ClassMembers, [_ID("class_key", "id or name")],
     "200"),
    ("post", "/classes/{class_key}/assignments", "assignExercises", "training", "布置练习",
     "Assign exercises to the whole class in one mode: an attempt world per trainee per exercise", ClassAssign,
     [_ID("class_key", "id or name")], "201"),
    ("get", "/classes/{class_key}/board", "classBoard", "training", "班级成绩",
     "Trainees × exercises with per-exercise statistics (?format=csv for CSV)", None,
     [_ID("class_key", "id or name"), {"name": "format", "in": "query", "required": False,
                                       "schema": {"type": "string", "enum": ["json", "csv"]}}], "200"),
]
