"""JSON API: operations through /ops/{name} (officer and 网票 sides), the audit they leave, and the
generated OpenAPI document."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from openapi_spec_validator import validate

from backoffice import catalogue
from backoffice.catalogue import Args, Operation, Text
from backoffice.users.service import create_token, create_user

ACME = {"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
        "registration_no": "11500000000000000001", "specialist": "h_zhang", "enabled": True,
        "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000050"}]}
FRESH = dict(ACME, ref="fresh", tax_id="91500000MA5U0A0B0G", registration_no="11500000000000000002",
             enabled=False, purchases=[])
WORLD = {"start": "2016-05-03T09:00:00+08:00",
         "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"},
                      {"login": "h_ops", "name": "运维", "role": "ops"}],
         "taxpayers": [ACME, FRESH]}
LOGIN = {"account": "11500000000000000001", "password": "000001"}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def headers(db):
    user = create_user(db, f"api_ops_{uuid4().hex[:8]}", "password-123", "trainee")
    token = create_token(db, user)
    db.commit()
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def wid(client, headers) -> int:
    resp = client.post("/api/v1/worlds", json={"world": WORLD}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def needs(*names):
    missing = [n for n in names if n not in catalogue.load_all()]
    if missing:
        pytest.skip(f"operations not registered yet: {missing}")


def call(client, headers, wid, name, actor, session=None, **args):
    body = {"actor": actor, "args": args}
    if session:
        body["session"] = session
    return client.post(f"/api/v1/worlds/{wid}/ops/{name}", json=body, headers=headers)


def error_of(resp, status):
    body = resp.get_json()
    assert resp.status_code == status, body
    assert set(body) >= {"code", "message_zh", "message_en", "field"}
    return body["code"], body["field"]


class ProbeArgs(Args):
    taxpayer: Text


def probe(ctx, args):
    """Echo what the operation saw (test only)."""
    if args.taxpayer == "boom":
        from backoffice.errors import OperationError
        raise OperationError("RANGE_UNAVAILABLE", field="taxpayer")
    return {"now": ctx.now, "amount": Decimal("12.50"), "who": ctx.actor.name, "taxpayer": args.taxpayer}


@pytest.fixture
def probe_op(monkeypatch):
    """A throw-away PC-side operation, so the door is tested whatever the domains register."""
    name = f"h_probe_{uuid4().hex[:6]}"
    monkeypatch.setitem(catalogue.REGISTRY, name, Operation(name, "探测", "Probe", "pc", ProbeArgs, probe,
                                                            description="Echo (test only)."))
    return name


# --- the door itself -----------------------------------------------------------------------------

def test_an_operation_result_is_json_with_times_in_shanghai_and_amounts_as_strings(client, headers, wid, probe_op):
    resp = call(client, headers, wid, probe_op, "acme", taxpayer="acme")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"result": {"now": "2016-05-03T09:00:00+08:00", "amount": "12.50", "who": "acme",
                                          "taxpayer": "acme"}}


def test_unknown_operation_is_invalid_input_on_op(client, headers, wid):
    assert error_of(call(client, headers, wid, "no_such_op", "h_zhang"), 400) == ("INVALID_INPUT", "op")


def test_an_actor_not_in_the_world_is_forbidden(client, headers, wid, probe_op):
    assert error_of(call(client, headers, wid, probe_op, "ghost", taxpayer="acme"), 403) == ("FORBIDDEN", "actor")


def test_bad_envelope_and_bad_args_name_the_field(client, headers, wid, probe_op):
    url = f"/api/v1/worlds/{wid}/ops/{probe_op}"
    assert error_of(client.post(url, json={"args": {}}, headers=headers), 400) == ("INVALID_INPUT", "actor")
    assert error_of(client.post(url, json={"actor": "acme", "args": []}, headers=headers), 400) == ("INVALID_INPUT", "args")
    assert error_of(call(client, headers, wid, probe_op, "acme", taxpayer=7), 400) == ("INVALID_INPUT", "taxpayer")
    assert error_of(call(client, headers, wid, probe_op, "acme", taxpayer="acme", extra="x"), 400) == \
        ("INVALID_INPUT", "extra")


def test_a_domain_refusal_is_409_with_its_code_and_is_audited(client, headers, wid, probe_op):
    assert error_of(call(client, headers, wid, probe_op, "acme", taxpayer="boom"), 409) == \
        ("RANGE_UNAVAILABLE", "taxpayer")
    entries = client.get(f"/api/v1/worlds/{wid}/audit", headers=headers,
                         query_string={"operation": probe_op}).get_json()["entries"]
    assert [(e["actor"], e["ok"], e["error_code"]) for e in entries] == [("acme", False, "RANGE_UNAVAILABLE")]


def test_audit_filters_by_actor_taxpayer_and_operation(client, headers, wid, probe_op):
    call(client, headers, wid, probe_op, "acme", taxpayer="acme")
    call(client, headers, wid, probe_op, "fresh", taxpayer="fresh")
    client.post(f"/api/v1/worlds/{wid}/clock/advance", json={"by": "1h"}, headers=headers)
    call(client, headers, wid, probe_op, "acme", taxpayer="acme")
    audit = f"/api/v1/worlds/{wid}/audit"

    def rows(**q):
        return [(e["actor"], e["operation"], e["sim_time"])
                for e in client.get(audit, headers=headers, query_string=q).get_json()["entries"]]

    assert rows(actor="acme") == [("acme", probe_op, "2016-05-03T09:00:00+08:00"),
                                  ("acme", probe_op, "2016-05-03T10:00:00+08:00")]
    assert rows(taxpayer="fresh") == [("fresh", probe_op, "2016-05-03T09:00:00+08:00")]
    assert rows(operation="advance") == [("api", "advance", "2016-05-03T10:00:00+08:00")]
    assert rows(actor="acme", since="2016-05-03T09:30:00+08:00") == [("acme", probe_op, "2016-05-03T10:00:00+08:00")]
    first = client.get(audit, headers=headers, query_string={"taxpayer": "acme"}).get_json()["entries"][0]
    assert first["args"] == {"taxpayer": "acme"} and first["result"]["amount"] == "12.50"
    assert first["user_id"] is not None and first["wall_time"].endswith("+08:00")


# --- real operations, as they land ---------------------------------------------------------------

def test_an_officer_enables_a_taxpayer_through_the_api(client, headers, wid):
    needs("open_wangpiao")
    resp = call(client, headers, wid, "open_wangpiao", "h_zhang", taxpayer="fresh")
    assert resp.status_code == 200, resp.get_json()
    view = client.get(f"/api/v1/worlds/{wid}/taxpayers/fresh", headers=headers).get_json()
    assert view["jinsan"]["taxpayer"]["enabled"] is True
    assert view["wangpiao"]["account"] is None   # 网票 learns of it only with a later sync
    # the role is checked before the input; a wrong role is FORBIDDEN on the actor
    assert error_of(call(client, headers, wid, "open_wangpiao", "h_ops", taxpayer="nobody"), 403) == \
        ("FORBIDDEN", "actor")
    assert error_of(call(client, headers, wid, "open_wangpiao", "h_zhang", taxpayer="nobody"), 400) == \
        ("INVALID_INPUT", "taxpayer")


def test_a_sale_outside_stock_is_refused_and_a_number_where_a_string_belongs_is_named(client, headers, wid):
    needs("sell_invoices")
    resp = call(client, headers, wid, "sell_invoices", "h_zhang", taxpayer="acme", code="150001320410",
                start="00000001", end="00000010")   # already sold to acme in the world block
    assert error_of(resp, 409)[0] == "RANGE_UNAVAILABLE"
    resp = client.post(f"/api/v1/worlds/{wid}/ops/sell_invoices", headers=headers, json={
        "actor": "h_zhang", "args": {"taxpayer": "acme", "code": "150001320410", "start": 100, "end": "00000200"}})
    code, field = error_of(resp, 400)
    assert (code, field) == ("INVALID_INPUT", "start") and "quote it" in resp.get_json()["message_en"]


def test_a_wangpiao_login_returns_a_session_that_later_operations_use(client, headers, wid):
    needs("login", "list_purchases")
    assert error_of(call(client, headers, wid, "list_purchases", "acme"), 401) == ("NOT_LOGGED_IN", "actor")
    resp = call(client, headers, wid, "login", "acme", **LOGIN)
    assert resp.status_code == 200, resp.get_json()
    session = resp.get_json()["result"]["session"]
    assert session

    got = call(client, headers, wid, "list_purchases", "acme", session=session)
    assert got.status_code == 200 and got.get_json()["result"]["count"] == 1
    via_header = client.post(f"/api/v1/worlds/{wid}/ops/list_purchases", json={"actor": "acme"},
                             headers=dict(headers, **{"X-Wangpiao-Session": session}))
    assert via_header.status_code == 200 and via_header.get_json()["result"]["count"] == 1
    # the token is a secret of the moment: the audit keeps that the login happened, not the token
    entries = client.get(f"/api/v1/worlds/{wid}/audit", headers=headers,
                         query_string={"operation": "login"}).get_json()["entries"]
    assert entries[0]["ok"] and session not in str(entries)


# --- the OpenAPI document -------------------------------------------------------------------------

def test_openapi_document_is_valid_and_documents_every_operation(client, headers, probe_op):
    resp = client.get("/api/v1/openapi.json", headers=headers)
    assert resp.status_code == 200
    doc = resp.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    schemas = doc["components"]["schemas"]
    registry = catalogue.load_all()
    assert probe_op in registry
    for name, op in registry.items():
        entry = doc["paths"][f"/api/v1/worlds/{{world_id}}/ops/{name}"]["post"]
        assert op.label_zh in entry["summary"] and op.label_en in entry["summary"]
        body = entry["requestBody"]["content"]["application/json"]["schema"]
        ref = body["properties"]["args"]["$ref"].rsplit("/", 1)[1]
        fields = {f.alias or n for n, f in op.args_model.model_fields.items()}
        assert set(schemas[ref].get("properties", {})) == fields
        assert "actor" in body["required"]
        assert entry["responses"]["403"] == {"$ref": "#/components/responses/E403"}
    probe_args = doc["paths"][f"/api/v1/worlds/{{world_id}}/ops/{probe_op}"]["post"]["requestBody"]
    ref = probe_args["content"]["application/json"]["schema"]["properties"]["args"]["$ref"].rsplit("/", 1)[1]
    assert schemas[ref]["required"] == ["taxpayer"] and schemas[ref]["additionalProperties"] is False
    assert doc["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http", "scheme": "bearer", "description": "backoffice token create USER"}
    assert doc["security"] == [{"bearerAuth": []}]
    assert schemas["Error"]["required"] == ["code", "message_zh", "message_en", "field"]
    assert {"/api/v1/worlds", "/api/v1/worlds/{world_id}/clock/advance", "/api/v1/scenarios/run"} <= set(doc["paths"])


def test_openapi_tells_which_operations_need_a_wangpiao_session(client, headers):
    needs("list_purchases", "open_wangpiao")
    paths = client.get("/api/v1/openapi.json", headers=headers).get_json()["paths"]
    lp = paths["/api/v1/worlds/{world_id}/ops/list_purchases"]["post"]
    ow = paths["/api/v1/worlds/{world_id}/ops/open_wangpiao"]["post"]
    assert lp["x-needs-login"] is True and "X-Wangpiao-Session" in [p["name"] for p in lp["parameters"]]
    assert ow["x-needs-login"] is False and "specialist" in ow["x-roles"]


def test_the_cli_prints_the_same_document(app, client, headers):
    import json
    from backoffice.cli import main
    result = app.test_cli_runner().invoke(main, ["api", "openapi"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == client.get("/api/v1/openapi.json", headers=headers).get_json()


def test_enable_then_advance_past_the_nightly_run_shows_the_account_on_both_sides(client, headers, wid):
    needs("open_wangpiao")
    assert call(client, headers, wid, "open_wangpiao", "h_zhang", taxpayer="fresh").status_code == 200
    clock = client.get(f"/api/v1/worlds/{wid}/clock", headers=headers).get_json()
    assert {"time": "2016-05-04T02:00:00+08:00", "job": "nightly_clearing"} in clock["next_events"]

    out = client.post(f"/api/v1/worlds/{wid}/clock/advance", json={"until": "2016-05-04T02:00:00+08:00"},
                      headers=headers).get_json()
    assert any(e["job"] == "nightly_clearing" and e["time"] == "2016-05-04T02:00:00+08:00" for e in out["events"])
    view = client.get(f"/api/v1/worlds/{wid}/taxpayers/fresh", headers=headers).get_json()
    assert view["wangpiao"]["account"]["registration_no"] == "11500000000000000002"
    runs = client.get(f"/api/v1/worlds/{wid}/jobs", headers=headers).get_json()["runs"]
    assert ("nightly_clearing", "2016-05-04T02:00:00+08:00") in [(r["job"], r["scheduled_for"]) for r in runs]


def test_a_wrong_method_on_the_api_is_answered_in_the_error_shape(app):
    r = app.test_client().put("/api/v1/openapi.json")
    assert r.status_code == 405
    assert r.json["code"] == "INVALID_INPUT" and r.json["field"] == "method"
    assert "405" in r.json["message_en"]
