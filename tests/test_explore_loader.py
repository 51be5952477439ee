"""Exploration files are validated whole before anything runs: path, field and reason."""
from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest

from backoffice.explore import loader
from backoffice.explore.loader import OBSERVE_KEYS, TOP_KEYS, ExplorationError, load_data, load_text
from backoffice.refusals import english_leaks
from test_explore_engine import BASE


def bad(**over):
    data = json.loads(json.dumps(BASE))
    for k, v in over.items():
        if v is None:
            data.pop(k, None)
        else:
            data[k] = v
    with pytest.raises(ExplorationError) as err:
        load_data(data, "e.yaml")
    return err.value


BAD_FILES = [
    ({"colour": 1}, "colour", "unknown key"),
    ({"name": None}, "name", "needs a name"),
    ({"events": {}}, "events", "mapping of names"),
    ({"events": {"a b": {"advance": "1m"}}}, "events", "letters, digits"),
    ({"events": {k: {"advance": "1m"} for k in "abcdefghijklm"}}, "events", "at most 12"),
    ({"events": {"sell": {"actor": "h_zhang", "op": "sell_invoice", "args": {}}}}, "events.sell.op", "did you mean"),
    ({"events": {"sell": {"actor": "h_zhang", "op": "sell_invoices",
                          "args": {"taxpayer": "acme", "code": "150001320410", "start": 1, "end": "00000050"}}}},
     "events.sell.args.start", "quote it"),
    ({"events": {"sell": {"actor": "h_zhang", "op": "open_wangpiao", "args": {"taxpayer": "acme"}, "expect": "ok"}}},
     "events.sell.expect", "setup steps only"),
    ({"events": {"f": {"fault": {"channel": "nightly", "kind": "fail", "for": 5}}}}, "events.f.fault.for", "unit"),
    ({"order": [["sell"]]}, "order.0", "pair"),
    ({"order": [["sell", "open"], ["open", "sell"]]}, "order", "cycle"),
    ({"order": [["sell", "sell"]]}, "order.0", "itself"),
    ({"gaps": []}, "gaps", "non-empty"),
    ({"gaps": [0, 25]}, "gaps.1", "unit"),
    ({"gaps": ["5m", "300s"]}, "gaps.1", "twice"),
    ({"gaps": ["5 minutes"]}, "gaps.0", "duration"),
    ({"then": [{"actor": "acme", "op": "login", "args": {}, "expect": "NO_PURCHASE_INFO"}]}, "then.1.expect", "setup"),
    ({"then": "login"}, "then", "list"),
    ({"setup": [{"advance": 20}]}, "setup.1.advance", "unit"),
    ({"observe": {"diagnose": ["nobody"]}}, "observe.diagnose.0", "no taxpayer"),
    ({"observe": {"check": "yes"}}, "observe.check", "true or false"),
    ({"observe": {"watch": True}}, "observe.watch", "unknown key"),
    ({"world": {"start": "yesterday"}}, "world.start", ""),
]


@pytest.mark.parametrize("over, field, words", BAD_FILES)
def test_bad_files_name_the_field(over, field, words):
    err = bad(**over)
    assert (err.path, err.field) == ("e.yaml", field)
    assert words in err.reason
    assert str(err).startswith(f"e.yaml: {field}: ")


def test_duplicate_keys_and_bad_yaml_are_refused():
    with pytest.raises(ExplorationError) as err:
        load_text("name: a\nname: b\n", "d.yaml")
    assert "twice" in err.value.reason
    with pytest.raises(ExplorationError):
        load_text("name: [", "d.yaml")


def test_defaults_and_the_integer_zero_gap():
    ex = load_data(dict(json.loads(json.dumps(BASE)), gaps=[0, "25m"]), "e.yaml")
    assert [g.text for g in ex.gaps] == ["0", "25m"] and ex.order == [] and ex.setup == []
    plain = load_data({k: v for k, v in json.loads(json.dumps(BASE)).items() if k not in ("then", "observe")}, "e")
    assert [g.text for g in plain.gaps] == ["0"] and plain.then == [] and plain.check is False


FORMAT_WORDS = TOP_KEYS | OBSERVE_KEYS | {"true", "false", "expect", "advance", "fault", "actor", "args", "op"}


def english_left(zh: str, data) -> list[str]:
    """English words of the Chinese reason beyond the file's own words, format keys and codes."""
    own = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", json.dumps(data, ensure_ascii=False)))
    return english_leaks(zh, own | FORMAT_WORDS)


@pytest.mark.parametrize("over, field, words", BAD_FILES)
def test_bad_files_say_why_in_chinese_too(over, field, words):
    """The 探索 page shows the reason in the page's language: a Chinese reason, not the English one."""
    err = bad(**over)
    assert err.reason_zh and re.search(r"[\u4e00-\u9fff]", err.reason_zh), err.reason
    data = dict(json.loads(json.dumps(BASE)), **{k: v for k, v in over.items() if v is not None})
    assert english_left(err.reason_zh, data) == [], err.reason_zh


def test_every_refusal_in_the_loader_has_its_chinese():
    """A new English-only refusal fails here: every _fail call passes the Chinese (or a wrapped one's)."""
    tree = ast.parse(Path(loader.__file__).read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "_fail"]
    assert len(calls) > 25
    for call in calls:
        assert len(call.args) == 4, f"line {call.lineno}: _fail without its Chinese"
    raises = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "ExplorationError"]
    for call in raises:
        assert any(k.arg == "reason_zh" for k in call.keywords), f"line {call.lineno}"
