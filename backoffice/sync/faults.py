"""Injected faults: a sync channel that fails, or runs late, for a while (QA's fault injection).

A fault is world state (table ``sync_faults``, copied by forks): one channel — ``incremental``,
``industry``, ``nightly``, ``sync_info``, ``ca_cancel`` or ``upload`` — is faulty from the moment
it is injected until ``for``/``until`` runs out or ``{fault: clear}`` ends it (a fault with
neither lasts until cleared). A new fault on a channel replaces the one active on it. A run at
the very instant a fault ends is healthy.

What each kind does (docs/explorations.md tells users the same):

- ``fail`` on a scheduled channel (incremental, industry, nightly): every run that has something
  to move fails before moving anything and is recorded as a failed job run with its reason.
  Nothing is lost: the channel's first run after the fault moves it, exactly once.
- ``delay`` on a scheduled channel: every run due during the fault takes place ``by`` later
  (recorded as delayed, then as done when it ran). The late incremental run carries only what was
  ready at its scheduled time, so each purchase, return, limit and reset reaches 网票 exactly
  ``by`` late; the late nightly and industry runs work over 金三 as it is when they run, as a late
  batch job does.
- ``sync_info`` (同步信息): under ``fail`` refused with SYNC_FAILED, leaving nothing pending
  (FAQ 3.2 "如果没有成功" → return and sell again); under ``delay`` accepted, and the push reaches
  网票 ``by`` later.
- ``ca_cancel`` (ops' CA cancellation): under ``fail`` a cancellation falling due is lost for
  good (the request was lost, as when 运维 miss it) — past 2 hours the diagnoser sends the
  taxpayer to the hotline (CA_CANCEL_OVERDUE); a new ``cancel_ca`` afterwards completes
  normally. Under ``delay`` it completes ``by`` later.
- ``upload`` (网票 → 金三, at once): see :mod:`.upload_channel`.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ..audit.record import record
from ..clock import JobDeferred, JobFailed, advance, fmt, parse_duration, parse_time, register_work, world_now
from ..errors import OperationError, invalid
from .fault_models import CHANNELS, KINDS, SyncFault
from .models import JobRun, WorkItem

# the channels the clock schedules, by their job names (jobs/schedules.py)
JOB_CHANNELS = {"incremental": "incremental", "industry_incremental": "industry", "nightly_clearing": "nightly"}
CHANNEL_LABELS = {"incremental": ("增量同步", "incremental sync"), "industry": ("行业增量同步", "industry sync"),
                  "nightly": ("夜间清分同步", "nightly clearing"), "sync_info": ("同步信息", "sync_info"),
                  "ca_cancel": ("取消CA处理", "CA cancellation"), "upload": ("发票上传（网票→金三）", "upload")}
KIND_LABELS = {"fail": ("失败", "fail"), "delay": ("延迟", "delay")}
DELAYED_RUN = "delayed_run"
HELD_SYNC_INFO = "sync_info_push"
FAULT_KEYS = {"channel", "kind", "for", "until", "by"}


# --- the step: {fault: {channel, kind, for|until, by}} or {fault: clear} ---------------------------

def parse(raw) -> dict:
    """Validate a fault step's value; returns ``{"clear": True}`` or the normalised fault.

    Raises INVALID_INPUT naming the field (``fault.kind`` …), as every door reports bad input.
    """
    if raw == "clear":
        return {"clear": True}
    if not isinstance(raw, dict):
        raise invalid("fault", "a fault is {channel, kind, for|until, by} or the word clear",
                      "故障须为 {channel, kind, for|until, by} 或 clear")
    unknown = sorted(set(map(str, raw)) - FAULT_KEYS)
    if unknown:
        raise invalid(f"fault.{unknown[0]}", f"unknown key (allowed: {', '.join(sorted(FAULT_KEYS))})",
                      f"未知的键（可用：{', '.join(sorted(FAULT_KEYS))}）")
    channel, kind = raw.get("channel"), raw.get("kind")
    if channel not in CHANNELS:
        raise invalid("fault.channel", f"one of {', '.join(CHANNELS)}", f"须为 {'、'.join(CHANNELS)} 之一")
    if kind not in KINDS:
        raise invalid("fault.kind", "fail or delay", "须为 fail 或 delay")
    out: dict = {"channel": channel, "kind": kind}
    if "for" in raw and "until" in raw:
        raise invalid("fault.until", "give for (a duration) or until (a time), not both",
                      "for（时长）与 until（时间）只能给出其一")
    if "for" in raw:
        out["for"] = _positive(raw["for"], "fault.for")
    if "until" in raw:
        try:
            out["until"] = parse_time(raw["until"])
        except OperationError as exc:
            raise invalid("fault.until", exc.reason, "须为带时区偏移的时间，如 2016-05-03T11:00:00+08:00") from None
    if kind == "delay":
        if "by" not in raw:
            raise invalid("fault.by", "a delay fault says by how much (by: 30m)", "延迟故障须给出延迟时长（by: 30m）")
        out["by"] = _positive(raw["by"], "fault.by")
    elif "by" in raw:
        raise invalid("fault.by", "only a delay fault has by", "只有延迟故障（delay）才有 by")
    return out


def _positive(value, field: str) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise invalid(field, f"{value!r} is not a duration: write it with its unit, e.g. 30m, 2h or 1d",
                      f"{value!r} 不是时长：请带单位，如 30m、2h、1d")
    if not isinstance(value, str):
        raise invalid(field, "a duration such as 30m, 2h or 1d", "须为时长，如 30m、2h、1d")
    try:
        span = parse_duration(value)
    except OperationError as exc:
        raise invalid(field, exc.reason, f"{value!r} 不是时长（如 30m、2h、1d）") from None
    if span <= timedelta(0):
        raise invalid(field, "a duration longer than zero", "时长须大于零")
    return value.strip()


def apply_step(session: Session, world_id: int, raw, *, actor: str = "scenario", user=None,
               commit: bool = True) -> dict:
    """The door of a fault step (scenarios, explorations, the control room, the API): inject or
    clear, audited like a clock move, committed once. Returns what was done."""
    from ..worlds.service import can_see, get_world, touch

    world = get_world(session, world_id, lock=True)
    if user is not None and not can_see(session, user, world):
        raise OperationError("FORBIDDEN", field="world", reason="this world is not yours")
    spec = parse(raw)
    if world.clock_mode == "live" and world_now(world) > world.clock_now:
        advance(session, world, world_now(world))
    now = world.clock_now
    if spec.get("clear"):
        ended = clear(session, world, now)
        result = {"cleared": [f.id for f in ended], "at": fmt(now)}
    else:
        fault = inject(session, world, spec, now)
        result = dict(describe(fault), at=fmt(now))
    touch(world)   # what is due next may have changed (an upload outbox released or scheduled)
    record(session, world_id=world.id, actor=actor, actor_kind="system", operation="fault",
           args=raw if isinstance(raw, dict) else {"clear": True}, result=result, sim_time=now,
           user_id=getattr(user, "id", None))
    if commit:
        session.commit()
    else:
        session.flush()
    return result


def inject(session: Session, world, spec: dict, now: datetime) -> SyncFault:
    if "for" in spec:
        ends = now + parse_duration(spec["for"])
    elif "until" in spec:
        ends = spec["until"]
        if ends <= now:
            raise invalid("fault.until", f"the clock is at {fmt(now)}; a fault ends after it",
                          f"时钟已到 {fmt(now)}；故障须在此之后结束")
    else:
        ends = None
    _end(session, world, now, channel=spec["channel"])     # the new fault replaces the channel's
    by = parse_duration(spec["by"]) if spec.get("by") else None
    fault = SyncFault(world_id=world.id, channel=spec["channel"], kind=spec["kind"],
                      delay_seconds=int(by.total_seconds()) if by else None, starts_at=now, ends_at=ends)
    session.add(fault)
    session.flush()
    if spec["channel"] == "upload":
        from .upload_channel import schedule_release
        schedule_release(session, world, fault)
    return fault


def clear(session: Session, world, now: datetime) -> list[SyncFault]:
    return _end(session, world, now)


def _end(session: Session, world, now: datetime, channel: str | None = None) -> list[SyncFault]:
    stmt = select(SyncFault).where(SyncFault.world_id == world.id, _active_at(now))
    if channel is not None:
        stmt = stmt.where(SyncFault.channel == channel)
    ended = list(session.scalars(stmt.order_by(SyncFault.id)))
    for fault in ended:
        fault.ends_at, fault.cleared_at = now, now
    session.flush()
    if any(f.channel == "upload" for f in ended):
        from .upload_channel import release
        release(session, world, now)
    return ended


# --- what is active ----------------------------------------------------------------------------

def _active_at(at: datetime):
    return and_(SyncFault.starts_at <= at, or_(SyncFault.ends_at.is_(None), SyncFault.ends_at > at))


def active(session: Session, world_id: int, channel: str, at: datetime) -> SyncFault | None:
    return session.scalars(select(SyncFault).where(SyncFault.world_id == world_id, SyncFault.channel == channel,
                                                   _active_at(at)).order_by(SyncFault.id.desc()).limit(1)).first()


def active_faults(session: Session, world_id: int, at: datetime) -> list[SyncFault]:
    return list(session.scalars(select(SyncFault).where(SyncFault.world_id == world_id, _active_at(at))
                                .order_by(SyncFault.channel)))


def recent_faults(session: Session, world_id: int, limit: int = 20) -> list[SyncFault]:
    return list(session.scalars(select(SyncFault).where(SyncFault.world_id == world_id)
                                .order_by(SyncFault.id.desc()).limit(limit)))


def overview(session: Session, world, limit: int = 20) -> dict:
    """What the pipeline view, the jobs page and ``backoffice jobs`` show of faults: the active ones,
    the latest injected, and the latest runs that failed or were held back."""
    now = world.clock_now
    runs = session.scalars(select(JobRun).where(JobRun.world_id == world.id, JobRun.status != "ok")
                           .order_by(JobRun.scheduled_for.desc(), JobRun.id.desc()).limit(limit))
    return {"active": [describe(f) for f in active_faults(session, world.id, now)],
            "recent": [describe(f) for f in recent_faults(session, world.id, limit)],
            "failed_runs": [{"job": r.job, "scheduled_for": fmt(r.scheduled_for), "status": r.status,
                             "reason": r.reason, "detail": r.detail or {}} for r in runs]}


def describe(f: SyncFault) -> dict:
    out = {"id": f.id, "channel": f.channel, "kind": f.kind, "starts_at": fmt(f.starts_at), "ends_at": fmt(f.ends_at)}
    if f.delay_seconds:
        out["by"] = _span(f.delay_seconds)
    if f.cleared_at is not None:
        out["cleared_at"] = fmt(f.cleared_at)
    return out


def _span(seconds: int) -> str:
    d, rest = divmod(int(seconds), 86400)
    h, rest = divmod(rest, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((d, "d"), (h, "h"), (m, "m"), (s, "s")) if v) or "0"


def _until(f: SyncFault) -> str:
    return f" until {fmt(f.ends_at)}" if f.ends_at else " until cleared"


# --- the gates at the channels' entry points ---------------------------------------------------

def gate_job(session: Session, world, job: str, at: datetime) -> None:
    """A scheduled run at ``at``: fails (JobFailed) or is held back (JobDeferred) under its channel's fault."""
    channel = JOB_CHANNELS[job]
    f = active(session, world.id, channel, at)
    if f is None:
        return
    if f.kind == "fail":
        raise JobFailed(f"injected fault #{f.id}: {channel} fails{_until(f)}", {"fault": f.id})
    runs_at = at + timedelta(seconds=f.delay_seconds)
    session.add(WorkItem(world_id=world.id, kind=DELAYED_RUN, due_at=runs_at, created_at=at,
                         payload={"job": job, "scheduled_for": fmt(at), "upto_seq": world.next_seq - 1,
                                  "fault": f.id}))
    raise JobDeferred(f"injected fault #{f.id}: held back {_span(f.delay_seconds)}, runs at {fmt(runs_at)}",
                      {"fault": f.id, "runs_at": fmt(runs_at)})


