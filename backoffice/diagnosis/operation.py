"""The ``diagnose`` operation: an officer asks, and the asking is audited like every operation.

Pages and API reads that only show a diagnosis call :func:`backoffice.diagnosis.diagnose`
instead, which writes nothing.
"""
from __future__ import annotations

from ..catalogue import Args, Ref, operation
from .engine import diagnose as diagnose_read


class DiagnoseArgs(Args):
    taxpayer: Ref


@operation("diagnose", zh="诊断", en="Diagnose", args=DiagnoseArgs, side="jinsan", mutates=False)
def diagnose(ctx, args: DiagnoseArgs) -> dict:
    """Which FAQ entry applies to the taxpayer, the cause found in the data, and the FAQ's steps."""
    return diagnose_read(ctx.session, ctx.world, args.taxpayer, ctx.now)
