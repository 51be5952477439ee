"""The advance engine: order, same-instant ties, forward-only, idle time, work scheduled on the way."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import event, func, select

from backoffice.clock import Job, advance, fmt, next_events, register_work
from backoffice.dispatch import advance_clock
from backoffice.errors import OperationError
from backoffice.sync.models import JobRun, WorkItem

TZ = ZoneInfo("Asia/Shanghai")


def t(text: str) -> datetime:
    return datetime.fromisoformat(text + "+08:00")


class FakeJob:
    """A test job that has work at the given simulated times; a run takes every item due by then."""

    def __init__(self, name, priority, log, **cron):
        self.name, self.log, self.due, self.pending_calls = name, log, [], 0
        self.then = None   # then(session, world, at) after a run: lets a run create more work
        self.job = Job(name, priority, CronTrigger(timezone=TZ, **cron), self.pending, self.run)

    def pending(self, session, world, now):
        self.pending_calls += 1
        return min(self.due) if self.due else None

    def run(self, session, world, at):
        taken = [d for d in self.due if d <= at]
        self.due = [d for d in self.due if d > at]
        self.log.append((fmt(at)[11:16], self.name))
        if self.then:
            self.then(session, world, at)
        return len(taken)


@pytest.fixture
def log():
    return []


@pytest.fixture
def trio(log):
    return (FakeJob("t_nightly", 1, log, hour=2, minute=0), FakeJob("t_incremental", 2, log, minute="*/5"),
            FakeJob("t_industry", 3, log, minute="0,30"))


def _work(db, world, kind, due, n):
    db.add(WorkItem(world_id=world.id, kind=kind, due_at=due, payload={"n": n}, created_at=world.clock_now))
    db.commit()


def test_same_instant_runs_nightly_then_incremental_then_industry_then_work_in_creation_order(db, world, log, trio):
    nightly, inc, ind = trio
    register_work("t_work", lambda s, w, item, at: log.append((fmt(at)[11:16], f"work{item.payload['n']}")))
    _work(db, world, "t_work", t("2016-05-04T02:00:00"), 1)
    _work(db, world, "t_work", t("2016-05-04T02:00:00"), 2)
    nightly.due = [t("2016-05-03T12:00:00")]
    inc.due = [t("2016-05-04T01:56:00")]
    ind.due = [t("2016-05-04T01:31:00")]
    fired = advance(db, world, t("2016-05-04T02:00:00"), jobs=[ind.job, inc.job, nightly.job])
    assert log == [("02:00", "t_nightly"), ("02:00", "t_incremental"), ("02:00", "t_industry"),
                   ("02:00", "work1"), ("02:00", "work2")]
    assert [e["job"] for e in fired] == ["t_nightly", "t_incremental", "t_industry", "t_work", "t_work"]
    assert world.clock_now == t("2016-05-04T02:00:00")


def test_occurrences_fire_in_time_order_each_seeing_its_own_time(db, world, log, trio):
    _, inc, ind = trio
    seen = []
    inc.then = lambda s, w, at: seen.append((at, w.clock_now))
    inc.due = [t("2016-05-03T09:07:00"), t("2016-05-03T09:31:00")]
    ind.due = [t("2016-05-03T09:12:00")]
    advance(db, world, t("2016-05-03T12:00:00"), jobs=[inc.job, ind.job])
    assert log == [("09:10", "t_incremental"), ("09:30", "t_industry"), ("09:35", "t_incremental")]
    # the clock stands at the previous occurrence while a run works; the run is given its own time
    assert [a for a, _ in seen] == [t("2016-05-03T09:10:00"), t("2016-05-03T09:35:00")]
    assert all(now <= at for at, now in seen)


def test_work_due_exactly_at_the_start_is_not_redone_and_occurrences_at_the_start_do_not_fire(db, world, log, trio):
    _, inc, _ = trio
    inc.due = [t("2016-05-03T09:00:00")]       # the clock is at 09:00: the 09:00 run is in the past
    advance(db, world, t("2016-05-03T09:04:59"), jobs=[inc.job])
    assert log == []
    advance(db, world, t("2016-05-03T09:05:00"), jobs=[inc.job])
    assert log == [("09:05", "t_incremental")]


def test_the_clock_only_moves_forward(db, world):
    with pytest.raises(OperationError) as err:
        advance(db, world, t("2016-05-03T08:59:59"), jobs=[])
    assert err.value.code == "CLOCK_BACKWARDS"
    with pytest.raises(OperationError) as err:
        advance_clock(db, world.id, until="2016-05-03T08:00:00+08:00")
    assert err.value.code == "CLOCK_BACKWARDS"
    db.expire_all()
    assert world.clock_now == t("2016-05-03T09:00:00")


def test_a_run_that_creates_due_work_sees_it_done_in_the_same_advance(db, world, log, trio):
    nightly, inc, ind = trio
    register_work("t_followup", lambda s, w, item, at: log.append((fmt(at)[11:16], "followup")))

    def schedule_followup(session, w, at):
        session.add(WorkItem(world_id=w.id, kind="t_followup", due_at=at + timedelta(minutes=7), payload={},
                             created_at=at))
        ind.due.append(at)                 # and gives the industry job work at the same instant

    nightly.then = schedule_followup
    nightly.due = [t("2016-05-03T10:00:00")]
    inc.due = [t("2016-05-04T02:01:00")]
    advance(db, world, t("2016-05-04T03:00:00"), jobs=[nightly.job, inc.job, ind.job])
    assert log == [("02:00", "t_nightly"), ("02:00", "t_industry"), ("02:05", "t_incremental"),
                   ("02:07", "followup")]


def test_a_lower_priority_job_given_work_at_an_instant_runs_in_that_instant(db, world, log, trio):
    nightly, inc, _ = trio
    nightly.due = [t("2016-05-03T10:00:00")]
    nightly.then = lambda s, w, at: inc.due.append(at)       # an account appears; purchases wait for it
    advance(db, world, t("2016-05-04T02:00:00"), jobs=[nightly.job, inc.job])
    assert log == [("02:00", "t_nightly"), ("02:00", "t_incremental")]


def test_a_higher_priority_job_given_work_by_a_later_one_waits_for_its_next_occurrence(db, world, log, trio):
    nightly, inc, _ = trio
    ran = []
    nightly.then = lambda s, w, at: ran.append(at)
    inc.due = [t("2016-05-04T01:56:00")]
    inc.then = lambda s, w, at: nightly.due.append(at)
    advance(db, world, t("2016-05-05T03:00:00"), jobs=[nightly.job, inc.job])
    assert log == [("02:00", "t_incremental"), ("02:00", "t_nightly")]
    assert ran == [t("2016-05-05T02:00:00")]      # not 05-04 02:00: that occurrence had already passed


def test_a_recorded_occurrence_is_not_run_again(db, world, log, trio):
    _, inc, _ = trio
    db.add(JobRun(world_id=world.id, job="t_incremental", scheduled_for=t("2016-05-03T09:05:00"), items=1))
    db.commit()
    inc.due = [t("2016-05-03T09:01:00")]
    advance(db, world, t("2016-05-03T09:10:00"), jobs=[inc.job])
    assert log == [("09:10", "t_incremental")]


def test_idle_thirty_days_costs_a_handful_of_queries_and_leaves_no_record(app, db, world, log, trio):
    statements = []
    engine = app.extensions["backoffice.engine"]
    listener = lambda *a, **k: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        out = advance_clock(db, world.id, by="30d")        # the real sync jobs
        fake = advance(db, world, world.clock_now + timedelta(days=30), jobs=[j.job for j in trio])
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert out["events"] == [] and fake == [] and log == []
    assert all(j.pending_calls == 1 for j in trio)
    assert len(statements) < 40
    assert db.execute(select(func.count()).select_from(JobRun).where(JobRun.world_id == world.id)).scalar() == 0


def test_next_events_lists_what_fires_next(db, world, trio):
    nightly, inc, _ = trio
    nightly.due = [t("2016-05-03T09:00:00")]
    inc.due = [t("2016-05-03T09:21:00")]
    events = next_events(db, world, jobs=[nightly.job, inc.job])
    assert [(fmt(e[0]), e[2]) for e in events] == [("2016-05-03T09:25:00+08:00", "t_incremental"),
                                                   ("2016-05-04T02:00:00+08:00", "t_nightly")]
