"""The training API: library, attempts (start, detail, hints, submit, result), classes and the board —
bearer tokens, instructors only where it says so, errors in the API's one shape, in the OpenAPI document."""
from __future__ import annotations

from uuid import uuid4

import pytest

from backoffice.users.service import create_token, create_user

EXERCISE = "ex3_2_sold_before_enablement"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(db):
    def _make(role: str = "trainee"):
        user = create_user(db, f"tr_{role}_{uuid4().hex[:8]}", "password-123", role)
        token = create_token(db, user, "test")
        db.commit()
        out = (user.username, {"Authorization": f"Bearer {token}"})
        db.rollback()
        return out
    return _make


def error(resp, status: int, code: str, field=None) -> dict:
    body = resp.get_json()
    assert resp.status_code == status, body
    assert body["code"] == code and body["message_zh"] and body["message_en"]
    if field is not None:
        assert body["field"] == field
    return body


def test_a_class_an_exam_and_the_board(client, make_user):
    teacher, th = make_user("instructor")
    alice, ah = make_user()
    bob, bh = make_user()
    r = client.post("/api/v1/classes", json={"name": f"api-{alice}", "trainees": [alice]}, headers=th)
    assert r.status_code == 201 and r.get_json()["trainees"] == [alice]
    cid = r.get_json()["id"]
    r = client.post(f"/api/v1/classes/{cid}/assignments", json={"exercises": [EXERCISE], "mode": "exam",
                                                                 "deadline": "2099-01-01T18:00:00+08:00"}, headers=th)
    assert r.status_code == 201 and r.get_json()["assignments"][0]["exercise"] == EXERCISE
    r = client.post(f"/api/v1/classes/{cid}/members", json={"trainees": [bob]}, headers=th)
    assert r.get_json() == {"added": [bob]}          # a late trainee gets the exercise already assigned

    mine = client.get("/api/v1/attempts", headers=ah).get_json()["attempts"]
    assert len(mine) == 1 and mine[0]["mode"] == "exam" and mine[0]["status"] == "open"
    aid, world = mine[0]["id"], mine[0]["world_id"]
    detail = client.get(f"/api/v1/attempts/{aid}", headers=ah).get_json()
    assert detail["plays"] == ["h_zhang"] and detail["time_limit"] == "1h" and "未找到发票领购信息" in detail["brief"]["zh"]
    assert detail["hints"] == [] and detail["hints_left"] == 2 and detail["time_used"] == "0m"
    error(client.get(f"/api/v1/attempts/{aid}/result", headers=ah), 409, "ATTEMPT_NOT_SUBMITTED")

    hint = client.post(f"/api/v1/attempts/{aid}/hints", headers=ah).get_json()
    assert hint["n"] == 1 and hint["cost"] == 10 and hint["left"] == 1

    # the exam rules hold through the API's doors
    error(client.post(f"/api/v1/worlds/{world}/ops/diagnose", json={"actor": "h_zhang", "args": {"taxpayer": "acme"}},
                      headers=ah), 403, "FORBIDDEN", "op")
    error(client.post(f"/api/v1/worlds/{world}/ops/sync_info", json={"actor": "zhang_wei", "args": {"taxpayer": "acme"}},
                      headers=ah), 403, "FORBIDDEN", "actor")
    error(client.get(f"/api/v1/worlds/{world}/taxpayers/acme", headers=ah), 403, "FORBIDDEN", "world")
    error(client.post(f"/api/v1/worlds/{world}/fork", json={}, headers=ah), 403, "FORBIDDEN", "world")
    error(client.post(f"/api/v1/worlds/{world}/reset", headers=ah), 403, "FORBIDDEN", "world")
    r = client.post(f"/api/v1/worlds/{world}/ops/sync_info", json={"actor": "h_zhang", "args": {"taxpayer": "acme"}},
                    headers=ah)
    assert r.status_code == 200, r.get_json()

    result = client.post(f"/api/v1/attempts/{aid}/submit", headers=ah).get_json()
    assert result["score"] == 90 and result["passed"] and result["hint_points"] == 10
    assert set(result) >= {"exercise", "score", "passed", "goal", "procedure", "forbidden", "hints_used",
                           "hint_points", "time", "solution"}
    assert client.get(f"/api/v1/attempts/{aid}/result", headers=ah).get_json() == result
    error(client.post(f"/api/v1/attempts/{aid}/hints", headers=ah), 409, "ATTEMPT_SUBMITTED")
    error(client.post(f"/api/v1/worlds/{world}/clock/advance", json={"by": "1h"}, headers=ah), 409, "ATTEMPT_SUBMITTED")

    # someone else's attempt is not there; the board is the instructor's
    error(client.get(f"/api/v1/attempts/{aid}", headers=bh), 404, "NOT_FOUND", "attempt")
    error(client.get(f"/api/v1/classes/{cid}/board", headers=ah), 403, "FORBIDDEN")
    board = client.get(f"/api/v1/classes/{cid}/board", headers=th).get_json()
    (ex,) = board["exercises"]
    assert ex["exercise"] == EXERCISE and ex["mean"] == 90 and ex["pass_rate"] == 100 and ex["submitted"] == 1
    rows = {t["username"]: t["attempts"][0] for t in board["trainees"]}
    assert rows[alice]["score"] == 90 and rows[alice]["hints_used"] == 1 and rows[bob]["status"] == "open"
    csv = client.get(f"/api/v1/classes/{cid}/board?format=csv", headers=th)
    assert csv.mimetype == "text/csv" and f"{alice}," in csv.get_data(as_text=True)
    listed = client.get(f"/api/v1/attempts?class={cid}", headers=th).get_json()["attempts"]
    assert len(listed) == 2


