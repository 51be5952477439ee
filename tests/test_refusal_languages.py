"""Every refusal of every operation speaks each language cleanly (issue 15 item 3, refusals):
``message_zh`` holds no English word and ``message_en`` no Chinese, except what
:mod:`backoffice.refusals` allows (codes, identifiers, technical names, the FAQ's proper names,
quoted input). The operations are driven into their refusals: the wrong actor, the wrong role, no
网票 session, every argument missing, of the wrong type, too long, with a control character,
blank, an unknown argument; then every domain refusal the FAQ scenarios provoke; then the clock's
and the API's own refusals."""
from __future__ import annotations

from pathlib import Path

import pytest

from backoffice import catalogue
from backoffice.config import default_seed_path
from backoffice.dispatch import advance_clock, execute
from backoffice.errors import OperationError
from backoffice.refusals import chinese_leaks, english_leaks

START = "2016-05-03T09:00:00+08:00"
OFFICERS = [{"login": "h_spec", "name": "张明", "role": "specialist"},
            {"login": "h_ds", "name": "陈静", "role": "ds_specialist"},
            {"login": "h_coll", "name": "赵敏", "role": "collection_section"},
            {"login": "h_ops", "name": "运维", "role": "ops"}]
ACME = {"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
        "registration_no": "11500000000000000001", "specialist": "h_spec", "enabled": True,
        "industries": {"main": "8011", "secondary": []}, "red_limit": "500.00",
        "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000100"}]}
WORLD = {"start": START, "officers": OFFICERS, "taxpayers": [ACME]}
LOGIN = {"account": "11500000000000000001", "password": "000001"}


def identifiers() -> set[str]:
    """What a Chinese message may name in Latin letters: operation and argument names, the
    values a user types (enums), the world's logins and refs."""
    out = {"acme", "ghost", "by", "until", "world", "actor", "args", "body", "op", "session", "method", "path",
           "limit", "cursor", "taxpayer", "duration", "time", "scenario", "steps", "name", "username", "password"}
    out |= {o["login"] for o in OFFICERS}
    from backoffice.api import schemas as api_bodies
    from backoffice.worlds.spec import WorldSpec
    models = [op.args_model for op in catalogue.load_all().values()] + [WorldSpec] + \
        [m for m in vars(api_bodies).values() if isinstance(m, type) and issubclass(m, api_bodies.Body)]
    out |= set(catalogue.load_all())
    for model in models:
        stack = [model.model_json_schema()]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                out |= set((node.get("properties") or {}).keys())
                out |= {v for v in node.get("enum", []) if isinstance(v, str)}
                if isinstance(node.get("const"), str):
                    out.add(node["const"])
                stack.extend(node.values())
            elif isinstance(node, list):
                stack.extend(node)
    return out


IDENTIFIERS = identifiers()


def check(exc: OperationError, where: str, seen: list) -> None:
    seen.append((where, exc.code))
    zh, en = exc.message_zh, exc.message_en
    named = set((exc.field or "").split("."))      # the field is named as the request named it
    assert not english_leaks(zh, IDENTIFIERS | named), f"{where}: English in message_zh: {zh!r}"
    assert not chinese_leaks(en), f"{where}: Chinese in message_en: {en!r}"


def refuse(db, world_id, actor, name, args, seen, token=None) -> None:
    try:
        execute(db, world_id, actor, name, args, wp_token=token)
    except OperationError as exc:
        check(exc, f"{name} as {actor} with {str(args)[:80]}", seen)


def _bad_values():
    return [7, 1.5, True, [], {"x": 1}, "x" * 5000, "a\x00b", "   ", "٠١٢٣٤٥٦٧"]


