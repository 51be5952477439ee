"""Fuzzing the whole JSON API from its OpenAPI document (issue 11): schemathesis generates requests
for every path — valid and invalid bodies, parameters and headers — against the real app and
database; no response may be a 5xx, and every response must match the schema the document gives
for its status. Bounded (FUZZ_EXAMPLES per operation and generation mode, 12 by default) so that
it adds a minute or two per database to CI; the suite runs it on SQLite and on PostgreSQL.

The figures (requests, 5xx, schema violations) are printed at the end of the run and written to
``$FUZZ_REPORT`` when set."""
from __future__ import annotations

import json
import os
from collections import Counter
from uuid import uuid4

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import response_schema_conformance  # noqa: E402

from backoffice.users.service import create_token, create_user  # noqa: E402

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))
WORLD = {"start": "2016-05-03T09:00:00+08:00",
         "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"}],
         "taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
                        "registration_no": "11500000000000000001", "specialist": "h_zhang", "enabled": True,
                        "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000050"}]}]}


@pytest.fixture(scope="module")
def fuzz_env(app):
    app.config["WORLDS_PER_USER"] = 100000
    factory = app.extensions["backoffice.sessions"]
    with factory() as db:
        user = create_user(db, f"fuzz_{uuid4().hex[:8]}", "password-123", "trainee")
        token = create_token(db, user)
        db.commit()
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()

    def new_world() -> int:
        resp = client.post("/api/v1/worlds", json={"world": WORLD, "name": "fuzz"}, headers=headers)
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()["id"]

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    yield schema, headers, new_world
    app.config["WORLDS_PER_USER"] = None


def _label(op) -> str:
    return f"{op.method.upper()} {op.path}"


def test_fuzz_every_operation_of_the_document(fuzz_env, database_url):
    schema, headers, new_world = fuzz_env
    stats = Counter()
    problems: list[str] = []
    shared = {"world": new_world()}
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 40

    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                      phases=[Phase.explicit, Phase.generate],
                      suppress_health_check=list(HealthCheck))
            @given(case=strategy)
            def run(case):
                if "world_id" in (case.path_parameters or {}) and stats["requests"] % 4 != 3:
                    # mostly a real world (what a client would send); sometimes whatever was generated
                    if operation.method.lower() in ("delete",) or operation.path.endswith("/reset"):
                        case.path_parameters["world_id"] = new_world()
                    else:
                        case.path_parameters["world_id"] = shared["world"]
                stats["requests"] += 1
                response = case.call(headers=headers)
                stats[f"status {response.status_code // 100}xx"] += 1
                if response.status_code >= 500:
                    stats["5xx"] += 1
                    problems.append(f"{_label(operation)} → {response.status_code}: {case.as_curl_command()[:300]}")
                    return
                try:
                    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
                except Exception as exc:  # a schema violation: counted, reported below
                    stats["schema violations"] += 1
                    problems.append(f"{_label(operation)} {response.status_code}: {str(exc)[:400]}")
            try:
                run()
            except Unsatisfiable:   # nothing to make invalid (a GET without parameters): nothing to send
                stats["modes without inputs"] += 1

    db = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    report = {"database": db, "requests": stats["requests"], "5xx": stats["5xx"],
              "schema_violations": stats["schema violations"],
              "by_status": {k: v for k, v in stats.items() if k.startswith("status")}}
    print("\nfuzzing:", json.dumps(report))
    if os.environ.get("FUZZ_REPORT"):
        with open(os.environ["FUZZ_REPORT"], "a", encoding="utf-8") as f:
            f.write(json.dumps(report) + "\n")
    assert not problems, "\n".join(problems[:30])
    assert stats["requests"] >= len(operations) * 2
