"""Every refusal of the scenario loader says it in Chinese too: ``ScenarioError.reason_zh``.

The users are Chinese tax officers and a Chinese page shows no English, so each broken scenario
below must come back with a ``reason_zh`` that holds Chinese and no English word — only literal
YAML keys (``steps``, ``expect`` …), failure codes, operation names and refs, file names and what
the file itself wrote. A second test reads the loader's source so that a future English-only
``raise ScenarioError(…)`` fails the suite even if no table row provokes it.
"""
from __future__ import annotations

import ast
import re
import textwrap
from pathlib import Path

import pytest

from backoffice import seed
from backoffice.refusals import english_leaks
from backoffice.scenarios import loader
from backoffice.scenarios.loader import ScenarioError, load_file, load_text
from backoffice.sync.faults import CHANNELS, FAULT_KEYS, KINDS
from test_scenarios import HEAD   # the smallest valid world: one specialist, one taxpayer

STEP = "- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}"


def doc(steps: str = STEP, head: str = HEAD) -> str:
    return head + textwrap.indent(textwrap.dedent(steps).strip() + "\n", "  ")


def head(old: str, new: str) -> str:
    assert old in HEAD
    return doc(head=HEAD.replace(old, new, 1))


# What a Chinese reason may name in Latin letters besides what the file wrote: the loader's literal
# YAML keys and values (fault channels and kinds too). english_leaks already lets codes (UPPER_SNAKE),
# snake_case names, tokens with digits, quoted input and technical names (ISO, FAQ, YAML) through.
LITERALS = set(loader.TOP_KEYS) | set(loader.OP_KEYS) | set(FAULT_KEYS) | set(CHANNELS) | set(KINDS) | {
    "advance", "fault", "ok", "error", "result", "ref", "login", "start"}
_FILE_NAME = re.compile(r"[\w./-]+\.ya?ml\b")        # seed_data/failures.yaml
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def leaks(message: str, text: str, fld: str | None) -> list[str]:
    """English words in ``message`` that are neither literal keys, identifiers the input wrote, the
    field's own name, nor code-like tokens."""
    allowed = LITERALS | set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text)) | set((fld or "").split("."))
    return english_leaks(_FILE_NAME.sub(" ", message), allowed)


def assert_chinese(exc: ScenarioError, text: str) -> None:
    zh = exc.reason_zh
    assert zh and zh.strip(), f"no reason_zh for {exc}"
    assert _CJK.search(zh), f"reason_zh has no Chinese: {zh!r}"
    assert zh != exc.reason
    assert not leaks(zh, text, exc.field), f"English in reason_zh {zh!r}: {leaks(zh, text, exc.field)}"
    # the check bites: the English reason itself would have been refused as a Chinese one
    assert leaks(exc.reason, text, exc.field), f"the check cannot tell {exc.reason!r} from Chinese"


