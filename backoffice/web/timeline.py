"""The control room's timeline: a world's audit entries and job runs, merged, in words."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from .. import catalogue
from ..audit.models import AuditEntry
from ..errors import OperationError
from ..sync.models import JobRun
from .db import get_session
from .forms import op_label
from .labels import actor_label, summary
from .menus import job_label


def op_labels() -> dict[str, str]:
    """Every operation's label in the page's language."""
    return {name: op_label(op) for name, op in catalogue.load_all().items()}


def world_timeline(world_id: int, limit: int = 200) -> list[dict]:
    """Audit entries and job runs merged, newest first."""
    db = get_session()
    labels = op_labels()
    labels["advance"] = _("推进时钟")
    out = []
    for a in db.scalars(select(AuditEntry).where(AuditEntry.world_id == world_id)
                        .order_by(AuditEntry.sim_time.desc(), AuditEntry.id.desc()).limit(limit)):
        out.append({"time": a.sim_time, "kind": "audit", "who": actor_label(a.actor, a.actor_kind), "what": labels.get(a.operation, a.operation),
                    "ok": a.error_code is None, "detail": a.error_code or _summary(a.operation, a.result),
                    "taxpayer": a.taxpayer_ref, "order": (a.sim_time, 1, a.id)})
    for j in db.scalars(select(JobRun).where(JobRun.world_id == world_id)
                        .order_by(JobRun.scheduled_for.desc(), JobRun.id.desc()).limit(limit)):
        ok = getattr(j, "status", "ok") == "ok"   # a failed or held-back run (an injected fault)
        out.append({"time": j.scheduled_for, "kind": "job", "who": _("定时任务"), "what": job_label(j.job), "ok": ok,
                    "detail": _("%(n)s 项", n=j.items) if ok else (_("失败") if j.status == "failed" else _("延迟")),
                    "taxpayer": None, "order": (j.scheduled_for, 0, j.id)})
    out.sort(key=lambda e: e["order"], reverse=True)
    return out[:limit]


def _summary(operation: str, result) -> str:
    if not result:
        return ""
    if operation == "advance" and {"from", "to", "events"} <= set(result):
        return _("%(a)s → %(b)s，%(n)s 个事件", a=_clock_text(result["from"]), b=_clock_text(result["to"]),
                 n=result["events"])
    return summary(result)


def _clock_text(iso) -> str:
    try:
        from ..clock import local, parse_time
        return local(parse_time(iso)).strftime("%Y-%m-%d %H:%M")
    except (OperationError, TypeError, ValueError):
        return str(iso)
