"""Control room: worlds, the clock, the class view, pipelines, the timeline, the audit log."""
from __future__ import annotations

import re

from sqlalchemy import select

from backoffice.clock import fmt
from backoffice.worlds.models import World
from web_support import STORY, login, make_user, post, text, web_for

SCENARIO = """
name: pasted
world:
  start: 2016-05-03T09:00:00+08:00
  officers:
    - {login: h_zhang, name: 张明, role: specialist}
  taxpayers:
    - ref: pasted_co
      kind: unit
      name: 重庆粘贴测试有限公司
      tax_id: "91500000MA5U0A0A2M"
      registration_no: "11500000000000000001"
      specialist: h_zhang
"""


def _world(db, world_id):
    """A fresh read; the caller ends the read (db.rollback()) before its next request (SQLite locks)."""
    db.rollback()
    db.expire_all()
    return db.execute(select(World).where(World.id == world_id)).scalar_one_or_none()


def _flash(html):
    return re.findall(r'<div class="alert alert-(\w+)">(.*?)</div>', html, re.S)


def test_create_a_world_from_a_pasted_scenario_block(app, db):
    user = make_user(db)
    client = app.test_client()
    login(client, user.username)
    resp = post(client, "/control/worlds", {"name": "", "spec": SCENARIO}, from_page="/control")
    assert resp.status_code == 302
    world_id = int(re.search(r"/worlds/(\d+)/control", resp.headers["Location"]).group(1))
    w = _world(db, world_id)
    assert w.owner_id == user.id and w.name == "pasted"
    db.rollback()
    assert "pasted_co" in text(client.get(f"/worlds/{world_id}/control"))


def test_a_bad_block_is_reported_with_its_field(app, db):
    user = make_user(db)
    client = app.test_client()
    login(client, user.username)
    bad = SCENARIO.replace("91500000MA5U0A0A2M", "91500000MA5U0A0A2X")
    resp = post(client, "/control/worlds", {"spec": bad}, from_page="/control")
    flashes = _flash(text(client.get(resp.headers["Location"])))
    assert flashes and flashes[0][0] == "danger" and "INVALID_INPUT" in flashes[0][1] and "tax_id" in flashes[0][1]
    resp = post(client, "/control/worlds", {"spec": "world: [unclosed"}, from_page="/control")
    assert "YAML" in _flash(text(client.get(resp.headers["Location"])))[0][1]


def test_advancing_the_clock_by_presets_and_to_a_time(app, db, make_world):
    web = web_for(app, db, make_world)
    page = text(web.get("/control"))
    assert all(f'data-step="{s}"' in page for s in ("5m", "20m", "1h", "1d"))
    web.advance("20m")
    assert fmt(_world(db, web.world.id).clock_now) == "2016-05-03T09:20:00+08:00"
    db.rollback()
    web.post("/control/clock/advance", {"until": "2016-05-03T12:00"}, from_page="/control")
    assert fmt(_world(db, web.world.id).clock_now) == "2016-05-03T12:00:00+08:00"
    db.rollback()
    resp = web.post("/control/clock/advance", {"until": "2016-05-03T10:00:00+08:00"}, from_page="/control")
    assert "CLOCK_BACKWARDS" in _flash(text(web.c.get(resp.headers["Location"])))[0][1]


def test_next_event_jumps_to_the_nightly_run(app, db, make_world):
    web = web_for(app, db, make_world)
    web.console_op("open_wangpiao", taxpayer="acme")
    assert "02:00" in text(web.get("/control")).split("upcoming", 1)[1].split("</ul>", 1)[0]
    web.post("/control/clock/next", {}, from_page="/control")
    assert fmt(_world(db, web.world.id).clock_now) == "2016-05-04T02:00:00+08:00"
    db.rollback()
    timeline = text(web.get("/control/timeline"))
    assert "夜间清分同步" in timeline   # the job run is on the timeline


def test_live_mode_and_speed(app, db, make_world):
    web = web_for(app, db, make_world)
    web.post("/control/clock/mode", {"mode": "live", "speed": "60"}, from_page="/control")
    w = _world(db, web.world.id)
    assert (w.clock_mode, w.live_speed) == ("live", 60.0)
    db.rollback()
    web.post("/control/clock/mode", {"mode": "manual", "speed": ""}, from_page="/control")
    assert _world(db, web.world.id).clock_mode == "manual"


def test_fork_reset_delete(app, db, make_world):
    web = web_for(app, db, make_world)
    web.advance("1h")
    resp = web.post("/control/fork", {}, from_page="/control")
    fork_id = int(re.search(r"/worlds/(\d+)/control", resp.headers["Location"]).group(1))
    fork = _world(db, fork_id)
    assert fork.owner_id == web.user.id and fmt(fork.clock_now) == "2016-05-03T10:00:00+08:00"
    db.rollback()
    web.post("/control/reset", {}, from_page="/control")
    assert fmt(_world(db, web.world.id).clock_now) == "2016-05-03T09:00:00+08:00"
    db.rollback()
    assert web.c.post(f"/worlds/{fork_id}/control/delete",
                      data={"csrf_token": re.search(r'csrf_token" value="([^"]+)"', text(web.get("/control"))).group(1)}
                      ).status_code == 302
    assert _world(db, fork_id) is None
    db.rollback()