def test_bad_input_is_refused_naming_the_field(client, make_user):
    teacher, th = make_user("instructor")
    trainee, tk = make_user()
    error(client.post("/api/v1/classes", json={"name": "x"}, headers=tk), 403, "FORBIDDEN")
    error(client.post("/api/v1/classes", json={"name": ""}, headers=th), 400, "INVALID_INPUT", "name")
    error(client.post("/api/v1/classes", json={"name": "y", "trainees": ["nobody-here"]}, headers=th),
          400, "INVALID_INPUT", "trainees.0")
    cid = client.post("/api/v1/classes", json={"name": f"bad-{trainee}", "trainees": [trainee]}, headers=th).get_json()["id"]
    error(client.post(f"/api/v1/classes/{cid}/assignments", json={"exercises": ["ex_nope"]}, headers=th),
          404, "NOT_FOUND", "exercise")
    error(client.post(f"/api/v1/classes/{cid}/assignments", json={"exercises": [EXERCISE], "mode": "quiz"}, headers=th),
          400, "INVALID_INPUT", "mode")
    error(client.post(f"/api/v1/classes/{cid}/assignments", json={"exercises": [EXERCISE], "deadline": "tomorrow"},
                      headers=th), 400, "INVALID_INPUT", "deadline")
    error(client.get("/api/v1/classes/99999999/board", headers=th), 404, "NOT_FOUND", "class")
    error(client.get("/api/v1/attempts/99999999", headers=tk), 404, "NOT_FOUND")
    error(client.get("/api/v1/exercises"), 401, "NOT_LOGGED_IN")


def test_a_trainee_starts_its_own_practice(client, make_user):
    trainee, tk = make_user()
    lib = client.get("/api/v1/exercises", headers=tk).get_json()["exercises"]
    assert any(e["id"] == EXERCISE and e["stars"] == 2 and e["faq"] == "3.2" for e in lib)
    r = client.post(f"/api/v1/exercises/{EXERCISE}/start", json={"mode": "practice"}, headers=tk)
    assert r.status_code == 201 and r.get_json()["mode"] == "practice" and r.get_json()["class_id"] is None
    world = r.get_json()["world_id"]
    r = client.post(f"/api/v1/worlds/{world}/ops/diagnose", json={"actor": "h_zhang", "args": {"taxpayer": "acme"}},
                    headers=tk)
    assert r.status_code == 200 and r.get_json()["result"]["faq"] == "3.2"


def test_the_openapi_document_lists_the_training_routes(client, make_user):
    _, headers = make_user()
    doc = client.get("/api/v1/openapi.json", headers=headers).get_json()
    for path in ("/api/v1/exercises", "/api/v1/attempts/{attempt_id}/submit", "/api/v1/attempts/{attempt_id}/result",
                 "/api/v1/classes/{class_key}/assignments", "/api/v1/classes/{class_key}/board"):
        assert path in doc["paths"], path
    body = doc["paths"]["/api/v1/classes/{class_key}/assignments"]["post"]["requestBody"]
    ref = body["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(doc["components"]["schemas"][ref]["properties"]) == {"exercises", "mode", "deadline"}
    from openapi_spec_validator import validate
    validate(doc)