def _late_run(session: Session, world, item: WorkItem, at: datetime) -> None:
    """A scheduled run held back by a delay fault, taking place now."""
    from .channels import run_late

    job, scheduled = item.payload["job"], parse_time(item.payload["scheduled_for"])
    f = active(session, world.id, JOB_CHANNELS[job], at)
    row = session.scalars(select(JobRun).where(JobRun.world_id == world.id, JobRun.job == job,
                                               JobRun.scheduled_for == scheduled)).first()
    if f is not None and f.kind == "fail":
        if row is not None:
            row.status, row.reason = "failed", f"injected fault #{f.id}: the late run at {fmt(at)} failed"
        return
    moved = run_late(job, session, world, at, as_of=scheduled, upto_seq=item.payload.get("upto_seq"))
    row = session.scalars(select(JobRun).where(JobRun.world_id == world.id, JobRun.job == job,
                                               JobRun.scheduled_for == scheduled)).first()
    if row is None:
        return
    if moved:
        row.status, row.items = "ok", moved
        row.reason = f"held back by injected fault #{item.payload.get('fault')}: ran at {fmt(at)}"
        row.detail = {"fault": item.payload.get("fault"), "ran_at": fmt(at)}
    else:   # as any run with nothing to do: no record
        session.delete(row)


