"""Scenario files: strict loading, running through dispatch, the CLI, recording a world and replaying it."""
from __future__ import annotations

import textwrap
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from backoffice.cli import main
from backoffice.config import default_seed_path
from backoffice.dispatch import advance_clock, execute
from backoffice.errors import OperationError
from backoffice.scenarios.loader import ScenarioError, load_file, load_text
from backoffice.scenarios.record import record
from backoffice.scenarios.runner import describe_failure, matches, run_scenario, session_key
from backoffice.worlds.models import World
from backoffice.worlds.service import world_tables

SCENARIO_DIR = default_seed_path() / "scenarios"

HEAD = """\
name: a small scenario
faq: "3.2"
world:
  start: 2016-05-03T09:00:00+08:00
  officers:
    - {login: h_zhang, name: 张明, role: specialist}
  taxpayers:
    - ref: acme
      kind: unit
      name: 重庆某某广告有限公司
      tax_id: "91500000MA5U0A0A2M"
      registration_no: "11500000000000000001"
      specialist: h_zhang
steps:
"""


def scenario(steps: str, head: str = HEAD) -> str:
    return head + textwrap.indent(textwrap.dedent(steps).strip() + "\n", "  ")


def write(tmp_path: Path, text: str, name: str = "bad.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- the loader: a bad file is reported precisely and nothing runs ---------------------------------

@pytest.mark.parametrize("steps, step, field, words", [
    # YAML reads 00000010 as the number 8
    ('- {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", start: 00000010, end: "00000020"}}',
     1, "args.start", "quote it"),
    ('- {actor: h_zhang, op: set_red_limit, args: {taxpayer: acme, amount: 4.10}}', 1, "args.amount", "quote it"),
    ('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}\n'
     '- {actor: acme, op: login, args: {account: 11500000000000000001, password: "000001"}}', 2, "args.account", "quote it"),
    ('- {actor: acme, op: login, args: {account: "11500000000000000001", password: 000001}}', 1, "args.password", "quote it"),
    ('- {actor: h_zhang, op: sell_invoice, args: {taxpayer: acme}}', 1, "op", "did you mean 'sell_invoices'"),
    ('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}, expect: NO_PURCHASE}', 1, "expect", "NO_PURCHASE_INFO"),
    ('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme, extra: 1}}', 1, "args.extra", "Extra inputs"),
    ('- {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", start: "00000020", end: "00000010"}}',
     1, "args.end", "start is after its end"),
    ('- {advance: 20}', 1, "advance", "unit"),
    ('- {advance: {until: "tomorrow"}}', 1, "advance.until", "ISO 8601"),
    ('- {actor: acme, op: open_wangpiao, args: {taxpayer: acme}}', 1, "actor", "performed by an officer"),
    ('- {actor: h_nobody, op: open_wangpiao, args: {taxpayer: acme}}', 1, "actor", "not an officer"),
    ('- {actor: ghost, op: login, args: {account: "1", password: "1"}}', 1, "actor", "not a taxpayer"),
    ('- {actor: h_zhang, op: diagnose, args: {taxpayer: acme}, expect: {result: {faq: "3.2"}, error: FORBIDDEN}}',
     1, "expect", "{error: CODE}"),
    ('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}, note: hi}', 1, "note", "unknown key"),
    ('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acmee}}', 1, "args.taxpayer", "no taxpayer 'acmee'"),
    ('- {actor: h_zhang, op: assign_industries, args: {taxpayer: acme, main: "7240", secondary: ["7292", "9999"]}}',
     1, "args.secondary.1", "no industry '9999'"),
])
def test_bad_step_is_reported_with_path_step_field_and_reason(tmp_path, steps, step, field, words):
    path = write(tmp_path, scenario(steps))
    with pytest.raises(ScenarioError) as err:
        load_file(path)
    e = err.value
    assert (e.path, e.step, e.field) == (str(path), step, field)
    assert words in e.reason
    assert str(e).startswith(f"{path}: step {step}: {field}: ")


@pytest.mark.parametrize("head_change, field, words", [
    (('"11500000000000000001"', "11500000000000000001"), "world.taxpayers.0.registration_no", "quote it"),
    (('"91500000MA5U0A0A2M"', '"91500000MA5U0A0A2N"'), "world.taxpayers.0.tax_id", "check character"),
    (("specialist: h_zhang", "specialist: h_li"), "world.taxpayers.0.specialist", "no officer"),
    (('faq: "3.2"', "faq: 3.2"), "faq", "quote it"),
    (("login: h_zhang", "login: zhang_wei"), "world.officers.0.login", "already in the base data"),
    (("  start: 2016", "  base: nowhere\n  start: 2016"), "world.base", "no base data named 'nowhere'"),
])
def test_bad_world_block_is_reported(tmp_path, head_change, field, words):
    old, new = head_change
    head = HEAD.replace(old, new, 1)
    steps = '- {actor: zhang_wei, op: diagnose, args: {taxpayer: acme}}'
    with pytest.raises(ScenarioError) as err:
        load_file(write(tmp_path, scenario(steps, head)))
    assert err.value.step is None and err.value.field == field and words in err.value.reason


def test_yaml_errors_and_duplicate_keys_are_refused(tmp_path):
    with pytest.raises(ScenarioError, match=r"line \d+.*given twice|given twice"):
        load_text(scenario('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme, taxpayer: acme}}'))
    with pytest.raises(ScenarioError, match="not valid YAML"):
        load_text(HEAD + "  - {actor: [\n")
    with pytest.raises(ScenarioError, match="steps is a non-empty list"):
        load_text(HEAD + "  []\n")


def test_a_step_expecting_a_refusal_may_break_the_rules_on_purpose():
    sc = load_text(scenario("""
        - {actor: h_zhang, op: set_red_limit, args: {taxpayer: acme, amount: "-1"}, expect: INVALID_INPUT}
        - {actor: acme, op: open_wangpiao, args: {taxpayer: acme}, expect: {error: FORBIDDEN}}
        - {advance: {until: 2016-05-04T02:00:00+08:00}}
    """))
    assert [s.expect.describe() for s in sc.steps] == ["INVALID_INPUT", "FORBIDDEN", "ok"]
    assert sc.steps[2].advance_until.isoformat() == "2016-05-04T02:00:00+08:00"


def test_nothing_runs_when_the_file_is_bad(db, tmp_path):
    before = db.scalar(select(func.count()).select_from(World))
    path = write(tmp_path, scenario("""
        - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}
        - {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", start: 1, end: "00000010"}}
    """))
    with pytest.raises(ScenarioError, match="step 2: args.start: 1 is a number where a string belongs: quote it"):
        run_scenario(db, path)
    assert db.scalar(select(func.count()).select_from(World)) == before


# --- the runner ------------------------------------------------------------------------------------

def test_runner_plays_every_actor_and_reports_each_step(db):
    out = run_scenario(db, yaml.safe_load(scenario("""
        - {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", start: "00000001", end: "00000100"}}
        - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}
        - {advance: 2d}
        - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}, expect: NO_PURCHASE_INFO}
        - {actor: h_zhang, op: diagnose, args: {taxpayer: acme}, expect: {result: {faq: "3.2"}}}
        - {actor: h_zhang, op: sync_info, args: {taxpayer: acme}}
        - {actor: acme, op: list_purchases, expect: NOT_LOGGED_IN}
        - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}}
        - {actor: acme, op: list_purchases, expect: {result: {count: 1, purchases: [{start: "00000001"}]}}}
    """)))
    assert out["ok"], describe_failure(out)
    assert (out["name"], out["faq"]) == ("a small scenario", "3.2")
    assert [s["op"] for s in out["steps"]][:3] == ["sell_invoices", "open_wangpiao", "advance 2d"]
    third = out["steps"][2]
    assert third["actor"] == "clock" and third["outcome"].startswith("→ 2016-05-05T09:00:00+08:00")
    assert out["steps"][3]["got"] == "NO_PURCHASE_INFO" and out["steps"][3]["time"] == "2016-05-05T09:00:00+08:00"
    assert db.get(World, out["world_id"]).name.startswith("scenario: a small scenario")


def test_runner_stops_at_the_first_unmet_expectation(db):
    out = run_scenario(db, yaml.safe_load(scenario("""
        - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}
        - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}}
        - {actor: h_zhang, op: diagnose, args: {taxpayer: acme}}
    """)))
    assert not out["ok"] and len(out["steps"]) == 2 and out["total_steps"] == 3
    failed = out["steps"][1]
    assert (failed["expected"], failed["got"], failed["ok"]) == ("ok", "INVOICER_NOT_FOUND", False)
    assert describe_failure(out) == ("step 2 (login by acme at 2016-05-03T09:00:00+08:00): "
                                     'expected "ok", got "INVOICER_NOT_FOUND"')


def test_result_expectation_shows_what_differed(db):
    out = run_scenario(db, yaml.safe_load(scenario("""
        - {actor: h_zhang, op: diagnose, args: {taxpayer: acme}, expect: {result: {faq: "3.2", code: NO_PURCHASE_INFO}}}
    """)))
    step = out["steps"][0]
    assert not step["ok"]
    assert step["got"] == {"result": {"faq": "3.1", "code": "INVOICER_NOT_FOUND"}}


def test_each_run_gets_a_fresh_world(db):
    text = scenario('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}')
    first, second = run_scenario(db, yaml.safe_load(text)), run_scenario(db, yaml.safe_load(text))
    assert first["ok"] and second["ok"] and first["world_id"] != second["world_id"]


def test_world_that_cannot_be_built_is_a_scenario_error(db):
    head = HEAD.replace("      specialist: h_zhang\n",
                        "      specialist: h_zhang\n      enabled: true\n"
                        "      purchases: [{code: \"150001320410\", start: \"09999999\", end: \"10000000\"}]\n")
    with pytest.raises(ScenarioError, match="world.taxpayers.0.purchases.0"):
        run_scenario(db, yaml.safe_load(scenario('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}', head)))


@pytest.mark.parametrize("actor, args, key", [
    ("acme", {"account": "1"}, "acme"),
    ("acme", {"account": "1", "invoicer": "王会计"}, "acme/王会计"),
    ("acme/王会计", {"account": "1", "invoicer": "王会计"}, "acme/王会计"),
    ("acme/王会计", {"account": "1"}, "acme/王会计"),
])
def test_a_login_session_is_kept_for_who_logged_in(actor, args, key):
    assert session_key(actor, args) == key


@pytest.mark.parametrize("expected, got, ok", [
    ({"count": 1}, {"count": 1, "purchases": []}, True),
    ({"count": 1}, {"count": "1"}, False),
    ({"number": "00000001"}, {"number": "00000001"}, True),
    ({"faq": None}, {"faq": None}, True),
    ({"faq": None}, {"faq": "3.2"}, False),
    ({"ok": True}, {"ok": 1}, False),
    ({"rows": [{"a": 1}]}, {"rows": [{"a": 1, "b": 2}]}, True),
    ({"rows": [{"a": 1}]}, {"rows": [{"a": 1}, {"a": 2}]}, False),
    ({"amount": 1.5}, {"amount": 1.5}, True),
    ({"pending": datetime.fromisoformat("2016-05-04T02:00:00+08:00")}, {"pending": "2016-05-04T02:00:00+08:00"}, True),
    ({"pending": datetime.fromisoformat("2016-05-04T02:00:00+08:00")}, {"pending": "2016-05-04T02:05:00+08:00"}, False),
])
def test_results_compare_as_yaml_values(expected, got, ok):
    assert matches(expected, got) is ok


# --- the FAQ scenario files ------------------------------------------------------------------------

FAQ_FILES = sorted(SCENARIO_DIR.glob("*.yaml"))


def test_every_numbered_faq_case_of_sections_3_to_7_has_a_scenario():
    faqs = {load_file(f).faq for f in FAQ_FILES}
    assert {"3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "5.1", "5.2", "5.3", "6.1", "6.2",
            "7"} <= faqs


@pytest.mark.parametrize("path", FAQ_FILES, ids=[f.stem for f in FAQ_FILES])
def test_faq_scenario_passes(db, path):
    sc = load_file(path)
    out = run_scenario(db, sc)
    assert out["ok"], describe_failure(out)
    if sc.faq is None:
        return
    # each reproduces the failure, checks the diagnoser, then the remedy
    assert any(s.expect.kind == "error" for s in sc.steps)
    def names_faq(result: dict) -> bool:
        listed = result.get("problems", []) + result.get("notes", [])   # FAQ 7 is only ever a note
        return result.get("faq") == sc.faq or any(p.get("faq") == sc.faq for p in listed)

    assert any(s.op == "diagnose" and s.expect.kind == "result" and names_faq(s.expect.result) for s in sc.steps)


# --- the CLI --------------------------------------------------------------------------------------

def cli(app, *args):
    return app.test_cli_runner().invoke(main, list(args))


def test_cli_run_prints_steps_and_names_the_failing_one(app, tmp_path):
    good = write(tmp_path, scenario('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}'), "good.yaml")
    r = cli(app, "scenario", "run", str(good))
    assert r.exit_code == 0, r.output
    assert "h_zhang" in r.output and "open_wangpiao" in r.output and "passed: 1 steps" in r.output

    bad = write(tmp_path, scenario("""
        - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}
        - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}, expect: NO_PURCHASE_INFO}
    """), "fails.yaml")
    r = cli(app, "scenario", "run", str(good), str(bad))
    assert r.exit_code == 1
    assert 'step 2 (login by acme at 2016-05-03T09:00:00+08:00): expected "NO_PURCHASE_INFO", ' \
           'got "INVOICER_NOT_FOUND"' in r.output


def test_cli_run_refuses_a_bad_file_before_running_any(app, tmp_path):
    good = write(tmp_path, scenario('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}'), "good.yaml")
    bad = write(tmp_path, scenario('- {actor: h_zhang, op: set_red_limit, args: {taxpayer: acme, amount: 100}}'))
    r = cli(app, "scenario", "run", str(good), str(bad))
    assert r.exit_code == 2
    assert f"{bad}: step 1: args.amount: 100 is a number where a string belongs: quote it" in r.output
    assert "nothing was run" in r.output and "open_wangpiao" not in r.output


def test_cli_check_prints_a_table_and_fails_if_any_fails(app, tmp_path):
    write(tmp_path, scenario('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}'), "a_good.yaml")
    write(tmp_path, scenario('- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}, expect: FORBIDDEN}'),
          "b_fails.yaml")
    from backoffice.scenarios.cli import scenario_dir
    assert scenario_dir() == SCENARIO_DIR      # what `backoffice scenario check` runs by default
    r = cli(app, "scenario", "check", "--dir", str(tmp_path))
    assert r.exit_code == 1
    lines = r.stdout.splitlines()    # the table on stdout; the progress bar goes to stderr
    assert lines[0].split() == ["file", "FAQ", "steps", "result", "seconds", "scenario"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].split()[:5] == ["a_good.yaml", "3.2", "1/1", "pass", lines[2].split()[4]]
    assert lines[3].split()[:4] == ["b_fails.yaml", "3.2", "1/1", "FAIL"]
    assert "1 of 2 scenarios passed" in r.output


def test_cli_record_and_diagnose(app, db, make_world, op, tmp_path):
    w = make_world(yaml.safe_load(HEAD)["world"])
    op(w, "h_zhang", "open_wangpiao", taxpayer="acme")
    out = tmp_path / "rec.yaml"
    r = cli(app, "scenario", "record", str(w.id), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert load_file(out).steps[0].op == "open_wangpiao"
    r = cli(app, "diagnose", str(w.id), "acme", "--lang", "en")
    assert r.exit_code == 0, r.output
    assert "FAQ 3.1  INVOICER_NOT_FOUND" in r.output and "nightly clearing" in r.output
    r = cli(app, "diagnose", str(w.id), "nobody")
    assert r.exit_code == 1 and "INVALID_INPUT" in r.output


# --- recording a world and replaying it -------------------------------------------------------------

VOLATILE = {"id", "world_id", "token_hash", "password_hash", "ds_password_hash", "created_wall", "finished_wall",
            "wall_time"}


def contents(db, world_id: int) -> dict[str, list]:
    """Every row of every world table, without keys, wall times, secrets or salted hashes."""
    out = {}
    for t in world_tables():
        if t.name == "audit_entries":
            continue   # compared as the sequence of operations below: clock moves are written differently
        cols = [c for c in t.c if c.name not in VOLATILE and not c.name.endswith("_id")]
        if not cols:
            continue
        rows = db.execute(select(*cols).where(t.c.world_id == world_id)).all()
        out[t.name] = sorted((tuple(r) for r in rows), key=repr)
    w = db.get(World, world_id)
    out["world"] = [(w.clock_now, w.next_seq, w.cleared_seq, w.seed)]
    return out


def operations(db, world_id: int) -> list[tuple]:
    from backoffice.audit.models import AuditEntry
    return [(e.actor, e.operation, e.args, e.error_code, e.sim_time) for e in db.scalars(
        select(AuditEntry).where(AuditEntry.world_id == world_id, AuditEntry.operation != "advance")
        .order_by(AuditEntry.id))]


def test_a_recorded_world_replays_to_the_same_state(db, make_world):
    spec = yaml.safe_load(HEAD)["world"]
    spec["seed"] = 11
    spec["officers"].append({"login": "h_yang", "name": "杨帆", "role": "ops"})
    spec["taxpayers"].append({"ref": "pcca", "kind": "unit", "name": "重庆证书有限公司", "tax_id": "91500000MA5UH013X3",
                              "registration_no": "11500000000000000024", "specialist": "h_zhang", "ca": "pc",
                              "enabled": True, "industries": {"main": "7231"}})
    w = make_world(spec)

    def attempt(actor, operation, token=None, **args):
        try:
            return execute(db, w.id, actor, operation, args, wp_token=token)
        except OperationError as exc:
            return exc.code

    assert attempt("h_zhang", "sell_invoices", taxpayer="acme", code="150001320410", start="00000001",
                   end="00000100")["sale_id"]
    attempt("h_zhang", "open_wangpiao", taxpayer="acme")
    advance_clock(db, w.id, by="1d")
    assert attempt("acme", "login", account="11500000000000000001", password="000001") == "NO_PURCHASE_INFO"
    attempt("h_zhang", "sync_info", taxpayer="acme")
    tok = attempt("acme", "login", account="11500000000000000001", password="000001")["session"]
    attempt("h_zhang", "assign_industries", taxpayer="acme", main="7240", secondary=[])
    attempt("h_zhang", "set_red_limit", taxpayer="acme", amount="300.00")
    advance_clock(db, w.id, until="2016-05-05T02:00:00+08:00")
    attempt("acme", "add_invoicer", tok, name="王会计", password="wang-0503")
    attempt("acme", "allocate_segment", tok, invoicer="王会计", code="150001320410", start="00000001", end="00000050")
    attempt("acme", "allocate_amounts", tok, invoicer="王会计", red_amount="300.00", cache_amount="9000.00")
    wang = attempt("acme/王会计", "login", account="11500000000000000001", password="wang-0503", invoicer="王会计")["session"]
    assert attempt("acme/王会计", "issue_invoice", wang, code="150001320410", item="广告设计", amount="1000.00")["number"] == "00000001"
    assert attempt("acme/王会计", "red_reverse", wang, code="150001320410", number="00000001", amount="400.00") \
        == "RED_AMOUNT_INSUFFICIENT"
    attempt("acme/王会计", "red_reverse", wang, code="150001320410", number="00000001", amount="200.00")
    attempt("h_yang", "cancel_ca", taxpayer="pcca")     # a seeded random delay, replayed alike
    advance_clock(db, w.id, by="2h")
    attempt("h_zhang", "return_invoices", taxpayer="acme", code="150001320410", start="00000090", end="00000100")
    attempt("pcca", "uninstall_client", edition="guoshui")
    attempt("pcca", "install_client", edition="guoshui")
    attempt("h_zhang", "diagnose", taxpayer="acme")

    text = record(db, db.get(World, w.id))
    doc = yaml.safe_load(text)
    assert doc["world"]["seed"] == 11
    assert {"advance": {"until": "2016-05-04T09:00:00+08:00"}} in doc["steps"]
    assert {"actor": "acme", "op": "login", "args": {"account": "11500000000000000001", "password": "000001"},
            "expect": "NO_PURCHASE_INFO"} in doc["steps"]

    replay = run_scenario(db, doc)
    assert replay["ok"], describe_failure(replay)
    state = contents(db, w.id)
    assert len(state["wp_invoices"]) == 1 and len(state["wp_red_reversals"]) == 1 and state["work_items"]
    assert contents(db, replay["world_id"]) == state
    assert contents(db, make_world(spec).id) != state      # the comparison sees what the history did
    assert operations(db, replay["world_id"]) == operations(db, w.id)