def test_the_class_view_gives_the_diagnosers_verdict(app, db, make_world):
    web = web_for(app, db, make_world, role="instructor")
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    web.console_op("open_wangpiao", taxpayer="acme")
    web.advance("1d")
    from sqlalchemy import func, select
    from backoffice.audit.models import AuditEntry
    audit = lambda: db.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.world_id == web.world.id))
    before = audit()
    db.rollback()
    html = text(web.c.get("/control/class"))
    block = html.split(f'href="/worlds/{web.world.id}/control"', 1)[1].split("class-world", 1)[0]
    assert "acme" in block and "NO_PURCHASE_INFO" in block
    # looking at the class leaves nothing in the trainees' audit logs (nor their recorded scenarios)
    assert audit() == before
    db.rollback()


def test_the_pipeline_shows_why_a_sale_waits(app, db, make_world):
    web = web_for(app, db, make_world)
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    web.console_op("open_wangpiao", taxpayer="acme")
    html = text(web.get("/control/taxpayers/acme"))
    assert '<svg class="pipeline"' in html
    for lane in ("金三", "清分库", "网票"):
        assert f'class="lane-label" x="6"' in html and lane in html
    assert "diagnosis" in html and "常见问题" in html
    events = html.split('class="table table-sm small mt-2 pipeline-events"', 1)[1].split("</table>", 1)[0]
    assert "仅“同步信息”可送达" in events and "受阻" in events


def test_a_normal_sale_shows_when_it_will_arrive(app, db, make_world):
    spec = {"taxpayers": [{**STORY["taxpayers"][0], "specialist": "zhang_wei", "enabled": True}]}
    web = web_for(app, db, make_world, spec=spec, officer="zhang_wei")
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    events = text(web.get("/control/taxpayers/acme")).split("pipeline-events", 1)[1].split("</table>", 1)[0]
    # sold at 09:00, at least 20 minutes old at the 09:20 incremental run
    assert re.search(r"<td>05-03 09:20</td><td>网票</td><td>[^<]*00000001[^<]*</td>", events)
    assert "增量同步" in events


def test_the_pipeline_degrades_without_its_module(app, db, make_world, monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "backoffice.sync.pipeline", None)
    web = web_for(app, db, make_world)
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    html = text(web.get("/control/taxpayers/acme"))
    assert "流水线数据来自各系统的记录" in html and "00000001–00000100" in html


def test_the_audit_log_filters_failures(app, db, make_world):
    web = web_for(app, db, make_world)
    web.console_op("open_wangpiao", taxpayer="acme")
    web.console_op("sell_invoices", taxpayer="acme", code="150001320410", start="1", end="2")
    everything = text(web.get("/control/audit"))
    failures = text(web.get("/control/audit?outcome=error"))
    body = failures.split('class="table table-sm small audit"', 1)[1]
    assert "INVALID_INPUT" in body and "开通网票" not in body
    assert "开通网票" in everything.split('class="table table-sm small audit"', 1)[1]


def test_system_actors_are_named_in_the_pages_language(app, db, make_world):
    """A clock moved by a scenario or through the API is shown as 场景 / 接口, not as a code word."""
    from backoffice.dispatch import advance_clock
    web = web_for(app, db, make_world)
    advance_clock(db, web.world.id, by="5m", actor="scenario")
    advance_clock(db, web.world.id, by="5m", actor="api")
    db.commit()
    for path in ("/control/audit", "/control"):
        html = text(web.get(path))
        assert "<td>场景</td>" in html and "<td>接口</td>" in html, path
        assert "<td>scenario</td>" not in html and "<td>api</td>" not in html, path
    en = text(web.get("/control/audit?lang=en"))
    assert "<td>scenario</td>" in en and "<td>API</td>" in en


def test_the_demo_world_in_one_click(app, db):
    user = make_user(db)
    client = app.test_client()
    login(client, user.username)
    resp = post(client, "/control/worlds", {"name": "", "spec": "", "demo": "1"}, from_page="/control")
    page = text(client.get(resp.headers["Location"]))
    assert "liangjiang_qiche" in page and "chaotianmen_jiudian" in page


def test_the_clock_on_a_taxpayer_page_comes_back_to_it(app, db, make_world):
    web = web_for(app, db, make_world)
    resp = web.post("/control/clock/advance", {"by": "5m", "next": web.w + "/control/taxpayers/acme"},
                    from_page="/control/taxpayers/acme")
    assert resp.headers["Location"] == web.w + "/control/taxpayers/acme"
    resp = web.post("/control/clock/advance", {"by": "5m", "next": "https://elsewhere.example/"},
                    from_page="/control")
    assert resp.headers["Location"] == web.w + "/control"


def test_a_live_world_page_refreshes_itself(app, db, make_world):
    web = web_for(app, db, make_world)
    assert 'http-equiv="refresh"' not in text(web.get("/control"))
    web.post("/control/clock/mode", {"mode": "live", "speed": "60"}, from_page="/control")
    assert 'http-equiv="refresh"' in text(web.get("/control"))
