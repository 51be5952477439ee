"""诊断: the first problem in FAQ order, causes written from the data, steps from the failure catalogue."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from backoffice.dispatch import advance_clock, execute
from backoffice.errors import OperationError
from backoffice.failures import entry
from backoffice.worldbuild import create_world

START = "2016-05-03T09:00:00+08:00"
ACCOUNT, PASSWORD = "11500000000000000001", "000001"


def taxpayer(**extra) -> dict:
    return {"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司", "tax_id": "91500000MA5U0A0A2M",
            "registration_no": ACCOUNT, "specialist": "h_spec", **extra}


def spec(*taxpayers, **extra) -> dict:
    return {"start": START, "officers": [{"login": "h_spec", "name": "张明", "role": "specialist"},
                                         {"login": "h_ops", "name": "杨帆", "role": "ops"}],
            "taxpayers": list(taxpayers) or [taxpayer()], **extra}


READY = dict(enabled=True, industries={"main": "7240"}, red_limit="500.00",
             purchases=[{"code": "150001320410", "start": "00000001", "end": "00000100"}])


def diagnose(db, w, actor="h_spec", ref="acme") -> dict:
    return execute(db, w.id, actor, "diagnose", {"taxpayer": ref})


def attempt(db, w, actor, name, token=None, **args):
    try:
        return execute(db, w.id, actor, name, args, wp_token=token)
    except OperationError as exc:
        return exc.code


def test_all_well_is_null(db, make_world):
    w = make_world(spec(taxpayer(**READY)))
    out = diagnose(db, w)
    assert (out["faq"], out["code"], out["cause"], out["problems"]) == (None, None, None, [])


def test_any_officer_may_diagnose_but_a_taxpayer_may_not(db, make_world, op):
    w = make_world(spec(taxpayer(**READY)))
    for officer in ("chen_jing", "zhao_min", "yang_fan", "zhou_hong", "zhang_wei"):
        assert diagnose(db, w, actor=officer)["taxpayer"] == "acme"
    with pytest.raises(OperationError) as err:
        diagnose(db, w, actor="acme")
    assert err.value.code == "FORBIDDEN"
    with pytest.raises(OperationError) as err:
        diagnose(db, w, ref="nobody")
    assert (err.value.code, err.value.field) == ("INVALID_INPUT", "taxpayer")


def test_not_enabled_then_waiting_for_the_nightly_account(db, make_world, op):
    w = make_world(spec())
    out = diagnose(db, w)
    assert (out["faq"], out["code"]) == ("3.1", "INVOICER_NOT_FOUND")
    assert "open_wangpiao" in out["cause"]
    assert out["steps"] == entry("INVOICER_NOT_FOUND")["steps_zh"]
    assert [p["faq"] for p in out["problems"]] == ["3.1", "3.2"]   # and nothing is sold yet
    op(w, "h_spec", "open_wangpiao", taxpayer="acme")
    first = diagnose(db, w)["problems"][0]
    assert first["pending"] == "2016-05-04T02:00:00+08:00" and "nightly clearing" in first["cause"]


def test_sale_before_enablement_names_both_times(db, make_world, op):
    w = make_world(spec(taxpayer(industries={"main": "7240"})))
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000010")
    advance_clock(db, w.id, by="1h")
    op(w, "h_spec", "open_wangpiao", taxpayer="acme")
    advance_clock(db, w.id, until="2016-05-04T09:00:00+08:00")
    out = diagnose(db, w)
    assert (out["faq"], out["code"]) == ("3.2", "NO_PURCHASE_INFO")
    assert "sold 2016-05-03 09:00, 网票 enabled 2016-05-03 10:00" in out["cause"]
    assert "skips sales made before enablement" in out["cause"] and "sync_info" in out["cause"]
    assert out["cause_zh"].startswith("2016-05-03 09:00 发售，网票于 2016-05-03 10:00 开通：开通网票前发售的发票不会自动同步")
    op(w, "h_spec", "sync_info", taxpayer="acme")
    assert diagnose(db, w)["faq"] is None


def test_a_fresh_sale_says_when_it_arrives(db, make_world, op):
    w = make_world(spec(taxpayer(enabled=True, industries={"main": "7240"})))
    advance_clock(db, w.id, by="3m")
    op(w, "h_spec", "sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000010")
    problem = diagnose(db, w)["problems"][0]
    # sold 09:03, 20 minutes old at 09:23, the first incremental run after that at 09:25
    assert (problem["faq"], problem["pending"]) == ("3.2", "2016-05-03T09:25:00+08:00")


def test_problems_come_in_faq_order(db, make_world, op):
    w = make_world(spec(taxpayer(enabled=True)))
    op(w, "acme", "install_client", edition="guoshui", version="previous")
    out = diagnose(db, w)
    # no purchase (3.2), two client versions (3.3), no industries (4.6)
    assert [(p["faq"], p["code"]) for p in out["problems"]] == [
        ("3.2", "NO_PURCHASE_INFO"), ("3.3", "NETWORK_CONGESTION"), ("4.6", "INDUSTRY_BLANK")]
    assert out["faq"] == "3.2" and out["steps"] == entry("NO_PURCHASE_INFO")["steps_zh"]
    assert out["problems"][1]["steps_en"] == entry("NETWORK_CONGESTION")["steps_en"]


def test_a_ygz_flag_set_for_a_dishui_user(db, make_world, op):
    ds = taxpayer(enabled=True, ygz=False, client="dishui")
    w = make_world(spec(ds))
    op(w, "acme", "install_client", edition="guoshui")
    assert attempt(db, w, "acme", "login", account=ACCOUNT, password=PASSWORD) == "NO_PURCHASE_INFO"
    out = diagnose(db, w)
    assert (out["faq"], out["code"]) == ("5.1", "DS_INVOICING_DISABLED")
    assert "accepted the upgrade" in out["cause"]
    op(w, "h_ops", "set_ygz_flag", taxpayer="acme", value=False)
    assert diagnose(db, w)["faq"] is None


def test_ca_cancellation_pending_until_ops_finish(db, make_world, op):
    w = make_world(spec(taxpayer(ca="pc", **READY), seed=5))
    assert attempt(db, w, "acme", "login", account=ACCOUNT, password=PASSWORD) == "CA_REQUIRED"
    assert diagnose(db, w)["code"] == "CA_REQUIRED"
    due = op(w, "h_ops", "cancel_ca", taxpayer="acme")["due_at"]
    problem = diagnose(db, w)["problems"][0]
    assert (problem["faq"], problem["pending"]) == ("6.2", due)
    advance_clock(db, w.id, by="1h")
    assert diagnose(db, w)["faq"] is None


# --- property: a state-caused failure is foreseen by the diagnoser ----------------------------------

STATE_CODES = {"INVOICER_NOT_FOUND", "NO_PURCHASE_INFO", "NO_PERMISSION_TO_SAVE", "RED_AMOUNT_INSUFFICIENT",
               "ITEM_NOT_AVAILABLE", "INDUSTRY_BLANK", "CA_REQUIRED", "DS_INVOICING_DISABLED"}
ASKED = {"ITEM_NOT_AVAILABLE", "RED_AMOUNT_INSUFFICIENT"}
CODES = ("150001320410", "150001320230", "150001300110")          # two 网票 codes and a paper one
ITEMS = ("广告设计", "会议服务")                                     # in 7240; only in 6110 / 7292

actions = st.lists(st.one_of(
    st.tuples(st.just("sell"), st.sampled_from(CODES)),
    st.just(("open",)),
    st.tuples(st.just("advance"), st.sampled_from(["10m", "20m", "1h", "1d"])),
    st.just(("sync_info",)),
    st.just(("assign",)),
    st.just(("login",)),
    st.just(("allocate",)),
    st.tuples(st.just("issue"), st.sampled_from(ITEMS), st.booleans()),   # True: log in and allocate first
    st.tuples(st.just("red"), st.sampled_from(["10.00", "900.00"])),   # after an issue, if there is one
), min_size=1, max_size=9)


# CI replays the same examples every run (derandomize); DIAG_EXAMPLES=300 explores further by hand.
@settings(max_examples=int(__import__('os').environ.get('DIAG_EXAMPLES', 15)), deadline=None, database=None,
          derandomize=bool(__import__('os').environ.get('CI')),
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(history=actions, industries=st.booleans(), red_limit=st.sampled_from([None, "100.00"]),
       start=st.sampled_from(["new", "enabled", "bought"]))
def test_diagnose_foresees_state_caused_failures(db, history, industries, red_limit, start):
    extra: dict = {"industries": {"main": "7240"}} if industries else {}
    if red_limit:
        extra["red_limit"] = red_limit
    if start != "new":   # set up before step 0, as the world block allows
        extra["enabled"] = True
    if start == "bought":
        extra["purchases"] = [{"code": "150001320230", "start": "00090001", "end": "00090010"}]
    w = create_world(db, spec(taxpayer(**extra)), name="diagnose property")
    db.commit()
    token, next_no, seen, allocated = None, 1, [], None

    def taxpayer_op(name, **args):
        """Run a taxpayer operation; a state-caused failure must be among the problems found just before."""
        before = {p["code"] for p in diagnose(db, w)["problems"]}
        got = attempt(db, w, "acme", name, token, **args)
        if isinstance(got, str) and got in STATE_CODES:
            if got in ASKED and got not in before:
                # which item, or how much 冲红, is asked is not state: the refused attempt tells the diagnoser
                before = {p["code"] for p in diagnose(db, w)["problems"]}
            assert got in before, f"{name} {args} failed with {got}; diagnose listed {sorted(before)} after {seen}"
        event(f"{name}: {got if isinstance(got, str) else 'ok'}")
        seen.append((name, got if isinstance(got, str) else "ok"))
        return got

    def login():
        nonlocal token
        got = taxpayer_op("login", account=ACCOUNT, password=PASSWORD)
        if isinstance(got, dict):
            token = got["session"]

    def allocate():
        nonlocal allocated
        listed = attempt(db, w, "acme", "list_purchases", token)
        if isinstance(listed, dict):
            p = listed["purchases"][0]
            attempt(db, w, "acme", "allocate_segment", token, invoicer="系统管理员", code=p["code"],
                    start=p["start"], end=p["end"])
            if isinstance(attempt(db, w, "acme", "allocate_amounts", token, invoicer="系统管理员",
                                  red_amount=red_limit or "0.00", cache_amount="5000.00"), dict):
                allocated = allocated or p["code"]

    for action in history:
        kind = action[0]
        if (kind == "issue" and action[2]) or kind == "red":
            login()
            if token and not allocated:
                allocate()
        if kind == "sell":
            attempt(db, w, "h_spec", "sell_invoices", taxpayer="acme", code=action[1], start=f"{next_no:08d}",
                    end=f"{next_no + 9:08d}")
            next_no += 10
        elif kind == "open":
            attempt(db, w, "h_spec", "open_wangpiao", taxpayer="acme")
        elif kind == "advance":
            advance_clock(db, w.id, by=action[1])
        elif kind == "sync_info":
            attempt(db, w, "h_spec", "sync_info", taxpayer="acme")
        elif kind == "assign":
            attempt(db, w, "h_spec", "assign_industries", taxpayer="acme", main="7240", secondary=[])
        elif kind == "login":
            login()
        elif kind == "allocate" and token:
            allocate()
        elif kind == "issue" and token:
            listed = attempt(db, w, "acme", "list_purchases", token)
            code = allocated or (listed["purchases"][0]["code"] if isinstance(listed, dict) else CODES[0])
            got = taxpayer_op("issue_invoice", code=code, item=action[1], amount="1000.00")
            if isinstance(got, dict):
                seen.append(("issued", got["code"], got["number"]))
        elif kind == "red" and token:
            issued = [s for s in seen if s[0] == "issued"]
            if not issued and allocated:
                got = attempt(db, w, "acme", "issue_invoice", token, code=allocated, item=ITEMS[0], amount="1000.00")
                issued = [("issued", got["code"], got["number"])] if isinstance(got, dict) else []
            if issued:
                _, code, number = issued[-1]
                taxpayer_op("red_reverse", code=code, number=number, amount=action[1])
