"""Injected faults on 同步信息, ops' CA cancellation and the upload channel; the fault step itself."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.audit.models import AuditEntry
from backoffice.errors import OperationError
from backoffice.jinsan.models import Change, UsedInvoice
from backoffice.scenarios.loader import ScenarioError, load_text
from backoffice.scenarios.record import recorded
from backoffice.sync.fault_models import SyncFault
from backoffice.worlds.service import get_world
from qa_support import OPS, count, fault, issue, issuing, two_taxpayers, until
from test_sync_channels import purchases
from test_wangpiao_support import OFFICER, ROLL, login, taxpayer


# --- 同步信息 ------------------------------------------------------------------------------------------

def _sold_before_enablement(db, make_world, op):
    w = make_world(two_taxpayers(enabled=False, purchases=[]))
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000100")
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    until(db, w, "2016-05-04T09:00:00+08:00")          # the account exists now; the sale never travels alone
    return w


def test_sync_info_fails_with_sync_failed_and_leaves_nothing_pending(db, make_world, op):
    w = _sold_before_enablement(db, make_world, op)
    fault(db, w, {"channel": "sync_info", "kind": "fail", "for": "2h"})
    with pytest.raises(OperationError) as err:
        op(w, "h_zhang", "sync_info", taxpayer="acme")
    assert err.value.code == "SYNC_FAILED" and "同步信息" in err.value.message_zh
    db.expire_all()
    assert db.scalar(select(Change.forced).where(Change.world_id == w.id, Change.kind == "sale")) is False
    until(db, w, "2016-05-04T12:00:00+08:00")
    assert purchases(db, w, "acme") == []              # no channel picked up a half-done push
    op(w, "h_zhang", "sync_info", taxpayer="acme")      # after the fault: as ever
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]
    until(db, w, "2016-05-05T12:00:00+08:00")
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]


def test_sync_info_delayed_reaches_wangpiao_that_much_later(db, make_world, op):
    w = _sold_before_enablement(db, make_world, op)
    fault(db, w, {"channel": "sync_info", "kind": "delay", "by": "15m", "for": "1h"})
    res = op(w, "h_zhang", "sync_info", taxpayer="acme")
    assert res["delivered"] == 0 and res["held_until"] == "2016-05-04T09:15:00+08:00"
    until(db, w, "2016-05-04T09:14:00+08:00")
    assert purchases(db, w, "acme") == []
    until(db, w, "2016-05-04T09:15:00+08:00")
    assert purchases(db, w, "acme") == [(ROLL, 1, 100)]


# --- ops: CA cancellation ---------------------------------------------------------------------------

def _pc_ca(make_world):
    return make_world({"officers": [OFFICER, OPS], "taxpayers": [taxpayer(ca="pc")], "seed": 7})


def _diag(op, w):
    res = op(w, "h_zhang", "diagnose", taxpayer="acme")
    return res["faq"], res["code"]


def test_a_cancellation_due_during_a_fail_fault_is_lost_then_overdue_then_redone(db, make_world, op):
    w = _pc_ca(make_world)
    fault(db, w, {"channel": "ca_cancel", "kind": "fail", "for": "90m"})
    due = op(w, "h_yang", "cancel_ca", taxpayer="acme")["due_at"]
    until(db, w, "2016-05-03T10:59:00+08:00")
    assert _diag(op, w) == ("6.2", "CA_REQUIRED")
    until(db, w, "2016-05-03T11:00:00+08:00")          # 2 hours after the request
    assert _diag(op, w) == ("6.2", "CA_CANCEL_OVERDUE")
    problem = op(w, "h_zhang", "diagnose", taxpayer="acme")["problems"][0]
    assert "023-88812366" in problem["message_zh"] and any(due[11:16] in e for e in problem["evidence"])
    until(db, w, "2016-05-03T15:00:00+08:00")          # the fault is long over: the request stays lost
    with pytest.raises(OperationError) as err:
        login(op, w)
    assert err.value.code == "CA_REQUIRED"
    res = op(w, "h_yang", "cancel_ca", taxpayer="acme")
    assert res["already_requested"] is False
    until(db, w, "2016-05-03T16:00:00+08:00")
    assert login(op, w)


def test_a_cancellation_during_a_delay_fault_completes_that_much_later(db, make_world, op):
    w = _pc_ca(make_world)
    fault(db, w, {"channel": "ca_cancel", "kind": "delay", "by": "1h", "for": "3h"})
    due = op(w, "h_yang", "cancel_ca", taxpayer="acme")["due_at"]       # 09:30–10:00
    minutes = int(due[14:16]) + 60 * (int(due[11:13]) - 9)
    until(db, w, f"2016-05-03T{9 + (minutes + 59) // 60:02d}:{(minutes + 59) % 60:02d}:00+08:00")
    with pytest.raises(OperationError):
        login(op, w)
    until(db, w, f"2016-05-03T{9 + (minutes + 60) // 60:02d}:{(minutes + 60) % 60:02d}:00+08:00")
    assert login(op, w)


# --- upload ----------------------------------------------------------------------------------------

def test_upload_fail_holds_the_reports_and_delivers_them_once_when_it_ends(db, make_world, op):
    w = make_world(two_taxpayers())
    token = issuing(op, w)
    fault(db, w, {"channel": "upload", "kind": "fail", "for": "1h"})
    assert issue(op, w, token) == "00000001"
    assert count(db, UsedInvoice, w) == 0
    # 金三 does not know the number is used: the return race is open
    op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    until(db, w, "2016-05-03T09:59:00+08:00")
    assert count(db, UsedInvoice, w) == 0
    until(db, w, "2016-05-03T10:00:00+08:00")
    assert count(db, UsedInvoice, w) == 1
    until(db, w, "2016-05-04T10:00:00+08:00")
    used = db.scalars(select(UsedInvoice).where(UsedInvoice.world_id == w.id)).all()
    assert [(u.number, u.event) for u in used] == [(1, "issued")]


def test_upload_delay_and_clear(db, make_world, op):
    w = make_world(two_taxpayers())
    token = issuing(op, w)
    fault(db, w, {"channel": "upload", "kind": "delay", "by": "10m"})
    issue(op, w, token)
    until(db, w, "2016-05-03T09:09:00+08:00")
    assert count(db, UsedInvoice, w) == 0
    until(db, w, "2016-05-03T09:10:00+08:00")
    assert count(db, UsedInvoice, w) == 1
    fault(db, w, {"channel": "upload", "kind": "fail"})
    issue(op, w, token)
    until(db, w, "2016-05-03T12:00:00+08:00")
    assert count(db, UsedInvoice, w) == 1
    fault(db, w, "clear")                             # released the moment the fault is cleared
    assert count(db, UsedInvoice, w) == 2
    with pytest.raises(OperationError) as err:
        op(w, "h_zhang", "return_invoices", taxpayer="acme", code=ROLL, start="00000001", end="00000010")
    assert err.value.code == "RANGE_IN_USE"


# --- the step ---------------------------------------------------------------------------------------

SCENARIO = """
name: t
world: {{start: 2016-05-03T09:00:00+08:00}}
steps:
  - {{advance: 5m}}
  - {step}
