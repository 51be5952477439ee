"""Exercise files: strict validation (path, field, reason, "did you mean"), the library's coverage of
FAQ 3.1–7, and ``backoffice exercise list|check``."""
from __future__ import annotations

from collections import defaultdict

import pytest

from backoffice.cli import main
from backoffice.training.exercise import ExerciseError, load_library, load_text
from training_support import EXERCISE, exercise_file


def bad(text: str) -> ExerciseError:
    with pytest.raises(ExerciseError) as exc:
        load_text(text, "ex.yaml")
    assert str(exc.value).startswith("ex.yaml: ")
    return exc.value


def edit(old: str, new: str) -> str:
    assert old in EXERCISE, old
    return EXERCISE.replace(old, new, 1)


@pytest.mark.parametrize("old, new, field, words", [
    ("title:", "titel:", "titel", "did you mean 'title'"),
    ("brief:\n", "breif:\n", "breif", "did you mean 'brief'"),
    ("{op: open_wangpiao, args: {taxpayer: acme}, label",
     "{op: open_wangpoiao, args: {taxpayer: acme}, label", "procedure.2.op", "did you mean 'open_wangpiao'"),
    ('op: sell_invoices, args: {taxpayer: acme, code: "150001320410"}}',
     'op: sell_invoices, args: {taxpayer: acme, cod: "150001320410"}}', "procedure.3.args.cod", "did you mean 'code'"),
    ("{actor: acme, op: login, args: {account: \"11500000000000000001\", password: \"000001\"}, expect: INVOICER",
     "{actor: acme, op: logn, args: {account: \"11500000000000000001\", password: \"000001\"}, expect: INVOICER",
     "setup.1.op", "did you mean 'login'"),
    ("plays: [h_zhang]", "plays: [h_zhan]", "plays.0", "did you mean 'h_zhang'"),
    ("  - {actor: acme, op: list_purchases, expect: {result: {count: 1}}}",
     "  - {actor: acme, op: list_purchases, expct: {result: {count: 1}}}", "goal.2.expct", "did you mean 'expect'"),
    ("  - {op: diagnose, args: {taxpayer: acme}, optional: true}",
     "  - {op: diagnose, args: {taxpayer: acmee}, optional: true}", "procedure.1.args.taxpayer", "acmee"),
    ('faq: "3.1"', "faq: 3.1", "faq", "quote it"),
    ("stars: 2", "stars: 6", "stars", "1 to 5"),
    ("  en: A new business", "  eng: A new business", "brief.eng", "did you mean 'en'"),
    ("    penalty: 10", "    penalty: ten", "forbidden.1.penalty", "whole number"),
    ("  - {zh: 先开通网票。, en: Enable 网票 first., cost: 10}", "  - {zh: 先开通网票。, en: Enable 网票 first.}",
     "hints.1.cost", "whole number"),
    ("time_limit: 1d", "time_limit: soon", "time_limit", "duration"),
    ("time_limit: 1d", "time_limit: 1d\nscoring: {goal: 70}", "scoring", "add up to 100"),
    ("  - {actor: h_zhang, op: open_wangpiao, args: {taxpayer: acme}}\n  - {actor: h_zhang, op: sell",
     "  - {actor: h_zhao, op: open_wangpiao, args: {taxpayer: acme}}\n  - {actor: h_zhang, op: sell",
     "solution.1.actor", "not an officer the trainee plays"),
    ("  - {op: diagnose, args: {taxpayer: acme}, optional: true}",
     "  - {op: approve_item, args: {item: 广告设计}}", "procedure.1", "needs one of the roles"),
    ("    setup:", "    setup:", None, None),
])
def test_a_bad_file_names_its_field_and_why(old, new, field, words):
    if field is None:
        assert load_text(EXERCISE, "ok.yaml").id == "t_not_enabled"
        return
    exc = bad(edit(old, new))
    assert exc.field == field, str(exc)
    assert words in exc.reason, str(exc)


def test_missing_keys_and_not_a_mapping():
    assert bad("just text").field is None
    assert bad(EXERCISE.replace("goal:", "goals:", 1)).field == "goals"
    exc = bad("\n".join(line for line in EXERCISE.splitlines() if not line.startswith("plays")))
    assert exc.field == "plays" and "missing" in exc.reason


def test_an_any_of_checkpoint_needs_two_steps_and_one_playable():
    one = edit("  - {op: diagnose, args: {taxpayer: acme}, optional: true}",
               "  - {any_of: [{op: open_wangpiao, args: {taxpayer: acme}}]}")
    assert bad(one).field == "procedure.1.any_of"
    ok = edit("  - {op: diagnose, args: {taxpayer: acme}, optional: true}",
              "  - {any_of: [{op: open_wangpiao, args: {taxpayer: acme}}, {op: approve_item, args: {item: x}}]}")
    assert load_text(ok, "ok.yaml").procedure[0].options[1].op == "approve_item"


