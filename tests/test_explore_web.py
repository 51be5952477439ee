"""The control room's 探索 page, faults and checks panels, and the QA JSON API."""
from __future__ import annotations

import re
from datetime import timedelta
from uuid import uuid4

import pytest
import yaml
from sqlalchemy import select, update

from backoffice.clock import wall_now
from backoffice.explore import jobs
from backoffice.explore.models import ExplorationJob
from backoffice.scenarios.loader import load_data as load_scenario
from backoffice.scenarios.runner import describe_failure, run_scenario
from backoffice.users.service import create_token, create_user
from backoffice.worlds.models import World
from qa_support import two_taxpayers
from test_explore_engine import EXPLORATIONS
from web_support import login, make_user, post, text, web_for

RACE = (EXPLORATIONS / "return_race.yaml").read_text(encoding="utf-8")


@pytest.fixture
def inline(app, monkeypatch):
    monkeypatch.setitem(app.config, "EXPLORE_INLINE", True)


@pytest.fixture
def qa_client(app, db):
    user = make_user(db, "qa")
    client = app.test_client()
    assert login(client, user.username).status_code == 302
    return client, user


def _submit(client, source, **extra):
    return post(client, "/control/explore", {"source": source, **extra}, from_page="/control/explore")


def _job_id(resp) -> int:
    return int(re.search(r"/control/explore/(\d+)", resp.headers["Location"]).group(1))


def test_explore_page_runs_a_file_and_shows_classes_with_examples(qa_client, inline, db):
    client, _user = qa_client
    page = client.get("/control/explore")
    assert page.status_code == 200 and "探索" in text(page) and "return_race" in text(page)
    resp = _submit(client, RACE)
    assert resp.status_code == 302
    job_page = text(client.get(resp.headers["Location"]))
    assert "已完成" in job_page and "12 / 12" in job_page
    assert job_page.count("重放为新世界") == 3
    assert "开具了金三未为其持有的号码" in job_page          # the return race, named
    en = text(client.get(resp.headers["Location"] + "?lang=en"))
    assert "Replay as a new world" in en and "issued a number 金三 did not hold" in en


def test_a_class_downloads_as_a_scenario_that_reproduces_it(qa_client, inline, db):
    client, _user = qa_client
    job_id = _job_id(_submit(client, RACE))
    for n in (1, 2, 3):
        resp = client.get(f"/control/explore/{job_id}/classes/{n}/scenario.yaml")
        assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
        doc = yaml.safe_load(resp.get_data(as_text=True))
        out = run_scenario(db, load_scenario(doc, f"class {n}"))
        assert out["ok"], describe_failure(out)


def test_replay_makes_a_world_of_the_example(qa_client, inline, db):
    client, user = qa_client
    user_id = user.id
    job_id = _job_id(_submit(client, RACE))
    resp = post(client, f"/control/explore/{job_id}/classes/1/replay", {}, from_page=f"/control/explore/{job_id}")
    assert resp.status_code == 302
    world_id = int(re.search(r"/worlds/(\d+)/control", resp.headers["Location"]).group(1))
    db.expire_all()
    owner = db.scalar(select(World.owner_id).where(World.id == world_id))
    db.rollback()                  # SQLite: a reading transaction here would hold the write lock
    assert owner == user_id
    page = text(client.get(f"/worlds/{world_id}/control"))
    assert "一致性检查" in page and "issued_outside_holding" in page


def test_an_invalid_file_is_refused_with_its_field(qa_client, inline):
    client, _user = qa_client
    resp = _submit(client, RACE.replace("order: [[issue_1, issue_2]]", "order: [[issue_1, issue_3]]"))
    assert resp.status_code == 400
    body = text(resp)
    assert "order.0" in body and "issue_3" in body and "issue_3" in body.split("<textarea")[1]


def test_the_refusal_speaks_the_pages_language(qa_client, inline):
    """A Chinese page gives the reason in Chinese (no English sentence); ?lang=en gives it in English."""
    client, _user = qa_client
    broken = RACE.replace("order: [[issue_1, issue_2]]", "order: [[issue_1, issue_1]]")
    zh = text(_submit(client, broken))
    box = zh.split('class="alert alert-danger explore-error"')[1].split("</div></div>")[0]
    assert "事件不能排在自己之前" in box and "order.0" in box
    assert "cannot come before itself" not in zh
    en = text(post(client, "/control/explore?lang=en", {"source": broken}, from_page="/control/explore?lang=en"))
    assert "an event cannot come before itself" in en and "事件不能排在自己之前" not in en