"""


@pytest.mark.parametrize("step, field, words", [
    ("{fault: {channel: nightlyy, kind: fail, for: 1h}}", "fault.channel", "incremental"),
    ("{fault: {channel: nightly, kind: break, for: 1h}}", "fault.kind", "fail or delay"),
    ("{fault: {channel: nightly, kind: delay, for: 1h}}", "fault.by", "by how much"),
    ("{fault: {channel: nightly, kind: fail, by: 1h}}", "fault.by", "only a delay"),
    ("{fault: {channel: nightly, kind: fail, for: 60}}", "fault.for", "unit"),
    ("{fault: {channel: nightly, kind: fail, for: 1h, until: 2016-05-04T00:00:00+08:00}}", "fault.until", "not both"),
    ("{fault: {channel: nightly, kind: fail, for: 0m}}", "fault.for", "longer than zero"),
    ("{fault: {channel: nightly, kind: fail, when: now}}", "fault.when", "unknown key"),
    ("{fault: stop}", "fault", "clear"),
    ("{fault: clear, expect: ok}", "expect", "no other keys"),
])
def test_bad_fault_steps_are_refused_with_path_step_field_and_reason(step, field, words):
    with pytest.raises(ScenarioError) as err:
        load_text(SCENARIO.format(step=step), "f.yaml")
    assert (err.value.path, err.value.step, err.value.field) == ("f.yaml", 2, field)
    assert words in err.value.reason


def test_a_fault_ending_in_the_past_fails_the_step(db, make_world):
    w = make_world()
    with pytest.raises(OperationError) as err:
        fault(db, w, {"channel": "nightly", "kind": "fail", "until": "2016-05-03T08:00:00+08:00"})
    assert err.value.field == "fault.until"


def test_a_fault_is_audited_and_recorded_as_a_step(db, make_world):
    w = make_world()
    fault(db, w, {"channel": "incremental", "kind": "delay", "by": "10m", "for": "1h"})
    until(db, w, "2016-05-03T09:30:00+08:00")
    fault(db, w, "clear")
    ops = [e.operation for e in db.scalars(select(AuditEntry).where(AuditEntry.world_id == w.id)
                                           .order_by(AuditEntry.id))]
    assert ops == ["fault", "advance", "fault"]
    steps = recorded(db, get_world(db, w.id))["steps"]
    assert steps == [{"fault": {"channel": "incremental", "kind": "delay", "by": "10m", "for": "1h"}},
                     {"advance": {"until": "2016-05-03T09:30:00+08:00"}}, {"fault": "clear"}]
    cleared = db.scalars(select(SyncFault).where(SyncFault.world_id == w.id)).one()
    assert cleared.cleared_at is not None


def test_a_new_fault_on_a_channel_replaces_the_old_one(db, make_world):
    w = make_world()
    fault(db, w, {"channel": "nightly", "kind": "fail", "for": "1d"})
    fault(db, w, {"channel": "nightly", "kind": "delay", "by": "1h", "for": "2h"})
    db.expire_all()
    rows = db.scalars(select(SyncFault).where(SyncFault.world_id == w.id).order_by(SyncFault.id)).all()
    assert [(f.kind, f.cleared_at is not None) for f in rows] == [("fail", True), ("delay", False)]
