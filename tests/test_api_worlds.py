"""JSON API: bearer auth, world visibility and management, the clock, audit, taxpayers, jobs, scenarios."""
from __future__ import annotations

import sys
import types
from datetime import datetime, timezone
from uuid import uuid4

import pytest
from sqlalchemy import select

from backoffice.sync.models import JobRun
from backoffice.users.service import create_token, create_user
from backoffice.worlds.models import World

ACME = {"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
        "registration_no": "11500000000000000001", "specialist": "h_zhang", "enabled": True,
        "red_limit": "500.00", "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000050"}]}
WORLD = {"start": "2016-05-03T09:00:00+08:00",
         "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"}], "taxpayers": [ACME]}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(db):
    """make_user(role) → (user, headers carrying a fresh bearer token)."""
    def _make(role: str = "trainee"):
        user = create_user(db, f"api_{role}_{uuid4().hex[:8]}", "password-123", role)
        token = create_token(db, user, "test")
        db.commit()
        return user, {"Authorization": f"Bearer {token}"}
    return _make


@pytest.fixture
def trainee(make_user):
    return make_user("trainee")


def new_world(client, headers, spec=None, name="api world") -> dict:
    resp = client.post("/api/v1/worlds", json={"name": name, "world": spec or WORLD}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def assert_error(resp, status: int, code: str, field=None):
    body = resp.get_json()
    assert resp.status_code == status, body
    assert body["code"] == code
    assert body["message_zh"] and body["message_en"]
    if field is not None:
        assert body["field"] == field
    return body


# --- auth -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense-token", "Basic dXNlcjpwYXNz"])
def test_every_request_needs_a_valid_bearer_token(client, header):
    headers = {"Authorization": header} if header else {}
    for method, path in (("get", "/api/v1/worlds"), ("post", "/api/v1/worlds"),
                         ("get", "/api/v1/worlds/1/taxpayers"), ("post", "/api/v1/scenarios/run")):
        resp = getattr(client, method)(path, headers=headers, json={})
        body = assert_error(resp, 401, "NOT_LOGGED_IN", field="authorization")
        assert set(body) >= {"code", "message_zh", "message_en", "field"}
        assert resp.headers["WWW-Authenticate"] == "Bearer"


def test_a_disabled_users_token_stops_working(client, db, trainee):
    user, headers = trainee
    assert client.get("/api/v1/worlds", headers=headers).status_code == 200
    user.active = False
    db.commit()
    assert_error(client.get("/api/v1/worlds", headers=headers), 401, "NOT_LOGGED_IN")


def test_the_api_needs_no_csrf_token(app, trainee):
    # the test app keeps CSRF on, as in production: a bearer-token POST must still pass
    assert app.config["WTF_CSRF_ENABLED"]
    _user, headers = trainee
    resp = app.test_client().post("/api/v1/worlds/999999/fork", headers=headers, json={})
    assert_error(resp, 404, "NOT_FOUND", field="world")


# --- visibility -----------------------------------------------------------------------------------

def test_a_trainee_sees_its_own_worlds_and_not_another_trainees(client, make_user):
    (alice, a_headers), (bob, b_headers) = make_user(), make_user()
    mine = new_world(client, a_headers, {"start": "2016-05-03T09:00:00+08:00"}, name="alice's")
    assert mine["owner"] == alice.username
    assert mine["now"] == "2016-05-03T09:00:00+08:00"

    ids = [w["id"] for w in client.get("/api/v1/worlds", headers=a_headers).get_json()["worlds"]]
    assert mine["id"] in ids
    assert mine["id"] not in [w["id"] for w in client.get("/api/v1/worlds", headers=b_headers).get_json()["worlds"]]
    for method, path in (("get", ""), ("get", "/clock"), ("get", "/audit"), ("get", "/taxpayers"), ("get", "/jobs"),
                         ("post", "/clock/advance"), ("post", "/fork"), ("post", "/ops/diagnose")):
        body = {"by": "1h"} if path == "/clock/advance" else {"actor": "h_zhang", "args": {"taxpayer": "acme"}} \
            if path.startswith("/ops") else {}
        resp = getattr(client, method)(f"/api/v1/worlds/{mine['id']}{path}", headers=b_headers, json=body)
        # another user's world answers exactly as a world that does not exist: ids cannot be probed
        assert_error(resp, 404, "NOT_FOUND", field="world")
        missing = getattr(client, method)(f"/api/v1/worlds/{2**31 - 1}{path}", headers=b_headers, json=body)
        assert missing.status_code == 404
        assert resp.get_json()["message_zh"].replace(str(mine["id"]), "N") == \
            missing.get_json()["message_zh"].replace(str(2**31 - 1), "N")
        assert resp.get_json()["message_en"].replace(str(mine["id"]), "N") == \
            missing.get_json()["message_en"].replace(str(2**31 - 1), "N")


def test_an_instructor_sees_every_world(client, make_user, world):
    _alice, a_headers = make_user()
    mine = new_world(client, a_headers, {"start": "2016-05-03T09:00:00+08:00"})
    _teacher, t_headers = make_user("instructor")
    ids = [w["id"] for w in client.get("/api/v1/worlds", headers=t_headers).get_json()["worlds"]]
    assert {mine["id"], world.id} <= set(ids)
    assert client.get(f"/api/v1/worlds/{mine['id']}", headers=t_headers).status_code == 200


def test_a_member_sees_the_world_but_may_not_manage_it(client, make_user):
    (_alice, a_headers), (bob, b_headers) = make_user(), make_user()
    w = new_world(client, a_headers, {"start": "2016-05-03T09:00:00+08:00"})
    resp = client.post(f"/api/v1/worlds/{w['id']}/members", headers=a_headers, json={"username": bob.username})
    assert resp.status_code == 200 and resp.get_json()["members"] == [bob.username]
    assert w["id"] in [x["id"] for x in client.get("/api/v1/worlds", headers=b_headers).get_json()["worlds"]]
    assert client.get(f"/api/v1/worlds/{w['id']}/clock", headers=b_headers).status_code == 200
    for method, path, body in (("delete", "", None), ("post", "/reset", {}),
                               ("post", "/members", {"username": bob.username})):
        resp = getattr(client, method)(f"/api/v1/worlds/{w['id']}{path}", headers=b_headers, json=body)
        assert_error(resp, 403, "FORBIDDEN", field="world")


def test_adding_an_unknown_user_names_the_field(client, trainee):
    _u, headers = trainee
    w = new_world(client, headers, {"start": "2016-05-03T09:00:00+08:00"})
    resp = client.post(f"/api/v1/worlds/{w['id']}/members", headers=headers, json={"username": "nobody-" + uuid4().hex})
    assert_error(resp, 400, "INVALID_INPUT", field="username")


# --- world lifecycle -----------------------------------------------------------------------------

def test_create_with_a_world_block_then_fork_reset_delete(client, make_user):
    _alice, headers = make_user()
    w = new_world(client, headers)
    wid = w["id"]
    assert w["spec"]["taxpayers"][0]["ref"] == "acme"
    tps = client.get(f"/api/v1/worlds/{wid}/taxpayers", headers=headers).get_json()["taxpayers"]
    assert tps == [{"ref": "acme", "name": "重庆某某广告有限公司", "enabled": True}]

    client.post(f"/api/v1/worlds/{wid}/clock/advance", headers=headers, json={"by": "3h"})
    # a forked world keeps the clock and the data; the token's user owns the copy
    _bob, b_headers = make_user()
    resp = client.post(f"/api/v1/worlds/{wid}/fork", headers=headers, json={"name": "copy"})
    assert resp.status_code == 201
    fork = resp.get_json()
    assert fork["id"] != wid and fork["name"] == "copy" and fork["now"] == "2016-05-03T12:00:00+08:00"
    assert client.get(f"/api/v1/worlds/{fork['id']}/taxpayers", headers=headers).get_json()["taxpayers"] == tps

    resp = client.post(f"/api/v1/worlds/{wid}/reset", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["now"] == "2016-05-03T09:00:00+08:00"
    assert client.get(f"/api/v1/worlds/{wid}/taxpayers", headers=headers).get_json()["taxpayers"] == tps

    assert client.delete(f"/api/v1/worlds/{wid}", headers=headers).get_json() == {"deleted": wid}
    assert_error(client.get(f"/api/v1/worlds/{wid}", headers=headers), 404, "NOT_FOUND")
    assert client.get(f"/api/v1/worlds/{fork['id']}", headers=headers).status_code == 200


def test_a_bad_world_block_is_refused_naming_the_field_and_creates_nothing(client, db, trainee):
    user, headers = trainee
    bad = {"start": "2016-05-03T09:00:00+08:00",
           "taxpayers": [dict(ACME, specialist=None, enabled=False, purchases=[], red_limit=None,
                              registration_no=11500000000000000001)]}
    resp = client.post("/api/v1/worlds", headers=headers, json={"world": bad})
    body = assert_error(resp, 400, "INVALID_INPUT", field="world.taxpayers.0.registration_no")
    assert "quote it" in body["message_en"]
    assert db.scalars(select(World).where(World.owner_id == user.id)).all() == []


def test_a_world_block_may_be_yaml_text(client, trainee):
    _u, headers = trainee
    text = "start: 2016-06-01T08:00:00+08:00\nofficers:\n  - {login: h_li, name: 李, role: specialist}\n"
    w = new_world(client, headers, text)
    assert w["now"] == "2016-06-01T08:00:00+08:00"


def test_unknown_body_fields_and_non_json_bodies_are_invalid_input(client, trainee):
    _u, headers = trainee
    assert_error(client.post("/api/v1/worlds", headers=headers, json={"nmae": "typo"}), 400, "INVALID_INPUT",
                 field="nmae")
    resp = client.post("/api/v1/worlds", headers=headers, data="{not json", content_type="application/json")
    assert_error(resp, 400, "INVALID_INPUT", field="body")
    assert_error(client.post("/api/v1/worlds", headers=headers, json=[1, 2]), 400, "INVALID_INPUT", field="body")


# --- clock ----------------------------------------------------------------------------------------

def test_advance_by_and_until_then_read_the_clock(client, trainee):
    _u, headers = trainee
    w = new_world(client, headers, {"start": "2016-05-03T09:00:00+08:00"})
    base = f"/api/v1/worlds/{w['id']}/clock"
    resp = client.post(base + "/advance", headers=headers, json={"by": "2h"})
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert (out["from"], out["to"]) == ("2016-05-03T09:00:00+08:00", "2016-05-03T11:00:00+08:00")
    assert out["clock"]["now"] == "2016-05-03T11:00:00+08:00"

    resp = client.post(base + "/advance", headers=headers, json={"until": "2016-05-04T02:30:00+08:00"})
    assert resp.get_json()["to"] == "2016-05-04T02:30:00+08:00"
    clock = client.get(base, headers=headers).get_json()
    assert clock["now"] == "2016-05-04T02:30:00+08:00" and clock["mode"] == "manual"
    assert isinstance(clock["next_events"], list)
    for ev in clock["next_events"]:
        assert ev["time"] > clock["now"]


def test_advance_refuses_going_back_and_bad_input(client, trainee):
    _u, headers = trainee
    w = new_world(client, headers, {"start": "2016-05-03T09:00:00+08:00"})
    base = f"/api/v1/worlds/{w['id']}/clock"
    assert_error(client.post(base + "/advance", headers=headers, json={"until": "2016-05-03T08:00:00+08:00"}),
                 409, "CLOCK_BACKWARDS")
    assert_error(client.post(base + "/advance", headers=headers, json={"by": "soon"}), 400, "INVALID_INPUT")
    assert_error(client.post(base + "/advance", headers=headers, json={}), 400, "INVALID_INPUT", field="by")
    assert_error(client.post(base + "/advance", headers=headers, json={"by": "1h", "until": "2016-05-04T00:00:00+08:00"}),
                 400, "INVALID_INPUT", field="by")
    assert client.get(base, headers=headers).get_json()["now"] == "2016-05-03T09:00:00+08:00"


def test_switching_the_clock_to_live_and_back(client, trainee):
    _u, headers = trainee
    w = new_world(client, headers, {"start": "2016-05-03T09:00:00+08:00"})
    base = f"/api/v1/worlds/{w['id']}/clock"
    resp = client.post(base + "/mode", headers=headers, json={"mode": "live", "speed": 60})
    assert resp.status_code == 200, resp.get_json()
    assert (resp.get_json()["mode"], resp.get_json()["speed"]) == ("live", 60.0)
    assert client.get(base, headers=headers).get_json()["mode"] == "live"
    assert client.post(base + "/mode", headers=headers, json={"mode": "manual"}).get_json()["mode"] == "manual"
    assert_error(client.post(base + "/mode", headers=headers, json={"mode": "fast"}), 400, "INVALID_INPUT", field="mode")
    assert_error(client.post(base + "/mode", headers=headers, json={"mode": "live", "speed": 0}), 400,
                 "INVALID_INPUT", field="speed")


# --- audit, jobs, taxpayer view -------------------------------------------------------------------

def test_audit_lists_clock_moves_with_filters(client, trainee):
    user, headers = trainee
    w = new_world(client, headers, {"start": "2016-05-03T09:00:00+08:00"})
    base = f"/api/v1/worlds/{w['id']}"
    for by in ("1h", "1h", "1d"):
        client.post(base + "/clock/advance", headers=headers, json={"by": by})
    entries = client.get(base + "/audit", headers=headers).get_json()["entries"]
    assert [e["sim_time"] for e in entries] == ["2016-05-03T10:00:00+08:00", "2016-05-03T11:00:00+08:00",
                                                "2016-05-04T11:00:00+08:00"]
    assert all(e["operation"] == "advance" and e["user_id"] == user.id for e in entries)
    got = client.get(base + "/audit", headers=headers,
                     query_string={"since": "2016-05-03T10:30:00+08:00", "until": "2016-05-04T00:00:00+08:00"})
    assert [e["sim_time"] for e in got.get_json()["entries"]] == ["2016-05-03T11:00:00+08:00"]
    got = client.get(base + "/audit", headers=headers, query_string={"limit": "2"}).get_json()
    assert len(got["entries"]) == 2 and got["truncated"] is True
    assert client.get(base + "/audit", headers=headers, query_string={"operation": "login"}).get_json()["entries"] == []
    assert_error(client.get(base + "/audit", headers=headers, query_string={"since": "yesterday"}), 400,
                 "INVALID_INPUT", field="since")
    assert_error(client.get(base + "/audit", headers=headers, query_string={"limit": "0"}), 400,
                 "INVALID_INPUT", field="limit")


def test_jobs_lists_the_worlds_own_runs(client, db, trainee):
    _u, headers = trainee
    a = new_world(client, headers, {"start": "2016-05-03T09:00:00+08:00"})
    b = new_world(client, headers, {"start": "2016-05-03T09:00:00+08:00"})
    at = datetime(2016, 5, 3, 18, 0, tzinfo=timezone.utc)
    db.add(JobRun(world_id=a["id"], job="nightly_clearing", scheduled_for=at, items=3))
    db.add(JobRun(world_id=b["id"], job="incremental", scheduled_for=at, items=1))
    db.commit()
    runs = client.get(f"/api/v1/worlds/{a['id']}/jobs", headers=headers).get_json()["runs"]
    assert [(r["job"], r["scheduled_for"], r["items"]) for r in runs] == [
        ("nightly_clearing", "2016-05-04T02:00:00+08:00", 3)]


def test_taxpayer_view_puts_jinsan_and_wangpiao_side_by_side(client, trainee):
    _u, headers = trainee
    w = new_world(client, headers, dict(WORLD, taxpayers=[ACME, dict(
        ACME, ref="late", tax_id="91500000MA5U0A0B0G", registration_no="11500000000000000002",
        enabled=False, purchases=[], red_limit=None)]))
    got = client.get(f"/api/v1/worlds/{w['id']}/taxpayers/acme", headers=headers)
    assert got.status_code == 200, got.get_json()
    view = got.get_json()
    js, wp = view["jinsan"], view["wangpiao"]
    assert js["taxpayer"]["specialist"] == "h_zhang" and js["taxpayer"]["enabled"] is True
    assert js["red_limit"] == "500.00" and wp["red_limit"] == "500.00"
    assert [(s["code"], s["start"], s["end"]) for s in js["sales"]] == [("150001320410", "00000001", "00000050")]
    assert [(p["code"], p["start"], p["end"]) for p in wp["purchases"]] == [("150001320410", "00000001", "00000050")]
    assert wp["account"]["registration_no"] == "11500000000000000001"
    assert [i["name"] for i in wp["invoicers"]] == ["系统管理员"]
    assert wp["invoices"] == []
    assert view["pc"]["installs"] and view["pc"]["installs"][0]["edition"] == "guoshui"

    late = client.get(f"/api/v1/worlds/{w['id']}/taxpayers/late", headers=headers).get_json()
    assert late["jinsan"]["taxpayer"]["enabled"] is False and late["wangpiao"]["account"] is None
    assert_error(client.get(f"/api/v1/worlds/{w['id']}/taxpayers/ghost", headers=headers), 404, "NOT_FOUND",
                 field="taxpayer")


def test_taxpayer_view_includes_the_sync_pipeline_when_it_exists(client, trainee, monkeypatch):
    _u, headers = trainee
    w = new_world(client, headers)
    calls = []

    def pipeline(session, world, ref):
        calls.append((world.id, ref))
        return {"stage": "delivered", "at": world.clock_now}

    monkeypatch.setitem(sys.modules, "backoffice.sync.pipeline", types.SimpleNamespace(pipeline=pipeline))
    view = client.get(f"/api/v1/worlds/{w['id']}/taxpayers/acme", headers=headers).get_json()
    assert calls == [(w["id"], "acme")]
    assert view["pipeline"] == {"stage": "delivered", "at": "2016-05-03T09:00:00+08:00"}


# --- scenarios ------------------------------------------------------------------------------------

def test_scenario_run_answers_501_until_the_runner_exists(client, trainee, monkeypatch):
    from backoffice.api import views
    _u, headers = trainee
    real = views.optional_module
    monkeypatch.setattr(views, "optional_module",
                        lambda name: None if name == "backoffice.scenarios.runner" else real(name))
    assert_error(client.post("/api/v1/scenarios/run", headers=headers, json={"steps": []}), 501, "NOT_AVAILABLE")


def test_scenario_run_accepts_yaml_text_and_passes_the_owner(client, trainee, monkeypatch):
    user, headers = trainee
    seen = []

    def run_scenario(session, data, owner_id):
        seen.append((data, owner_id))
        return {"world_id": 1, "ok": True, "steps": [{"n": 1, "ok": True}]}

    monkeypatch.setitem(sys.modules, "backoffice.scenarios.runner", types.SimpleNamespace(run_scenario=run_scenario))
    text = 'name: t\nworld: {start: "2016-05-03T09:00:00+08:00"}\nsteps:\n  - {advance: 1h}\n'
    resp = client.post("/api/v1/scenarios/run", headers=headers, data=text, content_type="application/yaml")
    assert resp.status_code == 200 and resp.get_json()["ok"] is True
    assert seen == [({"name": "t", "world": {"start": "2016-05-03T09:00:00+08:00"}, "steps": [{"advance": "1h"}]},
                     user.id)]
    resp = client.post("/api/v1/scenarios/run", headers=headers, json={"name": "j", "steps": []})
    assert resp.status_code == 200 and seen[-1] == ({"name": "j", "steps": []}, user.id)
    assert_error(client.post("/api/v1/scenarios/run", headers=headers, data="- just\n- a list\n",
                             content_type="text/plain"), 400, "INVALID_INPUT", field="scenario")


def test_a_real_scenario_runs_in_a_world_the_user_owns(client, trainee):
    pytest.importorskip("backoffice.scenarios.runner", reason="scenario runner not written yet")
    _u, headers = trainee
    doc = {"name": "clock only", "world": {"start": "2016-05-03T09:00:00+08:00"}, "steps": [{"advance": "1h"}]}
    resp = client.post("/api/v1/scenarios/run", headers=headers, json=doc)
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert out["ok"] is True
    assert client.get(f"/api/v1/worlds/{out['world_id']}", headers=headers).status_code == 200


def test_a_real_scenario_in_yaml_reports_a_failed_expectation(client, trainee):
    pytest.importorskip("backoffice.scenarios.runner", reason="scenario runner not written yet")
    _u, headers = trainee
    text = ('name: wrong expectation\nworld:\n  start: 2016-05-03T09:00:00+08:00\n'
            '  officers: [{login: h_zhang, name: 张明, role: specialist}]\n'
            '  taxpayers:\n    - {ref: acme, kind: unit, name: 某公司, tax_id: "91500000MA5U0A0A2M",\n'
            '       registration_no: "11500000000000000001", specialist: h_zhang}\n'
            'steps:\n  - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}, expect: FORBIDDEN}\n')
    resp = client.post("/api/v1/scenarios/run", headers=headers, data=text, content_type="application/yaml")
    assert resp.status_code == 200, resp.get_json()
    out = resp.get_json()
    assert out["ok"] is False and len(out["steps"]) == 1 and out["steps"][0]["ok"] is False


def test_a_bad_scenario_is_invalid_input_naming_where(client, trainee):
    pytest.importorskip("backoffice.scenarios.runner", reason="scenario runner not written yet")
    _u, headers = trainee
    doc = {"name": "bad", "world": {"start": "2016-05-03T09:00:00+08:00"},
           "steps": [{"advance": "1h"}, {"actor": "h_nobody", "op": "open_wangpiao", "args": {"taxpayer": "x"}}]}
    body = assert_error(client.post("/api/v1/scenarios/run", headers=headers, json=doc), 400, "INVALID_INPUT")
    assert body["field"].startswith("steps.2")
    # a string is scenario text, never a path on the server
    assert_error(client.post("/api/v1/scenarios/run", headers=headers, json="/etc/passwd"), 400, "INVALID_INPUT",
                 field="scenario")
    dup = 'name: a\nname: b\nworld: {start: "2016-05-03T09:00:00+08:00"}\nsteps: [{advance: 1h}]\n'
    body = assert_error(client.post("/api/v1/scenarios/run", headers=headers, data=dup, content_type="text/plain"),
                        400, "INVALID_INPUT")
    assert "twice" in body["message_en"]