def test_a_job_runs_in_a_background_thread_and_reports_progress(app, qa_client, db):
    client, user = qa_client
    job = jobs.submit(db, owner_id=user.id, source=RACE)
    thread = jobs.start(app, job.id, inline=False)
    assert thread is not None
    thread.join(120)
    page = text(client.get(f"/control/explore/{job.id}"))
    assert "已完成" in page and "12 / 12" in page


def test_a_silent_running_job_is_interrupted_and_may_run_again(qa_client, inline, db):
    client, user = qa_client
    job = jobs.submit(db, owner_id=user.id, source=RACE)
    db.execute(update(ExplorationJob).where(ExplorationJob.id == job.id)
               .values(status="running", heartbeat_wall=wall_now() - timedelta(minutes=10)))
    db.commit()
    assert "已中断" in text(client.get(f"/control/explore/{job.id}"))
    resp = post(client, f"/control/explore/{job.id}/rerun", {}, from_page=f"/control/explore/{job.id}")
    assert resp.status_code == 302
    assert "已完成" in text(client.get(f"/control/explore/{job.id}"))


def test_someone_elses_job_is_not_found(app, qa_client, inline, db):
    client, _user = qa_client
    job_id = _job_id(_submit(client, RACE))
    other = app.test_client()
    assert login(other, make_user(db, "qa").username).status_code == 302
    assert other.get(f"/control/explore/{job_id}").status_code == 404


def test_an_exploration_from_a_worlds_own_history(app, db, make_world, inline):
    web = web_for(app, db, make_world, spec=two_taxpayers(enabled=False, purchases=[]), role="qa")
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000050")
    web.console_op("open_wangpiao", taxpayer="acme")
    web.advance("1d")
    page = text(web.get("/control/explore"))
    ids = re.findall(r'name="entry" value="(\d+)"', page)
    assert len(ids) >= 2
    made = web.post("/control/explore", {"entry": ids[:2], "gaps": "0, 25m"}, from_page="/control/explore")
    assert made.status_code == 200
    source = re.search(r'<textarea[^>]*name="source"[^>]*>(.*?)</textarea>', text(made), re.S).group(1)
    import html
    doc = yaml.safe_load(html.unescape(source))
    assert list(doc["events"]) == ["sell_invoices", "open_wangpiao"] and doc["gaps"] == [0, "25m"]
    assert doc["then"] == [{"advance": "1d"}] and doc["observe"]["diagnose"] == ["acme"]
    resp = post(web.c, "/control/explore", {"source": html.unescape(source)}, from_page="/control/explore")
    assert resp.status_code == 302
    assert "已完成" in text(web.c.get(resp.headers["Location"]))


def test_faults_panel_injects_shows_and_clears(app, db, make_world):
    web = web_for(app, db, make_world, spec=two_taxpayers(), role="qa")
    resp = web.post("/control/faults", {"channel": "incremental", "kind": "delay", "for": "2h", "by": "30m"},
                    from_page="/control")
    assert resp.status_code == 302
    page = text(web.get("/control"))
    assert "增量同步" in page and "延迟 30m" in page
    assert "incremental" not in re.sub(r"<[^>]+>", "", page.split("故障注入")[1].split("</ul>")[0])
    bad = web.post("/control/faults", {"channel": "incremental", "kind": "delay", "for": "2h", "by": "soon"},
                   from_page="/control")
    assert "fault.by" in text(web.c.get(bad.headers["Location"]))
    web.post("/control/faults", {"clear": "1"}, from_page="/control")
    assert "没有生效的故障" in text(web.get("/control"))


def test_failed_runs_show_in_the_pipeline_view_and_the_timeline(app, db, make_world):
    web = web_for(app, db, make_world, spec=two_taxpayers(), role="qa")
    web.post("/control/faults", {"channel": "incremental", "kind": "fail", "for": "1h"}, from_page="/control")
    web.console_op("sell_invoices", taxpayer="bravo", code="150001320410", start="00000201", end="00000300")
    web.advance("1h")
    page = text(web.get("/control/taxpayers/bravo"))
    assert "失败或延迟的同步运行" in page and "注入故障 #" in page
    assert "badge bg-danger\">失败" in text(web.get("/control"))


