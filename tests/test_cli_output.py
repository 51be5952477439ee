"""The command line reads well: a plain help, aligned tables, human values, "did you mean", the
operation list, and scenario runs that say where they failed and clean up after themselves."""
from __future__ import annotations

import re

import yaml
from sqlalchemy import select

from backoffice.cli import main
from backoffice.cli_format import table, width
from backoffice.scenarios.loader import load_file
from backoffice.worlds.models import World
from web_support import STORY


def cli(app, *args, input=None):
    return app.test_cli_runner().invoke(main, list(args), input=input)


SCENARIO = """name: sold before enablement, then 同步信息
faq: "3.2"
world:
  start: 2016-05-03T09:00:00+08:00
  officers: [{login: h_zhang, name: 张明, role: specialist}]
  taxpayers:
    - {ref: acme, kind: unit, name: 重庆某某广告有限公司, tax_id: "91500000MA5U0A0A2M",
       registration_no: "11500000000000000001", specialist: h_zhang}
steps:
  - {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", start: "00000001", end: "00000100"}}
  - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}
  - {advance: 2d}
  - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}, expect: %(first)s}
  - {actor: h_zhang, op: sync_info, args: {taxpayer: acme}}
  - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}}
  - {actor: acme, op: list_purchases, expect: {result: {count: %(count)s}}}
"""


def write(tmp_path, name="s.yaml", first="NO_PURCHASE_INFO", count=1):
    path = tmp_path / name
    path.write_text(SCENARIO % {"first": first, "count": count}, encoding="utf-8")
    return path


def test_help_is_plain_click_without_flask_options(app):
    r = cli(app, "--help")
    assert r.exit_code == 0
    for flask_only in ("--env-file", "-e,", "--app", "-A,", "--debug", "routes", "shell", "run "):
        assert flask_only not in r.output, flask_only
    assert "scenario" in r.output and "world" in r.output


def test_a_mistyped_command_or_operation_gets_did_you_mean(app, world):
    r = cli(app, "wrld", "list")
    assert r.exit_code == 2 and "Did you mean 'world'?" in r.output
    r = cli(app, "world", "lst")
    assert r.exit_code == 2 and "Did you mean 'list'?" in r.output
    r = cli(app, "op", str(world.id), "zhang_wei", "sel_invoices", "taxpayer=x")
    assert r.exit_code == 2 and "Did you mean 'sell_invoices'?" in r.output and "Traceback" not in r.output


def test_op_help_and_list_name_every_operation_with_chinese_labels_and_arguments(app):
    r = cli(app, "op", "--help")
    assert r.exit_code == 0
    assert re.search(r"set_red_limit\s+冲红限额", r.output) and "sync_info" in r.output
    r = cli(app, "op", "--list")
    assert r.exit_code == 0
    row = next(line for line in r.output.splitlines() if line.startswith("set_red_limit "))
    assert "冲红限额" in row and "taxpayer amount" in row and "specialist" in row
    row = next(line for line in r.output.splitlines() if line.startswith("login "))
    assert "[client=guoshui|dishui|dishui_void]" in row


def test_a_thirty_digit_amount_is_refused_without_a_traceback(app, make_world):
    w = make_world(STORY)
    r = cli(app, "op", str(w.id), "h_zhang", "set_red_limit", "taxpayer=acme", "amount=" + "9" * 30)
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "INVALID_INPUT" in r.output and "amount" in r.output


def test_world_list_is_a_table_aligned_for_chinese_names(app, make_world):
    make_world(name="演示世界甲")
    make_world(name="abc")
    r = cli(app, "world", "list")
    assert r.exit_code == 0
    lines = r.output.splitlines()
    assert lines[0].split()[:3] == ["id", "name", "key"] and set(lines[1].replace(" ", "")) == {"-"}
    rows = [line for line in lines if "演示世界甲" in line or re.search(r"\babc\b", line)]
    # the clock column starts at the same terminal column whatever the name's script
    cols = {width(line[: line.index("2016-05-03")]) for line in rows}
    assert len(rows) >= 2 and len(cols) == 1