register_work(DELAYED_RUN, _late_run)


def refuse_sync_info(session: Session, world, now: datetime) -> SyncFault | None:
    """同步信息 under a fail fault is refused (SYNC_FAILED); under a delay fault, the fault is returned."""
    f = active(session, world.id, "sync_info", now)
    if f is not None and f.kind == "fail":
        raise OperationError("SYNC_FAILED", field="taxpayer",
                             reason=f"同步信息 failed (injected fault #{f.id}{_until(f)})",
                             reason_zh=f"同步信息未成功（注入故障 #{f.id}）")
    return f


def hold_sync_info(session: Session, world, taxpayer_id: int, now: datetime, fault: SyncFault) -> dict:
    """同步信息 under a delay fault: accepted; the push (sync/operations.push) happens ``by`` later."""
    from sqlalchemy import func

    from ..jinsan.models import Change

    due = now + timedelta(seconds=fault.delay_seconds)
    session.add(WorkItem(world_id=world.id, kind=HELD_SYNC_INFO, due_at=due, created_at=now,
                         payload={"taxpayer_id": taxpayer_id, "fault": fault.id}))
    waiting = session.scalar(select(func.count()).select_from(Change).where(
        Change.world_id == world.id, Change.taxpayer_id == taxpayer_id, Change.delivered_at.is_(None)))
    return {"delivered": 0, "waiting": waiting, "held_until": fmt(due)}