def test_every_operation_refuses_in_both_languages(db, make_world):
    world = make_world(WORLD)
    token = execute(db, world.id, "acme", "login", dict(LOGIN))["session"]
    seen: list = []
    for name, op in sorted(catalogue.load_all().items()):
        refuse(db, world.id, "ghost", name, {}, seen)
        if op.side == "jinsan":
            allowed = [o["login"] for o in OFFICERS if o["role"] in op.roles]
            denied = [o["login"] for o in OFFICERS if o["role"] not in op.roles]
            if denied:
                refuse(db, world.id, denied[0], name, {}, seen)
            actor = allowed[0] if allowed else "h_spec"
        else:
            actor = "acme"
            if op.needs_login:
                refuse(db, world.id, "acme", name, {}, seen)          # no session: NOT_LOGGED_IN
        tok = token if op.needs_login else None
        refuse(db, world.id, actor, name, ["not", "a", "mapping"], seen, tok)
        refuse(db, world.id, actor, name, {"no_such_argument": 1}, seen, tok)
        fields = op.args_model.model_json_schema().get("properties", {})
        valid = {k: "acme" for k in fields}
        for field in fields:
            refuse(db, world.id, actor, name, {k: v for k, v in valid.items() if k != field}, seen, tok)
            for bad in _bad_values():
                refuse(db, world.id, actor, name, {**valid, field: bad}, seen, tok)
    codes = {code for _w, code in seen}
    assert {"FORBIDDEN", "NOT_LOGGED_IN", "INVALID_INPUT"} <= codes
    assert len(seen) > 500


def test_every_domain_refusal_of_the_faq_scenarios_in_both_languages(db, monkeypatch):
    from backoffice.scenarios import runner
    seen: list = []
    real = runner.execute

    def spy(*a, **kw):
        try:
            return real(*a, **kw)
        except OperationError as exc:
            check(exc, f"{a[3]} in a scenario", seen)
            raise
    monkeypatch.setattr(runner, "execute", spy)
    files = sorted((Path(default_seed_path()) / "scenarios").glob("*.yaml"))
    assert files
    for path in files:
        runner.run_scenario(db, str(path))
    codes = {code for _w, code in seen}
    assert len(codes) >= 15, codes


def test_the_clock_refuses_in_both_languages(db, world):
    seen: list = []
    for kw in ({"by": "999999999d"}, {"by": "soon"}, {"until": "tomorrow"}, {"until": "2016-05-01T00:00:00+08:00"},
               {"until": "9999-12-31T23:59:59+08:00"}, {"until": "2016-05-04T00:00:00"}, {}):
        with pytest.raises(OperationError) as exc:
            advance_clock(db, world.id, **kw)
        check(exc.value, f"advance {kw}", seen)


def test_the_apis_own_refusals_in_both_languages(app, db):
    from backoffice.users.service import create_token, create_user
    from uuid import uuid4
    user = create_user(db, f"lang_{uuid4().hex[:8]}", "password-123", "trainee")
    headers = {"Authorization": f"Bearer {create_token(db, user)}"}
    db.commit()
    c = app.test_client()
    responses = [c.put("/api/v1/worlds", headers=headers), c.get("/api/v1/nothing-here", headers=headers),
                 c.get("/api/v1/worlds/2147483647", headers=headers), c.get("/api/v1/worlds"),
                 c.post("/api/v1/worlds", headers=headers, data="{", content_type="application/json"),
                 c.post("/api/v1/worlds", headers=headers, json={"world": {"start": START, "base": "/etc"}}),
                 c.post("/api/v1/worlds", headers=headers, json={"world": "a: &x 1\nb: *x"}),
                 c.post("/api/v1/worlds", headers=headers, json={"name": 5}),
                 c.post("/api/v1/worlds", headers=headers, json={"colour": "red"}),
                 c.post("/api/v1/worlds", headers=headers, data="x" * 2_000_000, content_type="text/plain"),
                 c.get("/api/v1/worlds?limit=²", headers=headers), c.get("/api/v1/worlds?cursor=zz", headers=headers)]
    for resp in responses:
        body = resp.get_json()
        assert resp.status_code >= 400 and body, resp
        named = set((body["field"] or "").split("."))
        assert not english_leaks(body["message_zh"], IDENTIFIERS | named), body
        assert not chinese_leaks(body["message_en"]), body