def test_table_counts_chinese_characters_as_two_columns():
    out = table(["名称", "n"], [("张明", 1), ("ab", 22)], right=[1]).splitlines()
    assert [width(line) for line in out] == [8, 8, 8, 8]
    assert out[2] == "张明   1" and out[3] == "ab    22"


def test_pipeline_prints_human_values(app, make_world, op):
    w = make_world(STORY)
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    r = cli(app, "pipeline", str(w.id), "acme")
    assert r.exit_code == 0, r.output
    for raw in ("True", "False", "None"):
        assert raw not in r.output, raw
    assert "网票 enabled: no" in r.output and "red limit: not set" in r.output
    assert "sale before enablement: needs 同步信息" in r.output
    assert re.search(r"150001320410 00000001.00000100\s+\S+\s+active\s+no\s+yes", r.output), r.output


def test_a_failed_run_prints_its_world_and_the_key_that_differs(app, db, tmp_path):
    path = write(tmp_path, count=2)
    r = cli(app, "scenario", "run", str(path))
    assert r.exit_code == 1
    world_id = int(re.search(r"FAILED .* in world (\d+)", r.output).group(1))
    assert db.get(World, world_id) is not None     # kept, to be looked at
    assert "step 7 (list_purchases by acme" in r.output
    assert "result.count: expected 2, got 1" in r.output


def test_keep_going_runs_and_reports_every_differing_step(app, tmp_path):
    path = write(tmp_path, first="BAD_CREDENTIALS", count=2)
    r = cli(app, "scenario", "run", str(path))
    assert "step 4" in r.output and "step 7" not in r.output and "3 later step(s) not run" in r.output
    r = cli(app, "scenario", "run", "--keep-going", str(path))
    assert r.exit_code == 1
    assert "expected \"BAD_CREDENTIALS\", got \"NO_PURCHASE_INFO\"" in r.output
    assert "result.count: expected 2, got 1" in r.output


def test_cleanup_removes_the_worlds_of_passing_runs(app, db, tmp_path):
    def scenario_worlds():
        db.expire_all()
        found = set(db.scalars(select(World.id).where(World.name.startswith("scenario: sold before"))))
        db.rollback()   # end the read: on SQLite an open transaction holds the write lock
        return found

    before = scenario_worlds()
    r = cli(app, "scenario", "run", "--cleanup", str(write(tmp_path)))
    assert r.exit_code == 0 and "world removed" in r.output
    assert scenario_worlds() == before
    r = cli(app, "scenario", "run", str(write(tmp_path, "kept.yaml")))
    assert r.exit_code == 0 and len(scenario_worlds() - before) == 1


def test_check_leaves_no_world_of_a_passing_scenario(app, db, tmp_path):
    write(tmp_path)
    before = db.scalar(select(World.id).order_by(World.id.desc()).limit(1))
    db.rollback()
    r = cli(app, "scenario", "check", "--dir", str(tmp_path))
    assert r.exit_code == 0, r.output
    db.expire_all()
    assert not list(db.scalars(select(World.id).where(World.id > before, World.name.startswith("scenario: "))))


def test_record_with_results_asserts_the_values_on_replay(app, make_world, op, tmp_path):
    w = make_world(STORY)
    op(w, "h_zhang", "sell_invoices", taxpayer="acme", code="150001320410", start="00000001", end="00000100")
    op(w, "h_zhang", "set_red_limit", taxpayer="acme", amount="500.00")
    out = tmp_path / "rec.yaml"
    r = cli(app, "scenario", "record", str(w.id), "--with-results", "-o", str(out))
    assert r.exit_code == 0, r.output
    sale = load_file(out).steps[0]
    assert sale.expect.kind == "result" and sale.expect.result["start"] == "00000001"
    assert "sale_id" not in sale.expect.result
    assert cli(app, "scenario", "run", "--cleanup", str(out)).exit_code == 0
    # a replay that gives another value fails on that value
    doc = yaml.safe_load(out.read_text(encoding="utf-8"))
    doc["steps"][0]["expect"]["result"]["end"] = "00000099"
    out.write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    r = cli(app, "scenario", "run", str(out))
    assert r.exit_code == 1 and "result.end: expected \"00000099\", got \"00000100\"" in r.output
