"""The pipeline view predicts arrivals the clock then keeps; the CLI shows it and the job history."""
from __future__ import annotations

import re


from backoffice.cli import main
from backoffice.dispatch import advance_clock
from backoffice.sync.pipeline import NEEDS_SYNC_INFO, job_runs, pipeline
from backoffice.worlds.service import get_world

from test_sync_channels import ROLL, SPECIALIST, taxpayer


def view(db, world, ref="acme"):
    db.expire_all()
    return pipeline(db, get_world(db, world.id), ref)


def test_pipeline_predicts_each_arrival_and_the_clock_keeps_it(db, make_world, op):
    w = make_world({"officers": [SPECIALIST], "taxpayers": [taxpayer("acme", 1)]})
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000011", end="00000020")
    op(w, "h_zhang", "assign_industries", taxpayer="acme", main="7240", secondary=[])
    v = view(db, w)
    assert v["jinsan"]["enabled"] and v["wangpiao"]["account"] is None and not v["clearing"]["taxpayer"]
    pending = {p["what"]: (p["channel"], p["arrives"]) for p in v["pending"]}
    assert pending == {
        "网票 account with its 系统管理员": ("nightly_clearing", "2016-05-04T02:00:00+08:00"),
        f"sale {ROLL} 00000001–00000010": (None, NEEDS_SYNC_INFO),
        f"sale {ROLL} 00000011–00000020": ("incremental", "2016-05-04T02:00:00+08:00"),
        "industry assignment (行业核定)": ("nightly_clearing", "2016-05-04T02:00:00+08:00"),
    }
    advance_clock(db, w.id, until="2016-05-04T02:00:00+08:00")
    v = view(db, w)
    assert [p["range"] for p in v["wangpiao"]["purchases"]] == [f"{ROLL} 00000011–00000020"]
    assert v["wangpiao"]["industries"] == [{"slot": 0, "code": "7240"}]
    assert v["clearing"]["industries"] == [{"slot": 0, "code": "7240"}]
    assert [(p["what"], p["arrives"]) for p in v["pending"]] == [(f"sale {ROLL} 00000001–00000010", NEEDS_SYNC_INFO)]


def test_pipeline_times_a_fresh_sale_and_a_changed_industry(db, make_world, op):
    w = make_world({"officers": [SPECIALIST],
                    "taxpayers": [taxpayer("acme", 1, enabled=True, industries={"main": "7240"})]})
    advance_clock(db, w.id, until="2016-05-03T09:07:00+08:00")
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    op(w, "h_zhang", "assign_industries", taxpayer="acme", main="6110", secondary=["7240"])
    op(w, "h_zhang", "set_red_limit", taxpayer="acme", amount="50.00")
    pending = {p["what"]: (p["channel"], p["arrives"]) for p in view(db, w)["pending"]}
    assert pending == {f"sale {ROLL} 00000001–00000010": ("incremental", "2016-05-03T09:30:00+08:00"),
                       "industry assignment (行业核定)": ("industry_incremental", "2016-05-03T09:30:00+08:00"),
                       "red limit 50.00": ("incremental", "2016-05-03T09:10:00+08:00")}
    advance_clock(db, w.id, until="2016-05-03T09:30:00+08:00")
    v = view(db, w)
    assert v["pending"] == [] and v["wangpiao"]["red_limit"] == "50.00"
    assert [i["code"] for i in v["wangpiao"]["industries"]] == ["6110", "7240"]
    runs = job_runs(db, get_world(db, w.id))
    assert [(r["job"], r["scheduled_for"]) for r in runs] == [
        ("industry_incremental", "2016-05-03T09:30:00+08:00"), ("incremental", "2016-05-03T09:30:00+08:00"),
        ("incremental", "2016-05-03T09:10:00+08:00")]


def test_cli_pipeline_and_jobs(app, db, make_world, op):
    w = make_world({"officers": [SPECIALIST], "taxpayers": [taxpayer("acme", 1, enabled=True)]})
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    runner = app.test_cli_runner()
    r = runner.invoke(main, ["pipeline", str(w.id), "acme"])
    assert r.exit_code == 0, r.output
    # the pending table: what, by which channel, when it arrives
    assert re.search(rf"^sale {ROLL} 00000001–00000010\s+incremental\s+2016-05-03T09:20:00\+08:00$", r.output, re.M)
    advance_clock(db, w.id, by="1h")
    r = runner.invoke(main, ["jobs", str(w.id)])
    assert r.exit_code == 0, r.output
    assert "2016-05-03T09:20:00+08:00  incremental" in r.output
    r = runner.invoke(main, ["pipeline", str(w.id), "nobody"])
    assert r.exit_code == 1 and "INVALID_INPUT" in r.output
