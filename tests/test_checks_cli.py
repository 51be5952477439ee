"""backoffice check, and what backoffice jobs / pipeline show of faults."""
from __future__ import annotations

import json

from backoffice.cli import main
from qa_support import fault, issue, issuing, two_taxpayers, until
from test_wangpiao_support import ROLL


def cli(app, *args):
    return app.test_cli_runner().invoke(main, [str(a) for a in args])


def _raced(db, make_world, op):
    w = make_world(two_taxpayers())
    token = issuing(op, w, start="00000050", end="00000100")
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000051", end="00000100")
    issue(op, w, token), issue(op, w, token)
    db.rollback()
    return w


def test_check_exits_1_naming_the_invariant_rows_and_times(app, db, make_world, op):
    w = _raced(db, make_world, op)
    r = cli(app, "check", w.id)
    assert r.exit_code == 1
    assert "issued_outside_holding" in r.output and "00000051" in r.output and "2016-05-03T09:00:00+08:00" in r.output
    r = cli(app, "check", w.id, "--json", "--lang", "en")
    assert r.exit_code == 1
    out = json.loads(r.output)
    assert out["violated"] == ["issued_outside_holding"] and out["violations"][0]["rows"]


def test_check_exits_0_on_a_sound_world(app, make_world):
    w = make_world(two_taxpayers())
    r = cli(app, "check", w.id)
    assert r.exit_code == 0 and "no violation" in r.output
    assert cli(app, "check", 999999).exit_code == 1


def test_jobs_and_pipeline_show_failed_runs_and_active_faults(app, db, make_world, op):
    w = make_world(two_taxpayers())
    fault(db, w, {"channel": "incremental", "kind": "fail", "for": "2h"})
    op(w, "h_zhang", "sell_invoices", taxpayer="bravo", code=ROLL, start="00000201", end="00000300")
    until(db, w, "2016-05-03T10:00:00+08:00")
    db.rollback()
    r = cli(app, "jobs", w.id)
    assert r.exit_code == 0
    assert "fault:  incremental fail since 2016-05-03T09:00:00+08:00 until 2016-05-03T11:00:00+08:00" in r.output
    assert "incremental" in r.output and "FAILED" in r.output and "injected fault" in r.output
    r = cli(app, "pipeline", w.id, "bravo")
    assert r.exit_code == 0 and "fault:  incremental fail" in r.output
