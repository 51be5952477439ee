"""The explorer: the space of orders × gaps, outcome classes with their smallest example, sampling,
the JSON shape, and the shipped explorations with their class counts (run in CI)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select

from backoffice.cli import main
from backoffice.explore.engine import explore, replay
from backoffice.explore.loader import load_data, load_file
from backoffice.explore.space import Run, Space
from backoffice.worlds.models import World
from test_scenarios import SCENARIO_DIR

EXPLORATIONS = SCENARIO_DIR.parent / "explorations"

BASE = {
    "name": "t",
    "world": {"start": "2016-05-03T09:00:00+08:00",
              "officers": [{"login": "h_zhang", "name": "张明", "role": "specialist"}],
              "taxpayers": [{"ref": "acme", "kind": "unit", "name": "重庆某某广告有限公司",
                             "tax_id": "91500000MA5U0A0A2M", "registration_no": "11500000000000000001",
                             "specialist": "h_zhang", "industries": {"main": "7240"}}]},
    "events": {"sell": {"actor": "h_zhang", "op": "sell_invoices",
                        "args": {"taxpayer": "acme", "code": "150001320410", "start": "00000001", "end": "00000050"}},
               "open": {"actor": "h_zhang", "op": "open_wangpiao", "args": {"taxpayer": "acme"}}},
    "then": [{"advance": "1d"},
             {"actor": "acme", "op": "login", "args": {"account": "11500000000000000001", "password": "000001"}}],
    "observe": {"diagnose": ["acme"]},
}


def exploration(**over):
    data = json.loads(json.dumps(BASE))
    data.update(over)
    return load_data(data, "t.yaml")


def names(space: Space, ex) -> list[list[str]]:
    return [[ex.names[e] for e in space.order_at(r)] for r in range(space.orders)]


# --- the space ------------------------------------------------------------------------------------

def test_the_space_is_orders_allowed_times_gaps():
    ev = {k: {"advance": "1m"} for k in ("a", "b", "c", "d")}
    ex = exploration(events=ev, order=[["a", "b"], ["a", "c"]], gaps=[0, "5m", "25m"])
    space = Space(ex)
    orders = names(space, ex)
    assert space.orders == 8 == len({tuple(o) for o in orders})            # 4! / 3 for a first ... with d anywhere
    assert all(o.index("a") < o.index("b") and o.index("a") < o.index("c") for o in orders)
    assert space.size == 8 * 3 ** 3
    runs = [space.run_at(i) for i in range(space.size)]
    assert len({(r.order, tuple(g.text for g in r.gaps)) for r in runs}) == space.size


def test_moved_counts_events_out_of_the_files_order():
    g = ()
    assert Run(0, (0, 1, 2, 3), g).moved() == 0
    assert Run(0, (1, 0, 2, 3), g).moved() == 1
    assert Run(0, (3, 0, 1, 2), g).moved() == 1          # only d moved, to the front
    assert Run(0, (3, 2, 1, 0), g).moved() == 3


def test_a_sample_is_seeded_distinct_and_says_so():
    ev = {k: {"advance": "1m"} for k in "abcdefg"}
    ex = exploration(events=ev, gaps=[0, "1m"])
    space = Space(ex)
    first, exhaustive = space.plan(50, seed=4)
    assert not exhaustive and len(set(first)) == 50 and space.size == 5040 * 64
    assert space.plan(50, seed=4) == (first, False)
    assert space.plan(50, seed=5)[0] != first
    assert space.plan(space.size, seed=0) == (list(range(space.size)), True)


# --- running ---------------------------------------------------------------------------------------

def test_classes_counts_and_smallest_examples(db):
    ex = exploration(gaps=[0, "25m"])
    out = explore(db, ex)
    assert (out["runs"], out["space"], out["exhaustive"]) == (4, 4, True)
    by_then = {tuple(c["outcome"]["then"]): c for c in out["classes"]}
    assert set(by_then) == {("ok", "ok"), ("ok", "NO_PURCHASE_INFO")}
    late = by_then[("ok", "NO_PURCHASE_INFO")]
    assert late["count"] == 2 and late["outcome"]["diagnose"] == {"acme": {"faq": "3.2", "code": "NO_PURCHASE_INFO"}}
    assert late["example"] == {"order": ["sell", "open"], "gaps": ["0"], "events": {"sell": "ok", "open": "ok"}}
    assert by_then[("ok", "ok")]["example"]["order"] == ["open", "sell"]
    assert by_then[("ok", "ok")]["example"]["gaps"] == ["0"]        # the smaller gap of the two runs
    assert out["classes"][0]["outcome"]["violations"] == []


def test_runs_leave_no_world_behind_and_start_from_the_setup_with_its_sessions(db):
    before = db.scalar(select(func.count()).select_from(World))
    ex = exploration(
        world=dict(BASE["world"], taxpayers=[dict(BASE["world"]["taxpayers"][0], enabled=True,
                                                  purchases=[{"code": "150001320410", "start": "00000001",
                                                              "end": "00000010"}])]),
        setup=[{"actor": "acme", "op": "login", "args": {"account": "11500000000000000001", "password": "000001"}}],
        events={"list": {"actor": "acme", "op": "list_purchases"}, "tick": {"advance": "1m"}},
        then=[{"actor": "acme", "op": "list_purchases"}], observe={"check": True})
    out = explore(db, ex)
    assert [c["outcome"]["then"] for c in out["classes"]] == [["ok"]]          # logged in, in every run
    assert out["classes"][0]["example"]["events"] == {"list": "ok", "tick": "ok"}
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(World)) == before


def test_a_sampled_exploration_reports_the_same_shape(db):
    ex = exploration(gaps=[0, "5m", "25m", "1h"])
    out = explore(db, ex, max_runs=3, seed=1)
    assert (out["runs"], out["space"], out["exhaustive"]) == (3, 8, False)
    assert sum(c["count"] for c in out["classes"]) == 3
    assert explore(db, ex, max_runs=3, seed=1) == out


def test_replay_builds_the_example_as_a_world(db):
    ex = exploration(gaps=[0, "25m"])
    out = explore(db, ex)
    late = next(c for c in out["classes"] if "NO_PURCHASE_INFO" in c["outcome"]["then"])
    world_id = replay(db, ex, late["example"])
    from backoffice.jinsan.models import Sale, Taxpayer
    tp = db.scalar(select(Taxpayer).where(Taxpayer.world_id == world_id, Taxpayer.ref == "acme"))
    sale = db.scalar(select(Sale).where(Sale.world_id == world_id))
    assert sale.seq < tp.enabled_seq                   # sold before enablement, as the example says


# --- the shipped explorations (CI runs them too: backoffice explore) ---------------------------------

SHIPPED = {
    # file: (space, {(then..., violations...): count})
    "sale_vs_enablement.yaml": (6, [3, 2, 1]),
    "industry_change_half_hour.yaml": (6, [3, 3]),
    "return_race.yaml": (12, [4, 4, 4]),
    "first_industries_nightly.yaml": (6, [3, 3]),
}


def test_every_shipped_exploration_is_listed_here():
    assert sorted(p.name for p in EXPLORATIONS.glob("*.yaml")) == sorted(SHIPPED)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_exploration_class_counts(db, name):
    out = explore(db, load_file(EXPLORATIONS / name))
    space, counts = SHIPPED[name]
    assert (out["space"], out["exhaustive"]) == (space, True)
    assert [c["count"] for c in out["classes"]] == counts


def test_the_return_race_class_names_the_violation_and_its_smallest_order(db):
    out = explore(db, load_file(EXPLORATIONS / "return_race.yaml"))
    raced = [c for c in out["classes"] if c["outcome"]["violations"] == ["issued_outside_holding"]]
    assert len(raced) == 1 and raced[0]["count"] == 4
    assert raced[0]["example"]["order"] == ["return", "issue_1", "issue_2"]
    assert raced[0]["example"]["gaps"] == ["0", "0"]
    refused = [c for c in out["classes"] if c["outcome"]["then"][0] == "RANGE_UNAVAILABLE"]
    assert refused[0]["example"]["events"]["return"] == "RANGE_IN_USE"


# --- the command ------------------------------------------------------------------------------------

def cli(app, *args):
    return app.test_cli_runner().invoke(main, list(args))


def test_cli_json_has_the_documented_shape(app, tmp_path):
    f = tmp_path / "e.yaml"
    f.write_text(yaml.safe_dump(dict(BASE, gaps=[0, "25m"]), allow_unicode=True), encoding="utf-8")
    r = cli(app, "explore", str(f), "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert {"runs", "space", "exhaustive", "classes"} <= set(out)
    cls = out["classes"][0]
    assert set(cls) == {"outcome", "count", "example"}
    assert set(cls["outcome"]) == {"then", "diagnose", "violations"}
    assert {"order", "gaps"} <= set(cls["example"])
    text = cli(app, "explore", str(f))
    assert text.exit_code == 0 and "4 runs of 4 (exhaustive), 2 outcome classes" in text.output
    assert "NO_PURCHASE_INFO" in text.output and "sell → open" in text.output


def test_cli_invalid_file_exits_2_naming_the_field(app, tmp_path):
    f = tmp_path / "bad.yaml"
    bad = dict(BASE, order=[["sell", "close"]])
    f.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    r = cli(app, "explore", str(f))
    assert r.exit_code == 2
    assert "order.0" in r.output and "no event 'close'" in r.output


def test_a_setup_that_does_not_hold_is_an_invalid_exploration(app, tmp_path):
    f = tmp_path / "bad.yaml"
    bad = dict(BASE, setup=[{"actor": "acme", "op": "login",
                             "args": {"account": "11500000000000000001", "password": "000001"}}])
    f.write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    r = cli(app, "explore", str(f))
    assert r.exit_code == 2 and "setup.1" in r.output and "INVOICER_NOT_FOUND" in r.output


def test_the_shipped_files_are_valid_documents(tmp_path):
    for p in EXPLORATIONS.glob("*.yaml"):
        assert load_file(p).events
    assert Path(EXPLORATIONS).is_dir()