def test_exercise_list_and_check_on_a_folder(app, tmp_path):
    exercise_file(tmp_path)
    unfair = EXERCISE.replace("id: t_not_enabled", "id: t_unfair").replace(
        '  - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}}\n'
        '  - {actor: acme, op: list_purchases, expect: {result: {count: 1}}}\n',
        '  - {actor: acme, op: login, args: {account: "11500000000000000001", password: "000001"}, '
        'expect: INVOICER_NOT_FOUND}\n')
    exercise_file(tmp_path, unfair, "t_unfair.yaml")
    wrong = EXERCISE.replace("id: t_not_enabled", "id: t_wrong").replace(
        "solution:\n  - {actor: h_zhang, op: open_wangpiao", "solution:\n  - {actor: h_zhang, op: reset_password")
    exercise_file(tmp_path, wrong, "t_wrong.yaml")
    exercise_file(tmp_path, EXERCISE.replace("title:", "titel:"), "t_bad.yaml")
    runner = app.test_cli_runner()
    r = runner.invoke(main, ["exercise", "list", "--dir", str(tmp_path)])
    assert r.exit_code == 1 and "t_not_enabled  3.1   ★★" in r.output and "t_bad.yaml: titel" in r.output
    r = runner.invoke(main, ["exercise", "check", str(tmp_path)])
    assert r.exit_code == 1
    assert "t_not_enabled.yaml  3.1  ★★     pass" in r.output
    assert "t_unfair.yaml: unfair: the goal is already met right after the setup" in r.output
    assert "t_wrong.yaml: the solution scores" in r.output and "checkpoints missed" in r.output
    assert "t_bad.yaml: invalid: titel: unknown key (did you mean 'title'?)" in r.output
    good = tmp_path / "good"
    good.mkdir()
    exercise_file(good)
    r = runner.invoke(main, ["exercise", "check", str(good)])
    assert r.exit_code == 0 and "1 of 1 exercises right and fair" in r.output


# --- the library ---------------------------------------------------------------------------------

FAQ_SECTIONS = ("3.1", "3.2", "3.3", "4.1", "4.2", "4.3", "4.4", "4.5", "4.6", "5.1", "5.2", "5.3", "6.1", "6.2", "7")


def test_the_library_validates_and_covers_every_faq_case():
    good, bad_files = load_library()
    assert bad_files == []
    by_faq = defaultdict(list)
    for ex in good:
        by_faq[ex.faq].append(ex)
        assert 1 <= ex.stars <= 5 and ex.title["zh"] and ex.title["en"] and ex.brief["zh"] and ex.brief["en"]
        assert ex.id in ex.path
    assert set(FAQ_SECTIONS) <= set(by_faq)

    def ops(section):
        return {o.op for ex in by_faq[section] for cp in ex.procedure for o in cp.options}

    def goals(section):
        return [{s.op for s in ex.goal} for ex in by_faq[section]]

    # each cause of 3.1: not enabled; account or password (former 地税 users, default, forgotten)
    assert {"open_wangpiao", "reset_password"} <= ops("3.1") and len(by_faq["3.1"]) >= 4
    # each cause of 3.2: not bought, not yet synced, sold before enablement (and the return-and-resell fallback)
    assert {"sell_invoices", "sync_info", "return_invoices"} <= ops("3.2") and len(by_faq["3.2"]) >= 4
    # both branches of 4.5; PC and device CA in 6.2
    assert {"assign_industries", "request_item", "approve_item"} <= ops("4.5")
    cas = {t["ca"] for ex in by_faq["6.2"] for t in ex.world["taxpayers"]}
    assert {"pc", "device"} <= cas
    # the tempting wrong moves the library forbids
    forbidden = {(f.match.op, ex.faq) for ex in good for f in ex.forbidden}
    assert ("return_invoices", "3.2") in forbidden and ("cancel_ca", "6.2") in forbidden
    assert ("assign_industries", "4.6") in forbidden
    assert all(goals(s) for s in FAQ_SECTIONS)


def test_briefs_tell_the_complaint_not_the_cause():
    good, _ = load_library()
    causes = ("开通前发售", "开通之前", "初始化密码", "附行业", "营改增标识", "重新制作", "残留", "有效号段", "手工")
    for ex in good:
        assert not any(c in ex.brief["zh"] for c in causes), (ex.id, ex.brief["zh"])
