"""What a QA engineer scripts against (issue 15 item 8, issue 11 quotas): typed responses, cursor
paging, Idempotency-Key, the public document and reference page, worlds per user."""
from __future__ import annotations

from uuid import uuid4

import pytest

from backoffice.users.service import create_token, create_user
from web_support import csrf_from, login, post, text

START = "2016-05-03T09:00:00+08:00"
ACME = {"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
        "registration_no": "11500000000000000001", "specialist": "h_zhang", "enabled": True}
WORLD = {"start": START, "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"}], "taxpayers": [ACME]}


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_user(db):
    def _make(role: str = "trainee"):
        user = create_user(db, f"api_{uuid4().hex[:8]}", "password-123", role)
        token = create_token(db, user)
        db.commit()
        return user, {"Authorization": f"Bearer {token}"}
    return _make


def _world(client, headers, spec=None, name="w"):
    resp = client.post("/api/v1/worlds", json={"world": spec or WORLD, "name": name}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


# --- the document ---------------------------------------------------------------------------------

def test_the_document_and_reference_page_need_no_token(client):
    doc = client.get("/api/v1/openapi.json")
    assert doc.status_code == 200 and doc.get_json()["openapi"].startswith("3.1")
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "/api/v1/worlds/{world_id}/ops/sell_invoices" in html and "AuditPage" in html
    # everything else still needs one
    assert client.get("/api/v1/worlds").status_code == 401


def test_every_route_has_a_typed_response(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    for path, methods in doc["paths"].items():
        for method, entry in methods.items():
            ok = [s for s in entry["responses"] if s.startswith("2")]
            assert ok, (method, path)
            schema = entry["responses"][ok[0]].get("content", {}).get("application/json", {}).get("schema", {})
            if path.endswith("/docs"):
                continue
            ref = schema.get("$ref", "")
            assert ref.startswith("#/components/schemas/"), (method, path, schema)
            model = schemas[ref.rsplit("/", 1)[1]]
            assert model.get("properties"), (method, path)
    assert schemas["AuditPage"]["properties"]["next_cursor"]
    assert "items" in schemas["WorldPage"]["properties"]["worlds"]


def test_every_post_documents_idempotency_key(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    for path, methods in doc["paths"].items():
        if "post" in methods:
            names = [p["name"] for p in methods["post"].get("parameters", [])]
            assert "Idempotency-Key" in names, path


# --- paging -------------------------------------------------------------------------------------

def _walk(client, headers, url, key):
    seen, cursor, pages = [], None, 0
    while True:
        resp = client.get(url, headers=headers, query_string={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert resp.status_code == 200, resp.get_json()
        body = resp.get_json()
        assert len(body[key]) <= 2
        seen += body[key]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            return seen, pages


def test_audit_jobs_taxpayers_and_worlds_page_by_cursor(client, make_user):
    _u, headers = make_user()
    from stdnum.cn import uscc
    ids = [f"91500000MA5U0A0{c}1" for c in "ABC"]
    taxpayers = [dict(ACME, ref=f"t{i}", tax_id=tid + uscc.calc_check_digit(tid), registration_no=f"1150000000000000000{i}")
                 for i, tid in enumerate(ids, 1)]
    wid = _world(client, headers, {**WORLD, "taxpayers": taxpayers})
    for i in range(5):
        client.post(f"/api/v1/worlds/{wid}/ops/diagnose", headers=headers,
                    json={"actor": "h_zhang", "args": {"taxpayer": f"t{i % 3 + 1}"}})
    client.post(f"/api/v1/worlds/{wid}/clock/advance", headers=headers, json={"by": "1d"})

    whole = client.get(f"/api/v1/worlds/{wid}/audit", headers=headers).get_json()["entries"]
    paged, pages = _walk(client, headers, f"/api/v1/worlds/{wid}/audit", "entries")
    assert [e["id"] for e in paged] == [e["id"] for e in whole] and pages >= 3

    refs, _ = _walk(client, headers, f"/api/v1/worlds/{wid}/taxpayers", "taxpayers")
    assert [t["ref"] for t in refs] == ["t1", "t2", "t3"]

    runs = client.get(f"/api/v1/worlds/{wid}/jobs", headers=headers).get_json()["runs"]
    paged_runs, _ = _walk(client, headers, f"/api/v1/worlds/{wid}/jobs", "runs")
    assert [r["id"] for r in paged_runs] == [r["id"] for r in runs]

    for _ in range(3):
        _world(client, headers)
    worlds, _ = _walk(client, headers, "/api/v1/worlds", "worlds")
    ids = [w["id"] for w in worlds]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 4


# --- Idempotency-Key ------------------------------------------------------------------------------

def test_a_retried_sale_replays_the_first_answer(client, make_user, db):
    _u, headers = make_user()
    wid = _world(client, headers, {**WORLD, "taxpayers": [dict(ACME, enabled=False)]})
    sale = {"actor": "h_zhang", "args": {"taxpayer": "acme", "code": "150001320410", "start": "00000001",
                                         "end": "00000050"}}
    key = {"Idempotency-Key": "sale-" + uuid4().hex}
    first = client.post(f"/api/v1/worlds/{wid}/ops/sell_invoices", headers={**headers, **key}, json=sale)
    again = client.post(f"/api/v1/worlds/{wid}/ops/sell_invoices", headers={**headers, **key}, json=sale)
    assert first.status_code == again.status_code == 200
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    # without the key the same request is a second sale, refused
    fresh = client.post(f"/api/v1/worlds/{wid}/ops/sell_invoices", headers=headers, json=sale)
    assert fresh.get_json()["code"] == "RANGE_UNAVAILABLE"
    sales = client.get(f"/api/v1/worlds/{wid}/taxpayers/acme", headers=headers).get_json()["jinsan"]["sales"]
    assert len(sales) == 1


def test_a_retried_advance_does_not_advance_twice(client, make_user):
    _u, headers = make_user()
    wid = _world(client, headers)
    key = {"Idempotency-Key": "adv-" + uuid4().hex}
    a = client.post(f"/api/v1/worlds/{wid}/clock/advance", headers={**headers, **key}, json={"by": "2h"})
    b = client.post(f"/api/v1/worlds/{wid}/clock/advance", headers={**headers, **key}, json={"by": "2h"})
    assert a.get_json() == b.get_json()
    assert client.get(f"/api/v1/worlds/{wid}/clock", headers=headers).get_json()["now"] == "2016-05-03T11:00:00+08:00"
    other = client.post(f"/api/v1/worlds/{wid}/clock/advance", headers={**headers, **key}, json={"by": "3h"})
    assert other.status_code == 422 and other.get_json()["code"] == "IDEMPOTENCY_KEY_REUSED"
    # a refusal is replayed too, and keys belong to their user
    bad = {"Idempotency-Key": "bad-" + uuid4().hex}
    r1 = client.post(f"/api/v1/worlds/{wid}/clock/advance", headers={**headers, **bad}, json={"by": "nope"})
    r2 = client.post(f"/api/v1/worlds/{wid}/clock/advance", headers={**headers, **bad}, json={"by": "nope"})
    assert r1.status_code == r2.status_code == 400 and r2.headers.get("Idempotent-Replayed") == "true"


def test_creating_a_world_twice_with_one_key_makes_one_world(client, make_user):
    _u, headers = make_user()
    key = {"Idempotency-Key": "world-" + uuid4().hex}
    a = client.post("/api/v1/worlds", headers={**headers, **key}, json={"name": "once"})
    b = client.post("/api/v1/worlds", headers={**headers, **key}, json={"name": "once"})
    assert a.status_code == b.status_code == 201 and a.get_json()["id"] == b.get_json()["id"]
    assert len(client.get("/api/v1/worlds", headers=headers).get_json()["worlds"]) == 1


# --- worlds per user ------------------------------------------------------------------------------

def test_worlds_per_user_quota_and_the_my_worlds_page(app, client, make_user, db):
    app.config["WORLDS_PER_USER"] = 2
    try:
        user, headers = make_user()
        first, second = _world(client, headers), _world(client, headers)
        for resp in (client.post("/api/v1/worlds", headers=headers, json={}),
                     client.post(f"/api/v1/worlds/{first}/fork", headers=headers, json={}),
                     client.post("/api/v1/scenarios/run", headers=headers,
                                 json={"name": "x", "world": {"start": START}, "steps": [{"advance": "1h"}]})):
            body = resp.get_json()
            assert resp.status_code == 409 and body["code"] == "WORLD_QUOTA_EXCEEDED", body
            assert "/account/worlds" in body["message_zh"] or "删除" in body["message_zh"]
        # instructors are not limited
        _t, t_headers = make_user("instructor")
        for _ in range(3):
            _world(client, t_headers)

        web = app.test_client()
        from backoffice.users.models import User
        db.get(User, user.id).password_hash = __import__("backoffice.security", fromlist=["x"]).hash_password("pw-123456789")
        db.commit()
        assert login(web, user.username, "pw-123456789").status_code == 302
        page = web.get("/account/worlds")
        html = text(page)
        assert page.status_code == 200 and f'value="{first}"' in html and f'value="{second}"' in html and "2" in html
        resp = web.post("/account/worlds/delete", data={"world": [str(first)], "csrf_token": csrf_from(html)})
        assert resp.status_code == 302
        assert client.get(f"/api/v1/worlds/{first}", headers=headers).status_code == 404
        assert client.post("/api/v1/worlds", headers=headers, json={}).status_code == 201
        # someone else's world cannot be deleted from this page
        other_world = _world(client, t_headers)
        post(web, "/account/worlds/delete", {"world": str(other_world)}, from_page="/account/worlds")
        assert client.get(f"/api/v1/worlds/{other_world}", headers=t_headers).status_code == 200
    finally:
        app.config["WORLDS_PER_USER"] = None
