"""Grading through ``backoffice exercise try``: right, wrong-order, forbidden and unmet answers, hints,
time, refused steps, the rules of an attempt world, and grading as a pure function of the attempt."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from backoffice.audit.models import AuditEntry
from backoffice.cli import main
from backoffice.dispatch import advance_clock, execute
from backoffice.errors import OperationError
from backoffice.training import attempts
from backoffice.training.checks import try_answer
from backoffice.training.exercise import load_text, read_answer
from backoffice.training.models import Attempt
from backoffice.worlds.models import World
from training_support import DIAGNOSE, EXERCISE, NIGHT, OPEN, RESET, SELL, SYNC, answer, exercise_file


def try_cli(app, tmp_path, steps: str, *extra: str) -> dict:
    ex = exercise_file(tmp_path)
    ans = tmp_path / "answer.yaml"
    ans.write_text(steps, encoding="utf-8")
    r = app.test_cli_runner().invoke(main, ["exercise", "try", str(ex), "--answer", str(ans), "--json", *extra])
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def checkpoint(result: dict, n: int) -> dict:
    return next(c for c in result["procedure"]["checkpoints"] if c["n"] == n)


def test_the_right_answer_scores_100(app, tmp_path):
    r = try_cli(app, tmp_path, answer(OPEN, SELL, NIGHT))
    assert r["exercise"] == "t_not_enabled"
    assert (r["score"], r["passed"]) == (100, True)
    assert r["goal"] == {"met": True, "points": 60, "max": 60, "steps": r["goal"]["steps"]}
    assert [s["ok"] for s in r["goal"]["steps"]] == [True, True]
    assert r["goal"]["steps"][0]["outcome"] == "ok" and r["goal"]["steps"][0]["step"] == 1
    assert r["procedure"]["points"] == 30
    assert checkpoint(r, 2)["done"] and checkpoint(r, 2)["at"] == "2016-05-03T09:00:00+08:00"
    assert checkpoint(r, 3)["done"] and checkpoint(r, 3)["op"] == "sell_invoices"
    assert not checkpoint(r, 1)["done"] and checkpoint(r, 1)["optional"]   # optional: no points lost
    assert r["forbidden"] == [] and r["hints_used"] == 0 and r["hint_points"] == 0
    assert r["time"]["used"] == "17h" and r["time"]["points"] == 10
    assert r["solution"][0] == {"actor": "h_zhang", "op": "open_wangpiao", "args": {"taxpayer": "acme"}}


def test_steps_out_of_order_earn_only_the_ordered_ones(app, tmp_path):
    # sold before enabling: the goal is still reached (同步信息 waits for the account), the order is not
    r = try_cli(app, tmp_path, answer(SELL, OPEN, SYNC, NIGHT))
    assert r["goal"]["met"]
    assert checkpoint(r, 2)["done"]
    sell = checkpoint(r, 3)
    assert not sell["done"] and sell["at"] is None
    assert sell["out_of_order_at"] == "2016-05-03T09:00:00+08:00"
    assert r["procedure"]["points"] == 15        # one of two non-optional checkpoints, rounded half up
    assert r["score"] == 60 + 15 + 10 and r["passed"]


def test_a_forbidden_move_costs_its_penalty_once(app, tmp_path):
    r = try_cli(app, tmp_path, answer(OPEN, RESET, RESET, SELL, NIGHT))
    assert r["forbidden"] == [{"op": "reset_password", "args": {"taxpayer": "acme"},
                               "at": "2016-05-03T09:00:00+08:00", "penalty": 10, "why": "账号还不存在",
                               "why_en": "There is no account yet", "step": 2, "entry": 1}]
    assert r["score"] == 90
    wrong = [s for s in r["steps"] if s["wrong"]]
    assert [s["n"] for s in wrong] == [2] and wrong[0]["why"]["zh"] == "账号还不存在"


def test_an_unmet_goal_earns_no_goal_or_time_points(app, tmp_path):
    r = try_cli(app, tmp_path, answer(OPEN, NIGHT))
    assert not r["goal"]["met"] and r["goal"]["points"] == 0
    assert [(s["ok"], s["outcome"]) for s in r["goal"]["steps"]] == [(False, "NO_PURCHASE_INFO"), (False, "not run")]
    assert r["time"]["points"] == 0
    assert r["procedure"]["points"] == 15 and r["score"] == 15 and not r["passed"]


def test_nothing_done_is_not_a_pass(app, tmp_path):
    r = try_cli(app, tmp_path, answer())
    assert not r["goal"]["met"] and r["goal"]["steps"][0]["outcome"] == "INVOICER_NOT_FOUND"
    assert r["goal"]["steps"][1] == {"step": 2, "ok": False, "outcome": "not run", "actor": "acme",
                                     "op": "list_purchases", "expected": {"result": {"count": 1}}}
    assert r["score"] == 0 and not r["passed"] and r["steps"] == []


def test_hints_and_time_cost_points(app, tmp_path):
    r = try_cli(app, tmp_path, answer(OPEN, SELL, NIGHT), "--hints", "2")
    assert (r["hints_used"], r["hint_points"], r["score"]) == (2, 25, 75)
    late = answer(OPEN, SELL, '  - {advance: 2d}\n')
    r = try_cli(app, tmp_path, late)
    assert r["goal"]["met"] and r["time"] == {"used": "2d", "seconds": 172800, "points": 0, "max": 10,
                                              "limit": "1d", "within": False}
    assert r["score"] == 90


def test_refused_steps_are_listed_and_cost_nothing(app, tmp_path):
    steps = answer(DIAGNOSE,                                                         # exam: FORBIDDEN
                   '  - {actor: zhang_wei, op: open_wangpiao, args: {taxpayer: acme}}\n',   # not played
                   '  - {actor: h_zhao, op: approve_item, args: {item: 广告设计, industry: "7240"}}\n',
                   OPEN, SELL, NIGHT)
    r = try_cli(app, tmp_path, steps)
    assert r["score"] == 100
    failed = {f["op"]: f for f in r["failed"]}
    assert failed["diagnose"]["error"] == "FORBIDDEN" and failed["diagnose"]["field"] == "op"
    assert failed["open_wangpiao"]["error"] == "FORBIDDEN" and failed["open_wangpiao"]["field"] == "actor"
    assert failed["approve_item"]["error"] == "FORBIDDEN" and failed["approve_item"]["field"] == "actor"
    why = {s["op"]: s["why"] for s in r["steps"] if not s["ok"]}
    assert why["diagnose"]["zh"] == "考试模式下不能使用诊断器"
    assert "h_zhang" in why["open_wangpiao"]["zh"] and "h_zhang" in why["open_wangpiao"]["en"]


def test_practice_opens_the_diagnoser(app, tmp_path):
    r = try_cli(app, tmp_path, answer(DIAGNOSE, OPEN, SELL, NIGHT), "--mode", "practice")
    assert checkpoint(r, 1)["done"] and r["score"] == 100 and r["mode"] == "practice"


def test_the_human_output_names_what_fell_short(app, tmp_path):
    ex = exercise_file(tmp_path)
    ans = tmp_path / "a.yaml"
    ans.write_text(answer(SELL, OPEN, RESET, SYNC, NIGHT), encoding="utf-8")
    r = app.test_cli_runner().invoke(main, ["exercise", "try", str(ex), "--answer", str(ans), "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "score 75/100" in r.output and "out of order" in r.output and "forbidden reset_password" in r.output


def test_a_bad_answer_file_is_refused_before_anything_runs(app, tmp_path):
    ex = exercise_file(tmp_path)
    ans = tmp_path / "a.yaml"
    ans.write_text("steps:\n  - {actor: h_zhang, op: open_wangpoiao, args: {taxpayer: acme}}\n", encoding="utf-8")
    r = app.test_cli_runner().invoke(main, ["exercise", "try", str(ex), "--answer", str(ans)])
    assert r.exit_code == 2
    assert "steps.1.op" in r.output and "did you mean 'open_wangpiao'" in r.output


# --- the attempt world ---------------------------------------------------------------------------

@pytest.fixture
def attempt(db):
    """An open exam attempt (no trainee) at the tests' exercise."""
    ex = load_text(EXERCISE, "t.yaml")
    assignment = attempts.new_assignment(db, ex, mode="exam")
    (a,) = attempts.start_attempts(db, assignment, [None])
    db.commit()
    return a