CASES = [
    # the document as a whole
    ("not a mapping", "- just\n- a list\n", None, None, "a scenario is a mapping"),
    ("not valid YAML", "name: [unclosed\nsteps: ", None, None, "not valid YAML (line"),
    ("YAML alias", doc().replace("start: 2016", "start: &t 2016") + "# *t\nfaq2: *t\n", None, None, "anchors"),
    ("unknown top-level key", doc() + "author: 张三\n", None, "author", "unknown key (allowed:"),
    ("missing name", doc().split("\n", 1)[1], None, "name", "needs a name"),
    ("faq as a number", head('faq: "3.2"', "faq: 3.2"), None, "faq", "quote it"),
    ("faq not a section", head('faq: "3.2"', 'faq: "三点二"'), None, "faq", "FAQ section"),
    ("description not text", head("faq:", "description: 5\nfaq:"), None, "description", "a text"),
    # the world block
    ("world not a mapping", doc(head='name: 测试场景\nworld: 2016\nsteps:\n'), None, "world", "world block"),
    ("world without start", doc(STEP, 'name: 测试场景\nworld: {officers: []}\nsteps:\n'), None, "world.start",
     "required"),
    ("world number unquoted", head('"11500000000000000001"', "11500000000000000001"), None,
     "world.taxpayers.0.registration_no", "quote it"),
    ("officer in base data", head("login: h_zhang", "login: zhang_wei"), None, "world.officers.0.login",
     "already in the base data"),
    ("industry in base data", head("  taxpayers:", '  industries: [{code: "4700", name: 某行业}]\n  taxpayers:'),
     None, "world.industries.0.code", "already in the base data"),
    ("taxpayer ref twice", head("      specialist: h_zhang\n", "      specialist: h_zhang\n"
                                "    - {ref: acme, kind: unit, name: 某公司, tax_id: \"91500000MA5U0A0A2M\",\n"
                                "       registration_no: \"11500000000000000002\"}\n"),
     None, "world.taxpayers.1.ref", "given twice"),
    ("unknown specialist", head("specialist: h_zhang", "specialist: h_li"), None, "world.taxpayers.0.specialist",
     "no officer"),
    ("unknown industry of a taxpayer", head("      specialist: h_zhang\n",
                                            "      specialist: h_zhang\n      industries: {main: \"9999\"}\n"),
     None, "world.taxpayers.0.industries.main", "no industry"),
    ("steps empty", HEAD + "  []\n", None, "steps", "non-empty list"),
    ("too many steps", HEAD + "  - {advance: 1m}\n" * 2001, None, "steps", "at most 2000"),
    # a step's shape
    ("step not a mapping", doc("- open the 网票"), 1, None, "a step is a mapping"),
    ("advance with other keys", doc("- {advance: 20m, op: open_wangpiao}"), 1, "op", "no other keys"),
    ("unknown step key", doc("- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}, note: 备注}"), 1, "note",
     "unknown key (a step has"),
    ("no actor", doc("- {op: open_wangpiao, args: {taxpayer: acme}}"), 1, "actor", "who performs"),
    ("no op", doc("- {actor: h_zhang, args: {taxpayer: acme}}"), 1, "op", "the operation's name"),
    ("unknown op, close", doc("- {actor: h_zhang, op: sell_invoice, args: {taxpayer: acme}}"), 1, "op",
     "did you mean 'sell_invoices'"),
    ("unknown op, far", doc("- {actor: h_zhang, op: zzqqxx, args: {taxpayer: acme}}"), 1, "op", "unknown operation"),
    ("args not a mapping", doc("- {actor: h_zhang, op: open_wangpiao, args: [acme]}"), 1, "args", "args is a mapping"),
    # arguments against the operation's model, and the names they use
    ("argument missing", doc("- {actor: h_zhang, op: open_wangpiao, args: {}}"), 1, "args.taxpayer", ""),
    ("unknown argument", doc("- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme, extra: 1}}"), 1,
     "args.extra", "Extra inputs"),
    ("argument number unquoted", doc('- {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, '
                                     'code: "150001320410", start: 00000010, end: "00000020"}}'),
     1, "args.start", "quote it"),
    ("argument rule", doc('- {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", '
                          'start: "00000020", end: "00000010"}}'), 1, "args.end", "start is after its end"),
    ("unknown taxpayer ref", doc("- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acmee}}"), 1,
     "args.taxpayer", "no taxpayer 'acmee'"),
    ("unknown industry", doc('- {actor: h_zhang, op: assign_industries, args: {taxpayer: acme, main: "7240", '
                             'secondary: ["7292", "9999"]}}'), 1, "args.secondary.1", "no industry '9999'"),
    # who performs it
    ("金三 op by a taxpayer", doc("- {actor: acme, op: open_wangpiao, args: {taxpayer: acme}}"), 1, "actor",
     "is a taxpayer"),
    ("金三 op by a stranger", doc("- {actor: h_nobody, op: open_wangpiao, args: {taxpayer: acme}}"), 1, "actor",
     "not an officer"),
    ("网票 op by a stranger", doc('- {actor: ghost, op: login, args: {account: "1", password: "1"}}'), 1, "actor",
     "not a taxpayer"),
    # expectations
    ("expect two keys", doc("- {actor: h_zhang, op: diagnose, args: {taxpayer: acme}, "
                            "expect: {result: {faq: \"3.2\"}, error: FORBIDDEN}}"), 1, "expect", "{error: CODE}"),
    ("expect a list", doc("- {actor: h_zhang, op: diagnose, args: {taxpayer: acme}, expect: [ok]}"), 1, "expect",
     "expect is ok"),
    ("expect error not text", doc("- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}, expect: {error: 5}}"),
     1, "expect.error", "a failure code such as"),
    ("expect empty result", doc("- {actor: h_zhang, op: diagnose, args: {taxpayer: acme}, expect: {result: {}}}"),
     1, "expect.result", "the keys and values"),
    ("expect unknown code", doc("- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}, expect: NO_PURCHASE}"),
     1, "expect", "did you mean NO_PURCHASE_INFO"),
    ("expect unknown code, far", doc("- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}, "
                                     "expect: {error: QQQQ}}"), 1, "expect.error", "is not a failure code"),
    # advancing the clock
    ("advance a bare number", doc("- {advance: 20}"), 1, "advance", "with its unit"),
    ("advance bad duration", doc("- {advance: 20x}"), 1, "advance", ""),
    ("advance a list", doc("- {advance: [20m]}"), 1, "advance", "advance takes a duration"),
    ("advance unknown key", doc("- {advance: {until: 2016-05-04T02:00:00+08:00, by: 1h}}"), 1, "advance.by",
     "advance takes a duration"),
    ("advance until a date", doc("- {advance: {until: 2016-05-04}}"), 1, "advance.until", "hours, minutes and offset"),
    ("advance until not a time", doc('- {advance: {until: "tomorrow"}}'), 1, "advance.until", "ISO 8601"),
    # faults
    ("fault with other keys", doc("- {fault: clear, actor: h_zhang}"), 1, "actor", "a fault step has no other keys"),
    ("fault bad kind", doc("- {fault: {channel: incremental, kind: explode}}"), 1, "fault.kind", "fail or delay"),
    ("fault delay without by", doc("- {fault: {channel: incremental, kind: delay, for: 1h}}"), 1, "fault.by",
     "by how much"),
]