def gate_ca_cancel(session: Session, world, item: WorkItem, at: datetime) -> None:
    """Ops finishing a CA cancellation: lost under a fail fault, held back under a delay fault."""
    f = active(session, world.id, "ca_cancel", at)
    if f is None:
        return
    if f.kind == "fail":
        raise JobFailed(f"injected fault #{f.id}: the CA cancellation request of {item.taxpayer_ref} was lost",
                        {"fault": f.id, "taxpayer": item.taxpayer_ref})
    if (item.payload or {}).get("late"):
        return        # already the late one
    due = at + timedelta(seconds=f.delay_seconds)
    session.add(WorkItem(world_id=world.id, kind=item.kind, due_at=due, created_at=at, taxpayer_ref=item.taxpayer_ref,
                         payload={"late": True, "fault": f.id}))
    raise JobDeferred(f"injected fault #{f.id}: the CA cancellation of {item.taxpayer_ref} is held back until "
                      f"{fmt(due)}", {"fault": f.id, "taxpayer": item.taxpayer_ref, "runs_at": fmt(due)})


__all__ = ["parse", "apply_step", "inject", "clear", "active", "active_faults", "recent_faults", "describe",
           "gate_job", "refuse_sync_info", "gate_ca_cancel", "CHANNEL_LABELS", "KIND_LABELS", "JOB_CHANNELS"]