def audit_count(db, world_id: int) -> int:
    return db.execute(select(func.count()).select_from(AuditEntry).where(AuditEntry.world_id == world_id)).scalar()


def test_an_attempt_starts_after_setup_and_never_shows_it(db, attempt):
    world = db.get(World, attempt.attempt_world_id)
    assert audit_count(db, world.id) == 0          # setup's login attempt is not in the attempt's history
    assert world.owner_id is None and not world.is_template
    prepared = db.execute(select(World).where(World.key.like("exercise:t_not_enabled:%"))).scalar_one()
    assert prepared.is_template and attempt.start_sim == prepared.clock_now


def test_one_prepared_world_serves_every_attempt(db):
    ex = load_text(EXERCISE, "t.yaml")
    before = db.execute(select(func.count()).select_from(World)).scalar()
    a1 = attempts.new_assignment(db, ex, mode="practice")
    a2 = attempts.new_assignment(db, ex, mode="exam")
    assert a1.prepared_world_id == a2.prepared_world_id
    made = attempts.start_attempts(db, a1, [None, None, None])
    db.commit()
    assert len({m.attempt_world_id for m in made}) == 3
    assert db.execute(select(func.count()).select_from(World)).scalar() - before in (3, 4)


def test_submitted_is_read_only_and_grading_is_pure(db, attempt):
    w = attempt.attempt_world_id
    execute(db, w, "h_zhang", "open_wangpiao", {"taxpayer": "acme"})
    execute(db, w, "h_zhang", "sell_invoices", {"taxpayer": "acme", "code": "150001320410",
                                                 "start": "00000001", "end": "00000100"})
    advance_clock(db, w, until="2016-05-04T02:00:00+08:00")
    first = attempts.submit(db, attempt.id)
    assert first["score"] == 100
    worlds_before = db.execute(select(func.count()).select_from(World)).scalar()
    clock_before = db.get(World, w).clock_now

    for call in (lambda: execute(db, w, "h_zhang", "sync_info", {"taxpayer": "acme"}),
                 lambda: execute(db, w, "acme", "login", {"account": "11500000000000000001", "password": "000001"}),
                 lambda: advance_clock(db, w, by="1h")):
        with pytest.raises(OperationError) as exc:
            call()
        db.rollback()
        assert exc.value.code == "ATTEMPT_SUBMITTED"
        assert exc.value.message_zh.startswith("该练习已提交") and "read-only" in exc.value.message_en

    audit_after_refusals = audit_count(db, w)
    again = attempts.regrade(db, db.get(Attempt, attempt.id))
    assert again == first                                       # the same result …
    assert attempts.submit(db, attempt.id) == first             # … and submitting again changes nothing
    assert audit_count(db, w) == audit_after_refusals           # grading wrote nothing into the attempt
    assert db.get(World, w).clock_now == clock_before
    assert db.execute(select(func.count()).select_from(World)).scalar() == worlds_before   # the fork is gone
    assert [s["op"] for s in again["steps"]] == ["open_wangpiao", "sell_invoices", "advance"]


