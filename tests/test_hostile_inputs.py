"""Hostile input through the JSON API (issue 11): each is refused with its status and stable code,
never a 5xx, and leaves the world exactly as it was (only the refusal's own audit entry is added).
The same on SQLite and PostgreSQL: the suite runs on both."""
from __future__ import annotations

import json
from uuid import uuid4

import pytest
from sqlalchemy import func, select

from backoffice.users.service import create_token, create_user
from backoffice.worlds.models import World
from backoffice.worlds.service import world_tables

ACME = {"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
        "registration_no": "11500000000000000001", "specialist": "h_zhang", "enabled": True, "ca": "pc",
        "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000050"}]}
WORLD = {"start": "2016-05-03T09:00:00+08:00",
         "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"},
                      {"login": "h_coll", "name": "赵敏", "role": "collection_section"},
                      {"login": "h_ops", "name": "运维", "role": "ops"}],
         "taxpayers": [ACME]}
LOGIN = {"account": "11500000000000000001", "password": "000001"}
BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]\n" for i in range(8))
DEEP = "[" * 100_000 + "]" * 100_000
BIG_INT = 10**30


def op(name, actor, **args):
    return ("post", f"/ops/{name}", {"json": {"actor": actor, "args": args}})


def raw(name, body, content_type="application/json"):
    return ("post", f"/ops/{name}", {"data": body, "content_type": content_type})


def clock(**body):
    return ("post", "/clock/advance", {"json": body})


def get(path):
    return ("get", path, {})


def new_world(**body):
    return ("post", "@/api/v1/worlds", {"json": body})


def scenario(text):
    return ("post", "@/api/v1/scenarios/run", {"data": text, "content_type": "application/yaml"})


def spec(**changes):
    return {**WORLD, **changes}


def taxpayer(**changes):
    return spec(taxpayers=[{**ACME, **changes}])


