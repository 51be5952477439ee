"""同步信息 (sync_info): an officer pushes a taxpayer's waiting changes to 网票 at once (FAQ 3.2)."""
from __future__ import annotations

from sqlalchemy import and_, exists, func, select, update

from ..catalogue import Args, Ref, operation
from ..clock import register_work
from ..errors import OperationError
from ..jinsan.models import Taxpayer
from . import channels, ops, upload  # noqa: F401  (loading the catalogue registers the jobs and channels)
from . import faults
from .incremental import BY_SYNC_INFO, deliver
from .tables import A, C


class SyncInfoArgs(Args):
    taxpayer: Ref


def _taxpayer(ctx, ref: str) -> Taxpayer:
    tp = ctx.session.execute(select(Taxpayer).where(Taxpayer.world_id == ctx.world.id, Taxpayer.ref == ref)
                             ).scalar_one_or_none()
    if tp is None:
        raise OperationError("INVALID_INPUT", field="taxpayer", reason=f"no taxpayer {ref!r} in this world",
                             reason_zh=f"本世界没有纳税人 {ref}")
    officer = ctx.actor.officer
    if officer is not None and officer.role == "specialist" and tp.specialist_id != officer.id:
        raise OperationError("FORBIDDEN", field="taxpayer", reason=f"{ref} is not assigned to {officer.login}",
                             reason_zh=f"纳税人 {ref} 不由 {officer.login} 管理")
    return tp


@operation("sync_info", zh="同步信息", en="Sync information", args=SyncInfoArgs, side="jinsan")
def sync_info(ctx, args: SyncInfoArgs) -> dict:
    """Push the taxpayer's purchases and returns (including sales made before enablement), red
    limit and any pending 初始化密码 to 网票 now; without a 网票 account yet they wait for it."""
    tp = _taxpayer(ctx, args.taxpayer)
    fault = faults.refuse_sync_info(ctx.session, ctx.world, ctx.now)   # SYNC_FAILED under a fail fault
    if fault is not None:   # a delay fault: the push reaches 网票 that much later
        return {"taxpayer": args.taxpayer, **faults.hold_sync_info(ctx.session, ctx.world, tp.id, ctx.now, fault)}
    return {"taxpayer": args.taxpayer, **push(ctx.session, ctx.world.id, tp.id, ctx.now)}


def push(s, w: int, taxpayer_id: int, now) -> dict:
    """同步信息's delivery: force the taxpayer's waiting changes, and deliver them if 网票 has its account."""
    s.flush()
    waiting = and_(C.c.world_id == w, C.c.taxpayer_id == taxpayer_id, C.c.delivered_at.is_(None))
    s.execute(update(C).where(waiting).values(forced=True))
    has_account = s.execute(select(exists().where(A.c.world_id == w, A.c.source_taxpayer_id == taxpayer_id))).scalar()
    delivered = 0
    if has_account:
        delivered = deliver(s, w, now, waiting, by=BY_SYNC_INFO, batch=10_000, commit=False)
        s.expire_all()
    left = s.execute(select(func.count()).select_from(C).where(waiting)).scalar()
    return {"account": bool(has_account), "delivered": delivered, "waiting": left}


def _held_push(session, world, item, at) -> None:
    push(session, world.id, item.payload["taxpayer_id"], at)


register_work(faults.HELD_SYNC_INFO, _held_push)