def test_exam_refuses_the_diagnoser_through_dispatch(db, attempt):
    with pytest.raises(OperationError) as exc:
        execute(db, attempt.attempt_world_id, "h_zhang", "diagnose", {"taxpayer": "acme"})
    assert exc.value.code == "FORBIDDEN" and exc.value.field == "op"


def test_only_played_officers_act_taxpayers_are_free(db, attempt):
    w = attempt.attempt_world_id
    with pytest.raises(OperationError) as exc:
        execute(db, w, "zhou_hong", "open_wangpiao", {"taxpayer": "acme"})   # an instructor officer, not played
    assert exc.value.code == "FORBIDDEN" and exc.value.field == "actor"
    db.rollback()
    with pytest.raises(OperationError) as exc:
        execute(db, w, "acme", "login", {"account": "11500000000000000001", "password": "000001"})
    assert exc.value.code == "INVOICER_NOT_FOUND"                            # the taxpayer acts: the 网票 answers


def test_the_deadline_closes_an_open_attempt(db, attempt):
    from datetime import datetime, timezone
    from backoffice.training.models import Assignment
    a = db.get(Assignment, attempt.assignment_id)
    a.deadline = datetime(2016, 1, 1, tzinfo=timezone.utc)
    db.commit()
    with pytest.raises(OperationError) as exc:
        execute(db, attempt.attempt_world_id, "h_zhang", "open_wangpiao", {"taxpayer": "acme"})
    assert exc.value.code == "ATTEMPT_DEADLINE_PASSED"
    db.rollback()
    assert attempts.submit(db, attempt.id)["score"] == 0      # submitting still grades what was done


def test_read_answer_uses_the_exercise_world():
    ex = load_text(EXERCISE, "t.yaml")
    steps = read_answer(answer(OPEN, NIGHT), "a.yaml", ex)
    assert [s.op for s in steps] == ["open_wangpiao", None]


def test_try_answer_returns_rows_for_each_step(db):
    ex = load_text(EXERCISE, "t.yaml")
    tried = try_answer(db, ex, read_answer(answer(RESET, OPEN), "a.yaml", ex))
    assert [r["ok"] for r in tried.rows] == [True, True]
    assert tried.result["forbidden"][0]["op"] == "reset_password"
