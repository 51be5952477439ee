"""The CLI door: worlds, clock, users and tokens."""
from __future__ import annotations

import re
import uuid

from backoffice.cli import main


def run(app, *args, input=None):
    result = app.test_cli_runner().invoke(main, list(args), input=input)
    return result


def test_world_lifecycle_and_clock(app, tmp_path):
    spec = tmp_path / "w.yaml"
    spec.write_text("world:\n  start: 2016-05-03T09:00:00+08:00\n  seed: 3\n", encoding="utf-8")
    r = run(app, "world", "create", "--name", "cli-world", "--from-file", str(spec))
    assert r.exit_code == 0, r.output
    world_id = int(r.output.split()[0])
    assert "cli-world" in run(app, "world", "list").output

    r = run(app, "clock", "advance", str(world_id), "1d2h")
    assert r.exit_code == 0, r.output
    assert "2016-05-04T11:00:00+08:00" in r.output
    assert "2016-05-04T11:00:00+08:00" in run(app, "clock", "show", str(world_id)).output

    r = run(app, "clock", "advance", str(world_id), "--until", "2016-05-01T00:00:00+08:00")
    assert r.exit_code == 1 and "CLOCK_BACKWARDS" in r.output
    r = run(app, "clock", "advance", str(world_id), "soon")
    assert r.exit_code == 1 and "INVALID_INPUT" in r.output

    r = run(app, "world", "fork", str(world_id), "--name", "cli-fork")
    assert r.exit_code == 0 and "2016-05-04T11:00:00+08:00" in r.output
    fork_id = int(r.output.split()[0])
    r = run(app, "world", "reset", str(fork_id))
    assert r.exit_code == 0 and "2016-05-03T09:00:00+08:00" in r.output
    assert run(app, "world", "delete", str(fork_id)).exit_code == 0
    r = run(app, "world", "reset", str(fork_id))
    assert r.exit_code == 1 and "NOT_FOUND" in r.output


def test_user_and_token(app):
    name = f"qa_{uuid.uuid4().hex[:6]}"
    r = run(app, "user", "create", name, "--role", "qa", input="a long password\na long password\n")
    assert r.exit_code == 0, r.output
    r = run(app, "token", "create", name)
    assert r.exit_code == 0 and re.fullmatch(r"[A-Za-z0-9_\-]{40,}\n", r.output)
    r = run(app, "user", "create", name, "--role", "qa", input="a long password\na long password\n")
    assert r.exit_code == 1 and "USERNAME_TAKEN" in r.output and "already taken" in r.output


def test_op_door_prints_result_or_error(app, db, make_world):
    w = make_world({"officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"}],
                    "taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司",
                                   "tax_id": "91500000MA5U0A0A2M", "registration_no": "11500000000000000001",
                                   "specialist": "h_zhang"}]})
    r = run(app, "op", str(w.id), "h_zhang", "sell_invoices", "taxpayer=acme", "code=150001320410",
            "start=00000001", "end=00000100")
    assert r.exit_code == 0, r.output
    assert '"start": "00000001"' in r.output
    r = run(app, "op", str(w.id), "h_zhang", "sell_invoices", "taxpayer=acme", "code=150001320410",
            "start=00000050", "end=00000060")
    assert r.exit_code == 1
    assert "RANGE_UNAVAILABLE" in r.output
    r = run(app, "op", str(w.id), "h_zhang", "set_red_limit", "taxpayer=acme", "amount=12.345")
    assert r.exit_code == 1 and "INVALID_INPUT" in r.output and "amount" in r.output



def test_an_unmigrated_database_is_named_in_one_sentence(tmp_path):
    from backoffice.app import create_app
    fresh = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "INSTANCE_PATH": str(tmp_path)})
    r = fresh.test_cli_runner().invoke(main, ["world", "list"])
    assert r.exit_code == 2 and "backoffice db upgrade" in r.output
    fresh.extensions["backoffice.engine"].dispose()
