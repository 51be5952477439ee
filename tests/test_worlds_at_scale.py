"""Worlds at classroom scale, through the JSON API as users would meet them: many forks leave the
keys small, first creations race safely, and forks never collide with work going on elsewhere.
Run on PostgreSQL too (BACKOFFICE_DATABASE_URL)."""
from __future__ import annotations

import threading
from uuid import uuid4

import pytest
from sqlalchemy import BigInteger, Integer, MetaData, func, select

from backoffice.app import create_app
from backoffice.migrate import upgrade
from backoffice.users.service import create_token, create_user
from backoffice.worlds.models import World

SPEC = {"start": "2016-05-03T09:00:00+08:00",
        "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"}],
        "taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司",
                       "tax_id": "91500000MA5U0A0A2M", "registration_no": "11500000000000000001",
                       "specialist": "h_zhang", "enabled": True, "red_limit": "500.00",
                       "purchases": [{"code": "150001320410", "start": "00000001", "end": "00000050"}]}]}
KEY_CEILING = 10_000_000


def _user(db, role="trainee"):
    user = create_user(db, f"scale_{role}_{uuid4().hex[:8]}", "password-123", role)
    token = create_token(db, user, "scale")
    db.commit()
    return {"Authorization": f"Bearer {token}"}


def _op(client, headers, world_id, name, **args):
    return client.post(f"/api/v1/worlds/{world_id}/ops/{name}", json={"actor": "h_zhang", "args": args},
                       headers=headers)


def _highest_keys(engine) -> dict[str, int]:
    """The highest value of every integer key column (ids, and the world ids rows carry)."""
    meta = MetaData()
    meta.reflect(engine)
    out = {}
    with engine.connect() as conn:
        for t in meta.sorted_tables:
            for c in t.primary_key.columns:
                if isinstance(c.type, (Integer, BigInteger)):
                    out[f"{t.name}.{c.name}"] = conn.execute(select(func.max(c))).scalar() or 0
    return out


def test_two_hundred_forks_leave_every_key_small_and_the_newest_world_working(app, db):
    # an instructor: the keys are the question here, not the quota of worlds a trainee may own
    client, headers = app.test_client(), _user(db, "instructor")
    worked = client.post("/api/v1/worlds", json={"name": "worked", "world": SPEC}, headers=headers).get_json()
    newest = worked
    for i in range(100):
        # a world being worked in between forks: an operation, then a fork of it
        start = f"{100 + i:08d}"
        assert _op(client, headers, worked["id"], "sell_invoices", taxpayer="acme", code="150001320410",
                   start=start, end=start).status_code == 200
        copy = client.post(f"/api/v1/worlds/{worked['id']}/fork", json={"name": f"copy {i}"}, headers=headers)
        assert copy.status_code == 201, copy.get_json()
        # and a chain: an operation in the newest world, then a fork of it
        assert _op(client, headers, newest["id"], "set_red_limit", taxpayer="acme",
                   amount=f"{i}.00").status_code == 200
        chained = client.post(f"/api/v1/worlds/{newest['id']}/fork", json={"name": f"chain {i}"}, headers=headers)
        assert chained.status_code == 201, chained.get_json()
        newest = chained.get_json()
    highest = _highest_keys(app.extensions["backoffice.engine"])
    assert max(highest.values()) < KEY_CEILING, {k: v for k, v in highest.items() if v >= KEY_CEILING}
    # ids are numbered per world: a copy's rows keep their numbers, new rows follow them
    resp = _op(client, headers, newest["id"], "sell_invoices", taxpayer="acme", code="150001320410",
               start="00009001", end="00009010")
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["result"]["sale_id"] < 1000
    assert _op(client, headers, newest["id"], "open_wangpiao", taxpayer="acme").status_code == 200


@pytest.fixture
def fresh_app(empty_database, tmp_path):
    """An app on a database of its own, migrated but never used: no template world yet."""
    url = empty_database("fresh")
    upgrade(url)
    application = create_app({"DATABASE_URL": url, "TESTING": True, "SECRET_KEY": "fresh",
                              "INSTANCE_PATH": str(tmp_path / "instance")})
    yield application
    application.extensions["backoffice.engine"].dispose()


def _at_once(calls) -> list:
    """Run the callables at the same moment, each on its own thread; their results (or exceptions)."""
    barrier = threading.Barrier(len(calls))
    out: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=30)
            out[i] = call()
        except BaseException as exc:  # noqa: BLE001 - a crash is a result the test reports
            out[i] = exc
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return out


def test_eight_first_world_creations_at_once_all_succeed_and_make_one_template(fresh_app):
    factory = fresh_app.extensions["backoffice.sessions"]
    with factory() as db:
        users = [_user(db) for _ in range(9)]

    def create(headers, name):
        return lambda: fresh_app.test_client().post("/api/v1/worlds", json={"name": name, "world": SPEC},
                                                    headers=headers)
    results = _at_once([create(h, f"first {i}") for i, h in enumerate(users[:8])])
    statuses = [r.status_code if hasattr(r, "status_code") else repr(r) for r in results]
    assert statuses == [201] * 8
    ninth = create(users[8], "ninth")()
    assert ninth.status_code == 201
    with factory() as db:
        templates = db.execute(select(func.count()).select_from(World).where(World.is_template.is_(True))).scalar()
        assert templates == 1


def test_forks_while_ten_users_work_never_fail_nor_fail_them(app, db):
    workers = [_user(db) for _ in range(10)]
    forker = _user(db)
    client = app.test_client()
    worlds = [client.post("/api/v1/worlds", json={"name": f"busy {i}", "world": SPEC}, headers=h).get_json()["id"]
              for i, h in enumerate(workers)]
    source = client.post("/api/v1/worlds", json={"name": "forked", "world": SPEC}, headers=forker).get_json()["id"]
    statuses: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def work(headers, world_id):
        c = app.test_client()
        n = 0
        while not stop.is_set() and n < 400:
            n += 1
            start = f"{1000 + n:08d}"
            for resp in (_op(c, headers, world_id, "sell_invoices", taxpayer="acme", code="150001320410",
                             start=start, end=start),
                         c.post(f"/api/v1/worlds/{world_id}/clock/advance", json={"by": "1m"}, headers=headers)):
                with lock:
                    statuses.append(resp.status_code)

    def forks():
        c = app.test_client()
        out = []
        for i in range(50):
            out.append(c.post(f"/api/v1/worlds/{source}/fork", json={"name": f"fork {i}"},
                              headers=forker).status_code)
            _op(c, forker, source, "set_red_limit", taxpayer="acme", amount=f"{i}.00")
        stop.set()
        return out

    results = _at_once([(lambda h=h, w=w: work(h, w)) for h, w in zip(workers, worlds)] + [forks])
    crashes = [r for r in results if isinstance(r, BaseException)]
    assert not crashes, crashes[:3]
    assert results[-1] == [201] * 50
    assert statuses and max(statuses) < 500, sorted(set(statuses))
