"""同步信息 (sync_info): an officer pushes a taxpayer's waiting changes to 网票 at once (FAQ 3.2)."""
from __future__ import annotations

from sqlalchemy import and_, exists, func, select, update

from ..catalogue import Args, Ref, operation
from ..errors import OperationError
from ..jinsan.models import Taxpayer
from . import channels  # noqa: F401  (loading the catalogue registers the sync jobs)
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
    s, w = ctx.session, ctx.world.id
    tp = _taxpayer(ctx, args.taxpayer)
    s.flush()
    waiting = and_(C.c.world_id == w, C.c.taxpayer_id == tp.id, C.c.delivered_at.is_(None))
    s.execute(update(C).where(waiting).values(forced=True))
    has_account = s.execute(select(exists().where(A.c.world_id == w, A.c.source_taxpayer_id == tp.id))).scalar()
    delivered = 0
    if has_account:
        delivered = deliver(s, w, ctx.now, waiting, by=BY_SYNC_INFO, batch=10_000, commit=False)
        s.expire_all()
    left = s.execute(select(func.count()).select_from(C).where(waiting)).scalar()
    return {"taxpayer": args.taxpayer, "account": bool(has_account), "delivered": delivered, "waiting": left}