@pytest.mark.parametrize("text, step, fld, english", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_every_refusal_has_a_chinese_reason(text, step, fld, english):
    with pytest.raises(ScenarioError) as err:
        load_text(text, "bad.yaml")
    exc = err.value
    assert (exc.step, exc.field) == (step, fld), exc      # the raise site the row means
    assert english in exc.reason                          # and the English is as it was
    assert_chinese(exc, text)


def test_values_are_named_in_chinese_as_in_english():
    with pytest.raises(ScenarioError) as err:
        load_text(doc("- {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acmee}}"))
    assert "'acmee'" in err.value.reason_zh and "acme" in err.value.reason_zh.replace("'acmee'", "")
    with pytest.raises(ScenarioError) as err:
        load_text(doc("- {actor: h_zhang, op: sell_invoice, args: {taxpayer: acme}}"))
    assert "'sell_invoices'" in err.value.reason_zh
    with pytest.raises(ScenarioError) as err:
        load_text("name: [unclosed\nsteps: ")
    assert "第 2 行" in err.value.reason_zh
    with pytest.raises(ScenarioError) as err:
        load_text(doc('- {actor: h_zhang, op: sell_invoices, args: {taxpayer: acme, code: "150001320410", '
                      'start: 00000010, end: "00000020"}}'))
    assert err.value.reason_zh.startswith("8 ")           # YAML read 00000010 as 8: the reason names it


def test_unreadable_file_and_broken_base_data_say_it_in_chinese(tmp_path, monkeypatch):
    for path in (tmp_path / "missing.yaml", tmp_path):
        with pytest.raises(ScenarioError) as err:
            load_file(path)
        assert "cannot read the file" in err.value.reason
        assert_chinese(err.value, str(path))

    def broken(*args, **kwargs):
        raise seed.SeedError("seed_data/base/officers.yaml: officers.0.office: no office 'x'")
    monkeypatch.setattr(seed, "load_base", broken)
    with pytest.raises(ScenarioError) as err:
        load_text(doc())
    assert err.value.field == "world.base"
    assert_chinese(err.value, doc())


# --- the source: no English-only raise can come back unnoticed ---------------------------------------

def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def test_every_scenario_error_in_the_loader_passes_reason_zh():
    tree = ast.parse(Path(loader.__file__).read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and _name(n.func) == "ScenarioError"]
    assert len(calls) >= 40
    english: set[int] = set()
    for call in calls:
        where = f"loader.py line {call.lineno}"
        kw = {k.arg: k.value for k in call.keywords}
        assert "reason_zh" in kw, f"{where}: ScenarioError without reason_zh"
        zh = kw["reason_zh"]
        assert not (isinstance(zh, ast.Constant) and not zh.value), f"{where}: empty reason_zh"
        assert len(call.args) == 2, f"{where}: ScenarioError(path, reason, …) expected"
        assert ast.dump(zh) != ast.dump(call.args[1]), f"{where}: reason_zh is the English reason"
        english.add(id(call.args[1]))
    # Every raise builds its ScenarioError right there (no helper that could leave Chinese out) …
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and node.exc is not None:
            assert isinstance(node.exc, ast.Call) and _name(node.exc.func) == "ScenarioError", \
                f"loader.py line {node.lineno}: raise through a helper: give it a zh argument and check it here"
    # … and a helper that words a reason in either language is asked for Chinese outside the English slot.
    helpers = {f.name for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)
               and "zh" in [a.arg for a in f.args.args + f.args.kwonlyargs]}
    assert "_quote_it" in helpers
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) in helpers:
            asks_zh = any(k.arg == "zh" and not (isinstance(k.value, ast.Constant) and not k.value.value)
                          for k in node.keywords) or len(node.args) > 1
            assert asks_zh == (id(node) not in english), f"loader.py line {node.lineno}: zh= on {_name(node.func)}"