# (id, request, status, code, field or None)
CASES = [
    # strings: control characters, NUL included, and lengths past their column
    ("nul-in-taxpayer", op("open_wangpiao", "h_zhang", taxpayer="ac\x00me"), 400, "INVALID_INPUT", "taxpayer"),
    ("newline-in-taxpayer", op("open_wangpiao", "h_zhang", taxpayer="acme\n"), 400, "INVALID_INPUT", "taxpayer"),
    ("nul-in-actor", op("open_wangpiao", "h_\x00zhang", taxpayer="acme"), 400, "INVALID_INPUT", "actor"),
    ("actor-121-chars", op("open_wangpiao", "h" * 121, taxpayer="acme"), 400, "INVALID_INPUT", "actor"),
    ("actor-100k-chars", op("diagnose", "h" * 100_000, taxpayer="acme"), 400, "INVALID_INPUT", "actor"),
    ("blank-actor", op("open_wangpiao", "   ", taxpayer="acme"), 400, "INVALID_INPUT", "actor"),
    ("item-150-chars", op("request_item", "h_zhang", taxpayer="acme", item="品" * 150), 400, "INVALID_INPUT", "item"),
    ("item-101-chars", op("request_item", "h_zhang", taxpayer="acme", item="x" * 101), 400, "INVALID_INPUT", "item"),
    ("item-nul", op("request_item", "h_zhang", taxpayer="acme", item="\x00"), 400, "INVALID_INPUT", "item"),
    ("item-blank", op("request_item", "h_zhang", taxpayer="acme", item=" \u3000 "), 400, "INVALID_INPUT", "item"),
    ("reason-501-chars", op("reject_item", "h_coll", item="x", reason="理" * 501), 400, "INVALID_INPUT", "reason"),
    ("taxpayer-61-chars", op("open_wangpiao", "h_zhang", taxpayer="a" * 61), 400, "INVALID_INPUT", "taxpayer"),
    ("invoicer-name-61", op("login", "acme", **LOGIN, invoicer="开" * 61), 400, "INVALID_INPUT", "invoicer"),
    ("password-nul", op("login", "acme", account=LOGIN["account"], password="000\x00001"), 400, "INVALID_INPUT", "password"),
    ("account-41-chars", op("login", "acme", account="1" * 41, password="x"), 400, "INVALID_INPUT", "account"),
    ("folder-201-chars", op("install_client", "acme", edition="guoshui", folder="C:\\" + "d" * 200), 400,
     "INVALID_INPUT", "folder"),
    ("version-nul", op("install_client", "acme", edition="guoshui", version="1\x00"), 400, "INVALID_INPUT", "version"),
    ("line-separator", op("request_item", "h_zhang", taxpayer="acme", item="a\u2028b"), 400, "INVALID_INPUT", "item"),
    # digits: ASCII or full-width only
    ("arabic-indic-invoice-no", op("sell_invoices", "h_zhang", taxpayer="acme", code="150001320410",
                                   start="٠٠٠٠٠١٠١", end="٠٠٠٠٠٢٠٠"), 400, "INVALID_INPUT", "start"),
    ("devanagari-code", op("sell_invoices", "h_zhang", taxpayer="acme", code="१५०००१३२०४१०",
                           start="00000101", end="00000200"), 400, "INVALID_INPUT", "code"),
    ("arabic-indic-amount", op("set_red_limit", "h_zhang", taxpayer="acme", amount="١٠٠"), 400, "INVALID_INPUT", "amount"),
    ("code-with-letters", op("sell_invoices", "h_zhang", taxpayer="acme", code="15000132041O",
                             start="00000101", end="00000200"), 400, "INVALID_INPUT", "code"),
    ("code-13-digits", op("sell_invoices", "h_zhang", taxpayer="acme", code="1500013204100",
                          start="00000101", end="00000200"), 400, "INVALID_INPUT", "code"),
    ("invoice-no-9-digits", op("sell_invoices", "h_zhang", taxpayer="acme", code="150001320410",
                               start="000000101", end="00000200"), 400, "INVALID_INPUT", "start"),
    ("start-after-end", op("sell_invoices", "h_zhang", taxpayer="acme", code="150001320410",
                           start="00000200", end="00000101"), 400, "INVALID_INPUT", "end"),
    ("invoice-no-as-number", op("sell_invoices", "h_zhang", taxpayer="acme", code="150001320410",
                                start=101, end="00000200"), 400, "INVALID_INPUT", "start"),
    # amounts
    ("amount-30-digits", op("set_red_limit", "h_zhang", taxpayer="acme", amount="9" * 30), 400, "INVALID_INPUT", "amount"),
    ("amount-30-digits-cache", op("allocate_amounts", "acme", invoicer="系统管理员", red_amount="0.00",
                                  cache_amount="1" * 30 + ".00"), 401, "NOT_LOGGED_IN", "actor"),
    ("amount-over-ceiling", op("set_red_limit", "h_zhang", taxpayer="acme", amount="10000000000.00"), 400,
     "INVALID_INPUT", "amount"),
    ("amount-exponent", op("set_red_limit", "h_zhang", taxpayer="acme", amount="1e5"), 400, "INVALID_INPUT", "amount"),
    ("amount-negative", op("set_red_limit", "h_zhang", taxpayer="acme", amount="-1.00"), 400, "INVALID_INPUT", "amount"),
    ("amount-3-decimals", op("set_red_limit", "h_zhang", taxpayer="acme", amount="1.234"), 400, "INVALID_INPUT", "amount"),
    ("amount-nan", op("set_red_limit", "h_zhang", taxpayer="acme", amount="NaN"), 400, "INVALID_INPUT", "amount"),
    ("amount-infinity", op("set_red_limit", "h_zhang", taxpayer="acme", amount="Infinity"), 400, "INVALID_INPUT", "amount"),
    ("amount-as-number", op("set_red_limit", "h_zhang", taxpayer="acme", amount=100), 400, "INVALID_INPUT", "amount"),
    ("amount-10k-digits", op("set_red_limit", "h_zhang", taxpayer="acme", amount="1" * 10_000), 400,
     "INVALID_INPUT", "amount"),
    # shapes
    ("extra-argument", op("open_wangpiao", "h_zhang", taxpayer="acme", admin=True), 400, "INVALID_INPUT", "admin"),
    ("args-a-list", ("post", "/ops/open_wangpiao", {"json": {"actor": "h_zhang", "args": ["acme"]}}), 400,
     "INVALID_INPUT", "args"),
    ("taxpayer-a-number", op("open_wangpiao", "h_zhang", taxpayer=7), 400, "INVALID_INPUT", "taxpayer"),
    ("taxpayer-an-object", op("open_wangpiao", "h_zhang", taxpayer={"ref": "acme"}), 400, "INVALID_INPUT", "taxpayer"),
    ("secondary-1000", op("assign_industries", "h_zhang", taxpayer="acme", main="7240", secondary=["7292"] * 1000),
     400, "INVALID_INPUT", "secondary"),
    ("printer-offset-huge", op("set_printer", "acme", invoice_type="32010", right=BIG_INT, down=0), 401,
     "NOT_LOGGED_IN", "actor"),
    ("flag-a-string", op("set_ygz_flag", "h_ops", taxpayer="acme", value="yes"), 400, "INVALID_INPUT", "value"),
    ("client-unknown", op("login", "acme", **LOGIN, client="evil"), 400, "INVALID_INPUT", "client"),
    ("unknown-operation", op("drop_tables", "h_zhang"), 400, "INVALID_INPUT", "op"),
    ("operation-name-1000", op("x" * 1000, "h_zhang"), 400, "INVALID_INPUT", "op"),
    ("operation-name-nul", ("post", "/ops/open%00wangpiao", {"json": {"actor": "h_zhang", "args": {}}}), 400,
     "INVALID_INPUT", "path"),
    ("body-not-json", raw("open_wangpiao", "{actor: h_zhang"), 400, "INVALID_INPUT", "body"),
    ("body-a-list", raw("open_wangpiao", "[1, 2]"), 400, "INVALID_INPUT", "body"),
    ("body-100k-deep", raw("open_wangpiao", DEEP), 400, "INVALID_INPUT", "body"),
    ("body-2-mb", raw("open_wangpiao", json.dumps({"actor": "h_zhang", "args": {"taxpayer": "x" * 2_000_000}})), 413,
     "REQUEST_TOO_LARGE", "body"),
    ("session-token-10k", ("post", "/ops/list_purchases", {"json": {"actor": "acme", "session": "t" * 10_000}}), 400,
     "INVALID_INPUT", "session"),
    ("bad-session-token", ("post", "/ops/list_purchases", {"json": {"actor": "acme", "session": "forged"}}), 401,
     "NOT_LOGGED_IN", "actor"),
    ("another-worlds-officer", op("open_wangpiao", "zhang_wei_elsewhere", taxpayer="acme"), 403, "FORBIDDEN", "actor"),
    # the clock
    ("advance-999999999d", clock(by="999999999d"), 400, "INVALID_INPUT", "by"),
    ("advance-3661d", clock(by="3661d"), 400, "INVALID_INPUT", "by"),
    ("advance-arabic-digit", clock(by="١d"), 400, "INVALID_INPUT", "by"),
    ("advance-blank", clock(by=""), 400, "INVALID_INPUT", "by"),
    ("advance-a-number", clock(by=5), 400, "INVALID_INPUT", "by"),
    ("advance-both", clock(by="1h", until="2016-05-04T00:00:00+08:00"), 400, "INVALID_INPUT", "by"),
    ("advance-to-9999", clock(until="9999-12-31T23:59:59+08:00"), 400, "CLOCK_HORIZON", "until"),
    ("advance-past-last-instant", clock(until="9999-12-31T23:59:59-14:00"), 400, "INVALID_INPUT", "until"),
    ("advance-no-offset", clock(until="2016-05-04T00:00:00"), 400, "INVALID_INPUT", "until"),
    ("advance-backwards", clock(until="2016-05-01T00:00:00+08:00"), 409, "CLOCK_BACKWARDS", "until"),
    ("mode-speed-huge", ("post", "/clock/mode", {"json": {"mode": "live", "speed": 1e308}}), 400, "INVALID_INPUT", "speed"),
    ("mode-unknown", ("post", "/clock/mode", {"json": {"mode": "turbo"}}), 400, "INVALID_INPUT", "mode"),
    # ids and lists
    ("world-id-2-31", ("get", "@/api/v1/worlds/2147483648", {}), 404, "NOT_FOUND", None),
    ("world-id-20-digits", ("get", "@/api/v1/worlds/99999999999999999999/clock", {}), 404, "NOT_FOUND", None),
    ("world-id-arabic", ("get", "@/api/v1/worlds/١", {}), 404, "NOT_FOUND", None),
    ("audit-limit-superscript", get("/audit?limit=²"), 400, "INVALID_INPUT", "limit"),
    ("audit-limit-zero", get("/audit?limit=0"), 400, "INVALID_INPUT", "limit"),
    ("audit-limit-huge", get("/audit?limit=99999999999999999999"), 400, "INVALID_INPUT", "limit"),
    ("audit-since-garbage", get("/audit?since=yesterday"), 400, "INVALID_INPUT", "since"),
    ("audit-since-overflow", get("/audit?since=9999-12-31T23:59:59-14:00"), 400, "INVALID_INPUT", "since"),
    ("audit-actor-nul", get("/audit?actor=a%00b"), 400, "INVALID_INPUT", "actor"),
    ("audit-actor-300", get("/audit?actor=" + "a" * 300), 400, "INVALID_INPUT", "actor"),
    ("audit-cursor-garbage", get("/audit?cursor=!!!"), 400, "INVALID_INPUT", "cursor"),
    ("audit-cursor-forged", get("/audit?cursor=WyJ4Iiwi"), 400, "INVALID_INPUT", "cursor"),
    ("jobs-limit-huge", get("/jobs?limit=5001"), 400, "INVALID_INPUT", "limit"),
    ("taxpayers-cursor-wrong-kind", get("/taxpayers?cursor=WzFd"), 400, "INVALID_INPUT", "cursor"),
    ("taxpayer-ref-nul", get("/taxpayers/ac%00me"), 400, "INVALID_INPUT", "path"),
    ("taxpayer-ref-200", get("/taxpayers/" + "a" * 200), 404, "NOT_FOUND", "taxpayer"),
    ("wrong-method", ("put", "/clock", {"json": {}}), 405, "INVALID_INPUT", "method"),
    ("idempotency-key-with-space", ("post", "/clock/advance", {"json": {"by": "1h"},
                                                              "headers": {"Idempotency-Key": "a b"}}), 400,
     "INVALID_INPUT", "Idempotency-Key"),
    ("member-username-nul", ("post", "/members", {"json": {"username": "a\x00"}}), 400, "INVALID_INPUT", "username"),
    # world and scenario files
    ("base-absolute-path", new_world(world=spec(base="/etc")), 400, "INVALID_INPUT", "world.base"),
    ("base-parent-dir", new_world(world=spec(base="../seed_data/base")), 400, "INVALID_INPUT", "world.base"),
    ("start-in-9999", new_world(world=spec(start="9999-12-31T00:00:00+08:00")), 400, "INVALID_INPUT", "world.start"),
    ("seed-2-40", new_world(world=spec(seed=2**40)), 400, "INVALID_INPUT", "world.seed"),
    ("world-name-201", new_world(name="世" * 201), 400, "INVALID_INPUT", "name"),
    ("world-name-nul", new_world(name="a\x00"), 400, "INVALID_INPUT", "name"),
    ("ds-account-41", new_world(world=taxpayer(former_ds_wangpiao=True, ds_account="9" * 41)), 400, "INVALID_INPUT",
     "world.taxpayers.0.ds_account"),
    ("taxpayer-name-nul", new_world(world=taxpayer(name="重庆\x00公司")), 400, "INVALID_INPUT", "world.taxpayers.0.name"),
    ("world-yaml-aliases", new_world(world=BOMB), 400, "INVALID_INPUT", "world"),
    ("world-yaml-python-object", new_world(world="start: !!python/object/apply:os.system [true]"), 400,
     "INVALID_INPUT", "world"),
    ("scenario-billion-laughs", scenario(BOMB), 400, "INVALID_INPUT", "scenario"),
    ("scenario-300-kb", scenario("name: x\n# " + "x" * 300_000 + "\n"), 400, "INVALID_INPUT", "scenario"),
    ("scenario-deep-flow", scenario("[" * 5000 + "]" * 5000), 400, "INVALID_INPUT", "scenario"),
    ("scenario-base-etc", scenario("name: x\nworld: {start: 2016-05-03T09:00:00+08:00, base: /etc}\n"
                                   "steps: [{advance: 1h}]\n"), 400, "INVALID_INPUT", "world.base"),
    ("scenario-2001-steps", scenario("name: x\nworld: {start: 2016-05-03T09:00:00+08:00}\nsteps:\n"
                                     + "  - {advance: 1m}\n" * 2001), 400, "INVALID_INPUT", "steps"),
]


