"""FAQ 6.2's last step, found in the data: a PC CA user's cancellation, asked more than 2 hours ago,
that never completed and is no longer on its way (its request was lost — under an injected
``ca_cancel`` fault, as when 运维 miss one). The diagnoser answers it with CA_CANCEL_OVERDUE:
call 023-88812366."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..clock import local
from ..seed import sync_config
from .models import JobRun, WorkItem


def _t(dt: datetime) -> str:
    return local(dt).strftime("%Y-%m-%d %H:%M")


def ca_cancel_overdue(session: Session, world_id: int, tp, now: datetime) -> dict | None:
    """``{"cause": (en, zh), "evidence": [...]}`` when ``tp``'s CA cancellation is overdue, else None."""
    if tp.ca != "pc" or tp.ca_cancelled_at is not None or tp.ca_cancel_requested_at is None:
        return None
    on_its_way = session.scalar(select(WorkItem.id).where(
        WorkItem.world_id == world_id, WorkItem.kind == "ca_cancel", WorkItem.taxpayer_ref == tp.ref,
        WorkItem.done_at.is_(None)).limit(1))
    call_after = timedelta(minutes=int(sync_config()["delays"]["ca_call_after_minutes"]))
    asked = tp.ca_cancel_requested_at
    if on_its_way is not None or now < asked + call_after:
        return None
    lost = session.scalars(select(JobRun).where(
        JobRun.world_id == world_id, JobRun.job == "ca_cancel", JobRun.status == "failed",
        JobRun.scheduled_for >= asked).order_by(JobRun.scheduled_for)).all()
    lost = [r for r in lost if (r.detail or {}).get("taxpayer") in (None, tp.ref)]
    hours = int(call_after.total_seconds() // 3600)
    evidence = [f"cancel_ca requested at {_t(asked)}"]
    if lost:
        evidence.append(f"the cancellation due at {_t(lost[0].scheduled_for)} was lost: {lost[0].reason}")
    evidence.append(f"{hours} hours passed at {_t(asked + call_after)}; CA still not cancelled")
    en = (f"CA cancellation was asked for at {_t(asked)} and is still not done more than {hours} hours later"
          + (f" (the request was lost at {_t(lost[0].scheduled_for)})" if lost else "")
          + ": call 023-88812366 to ask; a new request (cancel_ca) then completes in 30–60 minutes")
    zh = (f"{_t(asked)} 申请取消 CA，超过 {hours} 个小时仍未完成"
          + (f"（申请已于 {_t(lost[0].scheduled_for)} 遗失）" if lost else "")
          + "：请致电 023-88812366 查询情况；运维重新取消 CA（cancel_ca）后 30-60 分钟完成")
    return {"cause": (en, zh), "evidence": evidence}