# --- the API ------------------------------------------------------------------------------------------

@pytest.fixture
def api(app, db):
    user = create_user(db, f"api_qa_{uuid4().hex[:8]}", "password-123", "qa")
    token = create_token(db, user, "test")
    db.commit()
    return app.test_client(), {"Authorization": f"Bearer {token}"}


def _world(client, headers, spec) -> int:
    resp = client.post("/api/v1/worlds", json={"name": "qa", "world": dict(spec, start="2016-05-03T09:00:00+08:00")},
                       headers=headers)
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def test_api_faults_and_check(api):
    client, h = api
    w = _world(client, h, two_taxpayers())
    resp = client.post(f"/api/v1/worlds/{w}/faults", json={"fault": {"channel": "upload", "kind": "fail"}}, headers=h)
    assert resp.status_code == 200 and resp.get_json()["channel"] == "upload"
    listed = client.get(f"/api/v1/worlds/{w}/faults", headers=h).get_json()
    assert [f["channel"] for f in listed["active"]] == ["upload"]
    bad = client.post(f"/api/v1/worlds/{w}/faults", json={"fault": {"channel": "mail", "kind": "fail"}}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["field"] == "fault.channel"
    assert client.post(f"/api/v1/worlds/{w}/faults", json={"fault": "clear"}, headers=h).status_code == 200
    out = client.get(f"/api/v1/worlds/{w}/check", headers=h).get_json()
    assert out["ok"] is True and set(out["counts"]) == {"issued_outside_holding", "double_holding",
                                                         "wangpiao_ahead_of_jinsan", "lost_delivery"}
    assert client.get(f"/api/v1/worlds/{w}/check").status_code == 401


def test_api_explorations(api, app, monkeypatch):
    monkeypatch.setitem(app.config, "EXPLORE_INLINE", True)
    client, h = api
    resp = client.post("/api/v1/explorations", json={"exploration": RACE, "max": 5, "seed": 2}, headers=h)
    assert resp.status_code == 202
    job = resp.get_json()
    got = client.get(f"/api/v1/explorations/{job['id']}", headers=h).get_json()
    assert got["state"] == "done" and got["result"]["runs"] == 5 and got["result"]["exhaustive"] is False
    sc = client.get(f"/api/v1/explorations/{job['id']}/classes/1/scenario", headers=h).get_json()
    assert sc["scenario"]["world"] and "steps:" in sc["yaml"]
    made = client.post(f"/api/v1/explorations/{job['id']}/classes/1/replay", headers=h)
    assert made.status_code == 201 and made.get_json()["id"]
    missing = client.get(f"/api/v1/explorations/{job['id']}/classes/99/scenario", headers=h)
    assert missing.status_code == 404
    bad = client.post("/api/v1/explorations", json={"exploration": {"name": "x"}}, headers=h)
    assert bad.status_code == 400 and bad.get_json()["field"] == "exploration.world"


def test_openapi_lists_the_qa_routes(api):
    client, h = api
    doc = client.get("/api/v1/openapi.json", headers=h).get_json()
    for path in ("/api/v1/worlds/{world_id}/check", "/api/v1/worlds/{world_id}/faults", "/api/v1/explorations",
                 "/api/v1/explorations/{job_id}", "/api/v1/explorations/{job_id}/classes/{n}/replay"):
        assert path in doc["paths"], path
    assert doc["paths"]["/api/v1/explorations"]["post"]["responses"].get("202")


def test_the_qa_pages_are_english_in_english(app, db, make_world, inline):
    from test_web_i18n import CJK, _chrome
    web = web_for(app, db, make_world, spec=two_taxpayers(), role="qa")
    job_id = _job_id(_submit(web.c, RACE))
    for path in ("/control/explore", f"/control/explore/{job_id}", f"{web.w}/control/checks",
                 f"{web.w}/control/explore", f"{web.w}/control"):
        zh = web.c.get(path)
        assert zh.status_code == 200 and CJK.search(text(zh))
        en = web.c.get(path + "?lang=en")
        assert en.status_code == 200
        leftovers = [c for c in _chrome(text(en), skip_h1=path.endswith("/control") or "explore/" in path)
                     if CJK.search(c)]
        assert not leftovers, (path, leftovers)