@pytest.fixture(scope="module")
def setup(app):
    factory = app.extensions["backoffice.sessions"]
    with factory() as db:
        user = create_user(db, f"hostile_{uuid4().hex[:8]}", "password-123", "trainee")
        token = create_token(db, user)
        db.commit()
        headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    resp = client.post("/api/v1/worlds", json={"world": WORLD}, headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return client, headers, resp.get_json()["id"], user.id, factory


def fingerprint(factory, world_id: int, owner_id: int) -> dict:
    """Everything a refusal must leave alone: the world's clock and sequence, the number of rows of
    every world table but the audit log, and how many worlds the user owns."""
    with factory() as db:
        w = db.get(World, world_id)
        out = {"clock": w.clock_now, "mode": w.clock_mode, "seq": w.next_seq, "speed": w.live_speed,
               "owned": db.execute(select(func.count(World.id)).where(World.owner_id == owner_id)).scalar_one()}
        for t in world_tables():
            if t.name != "audit_entries":
                out[t.name] = db.execute(select(func.count()).select_from(t).where(t.c.world_id == world_id)).scalar_one()
        return out


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_hostile_input_is_refused_and_changes_nothing(setup, case):
    client, headers, wid, owner_id, factory = setup
    _name, (method, path, kw), status, code, field = case
    url = path[1:] if path.startswith("@") else f"/api/v1/worlds/{wid}{path}"
    kw = dict(kw)
    kw["headers"] = {**headers, **kw.get("headers", {})}
    before = fingerprint(factory, wid, owner_id)
    resp = getattr(client, method)(url, **kw)
    body = resp.get_json()
    assert resp.status_code == status, body
    assert body["code"] == code, body
    if field is not None:
        assert body["field"] == field, body
    assert body["message_zh"] and body["message_en"]
    assert fingerprint(factory, wid, owner_id) == before


def test_there_are_at_least_sixty_hostile_inputs():
    assert len(CASES) >= 60 and len({c[0] for c in CASES}) == len(CASES)


def test_full_width_digits_are_normalised(setup):
    client, headers, wid, _owner, _factory = setup
    resp = client.post(f"/api/v1/worlds/{wid}/ops/set_red_limit", headers=headers,
                       json={"actor": "h_zhang", "args": {"taxpayer": "acme", "amount": "１０００．５０"}})
    assert resp.status_code == 200, resp.get_json()
    resp = client.post(f"/api/v1/worlds/{wid}/ops/sell_invoices", headers=headers,
                       json={"actor": "h_zhang", "args": {"taxpayer": "acme", "code": "１５０００１３２０４１０",
                                                         "start": "０００００３０１", "end": "０００００４００"}})
    assert resp.status_code == 200, resp.get_json()
    detail = client.get(f"/api/v1/worlds/{wid}/taxpayers/acme", headers=headers).get_json()
    assert detail["jinsan"]["red_limit"] == "1000.50"
    assert {"code": "150001320410", "start": "00000301", "end": "00000400"} in \
        [{k: s[k] for k in ("code", "start", "end")} for s in detail["jinsan"]["sales"]]
