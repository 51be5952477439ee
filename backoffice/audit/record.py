"""Writing audit entries (docs/architecture.md rule 5). Every operation and clock move is recorded."""
from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from ..clock import wall_now
from .models import AuditEntry


def plain(value):
    """JSON-safe copy: Decimals and times as strings."""
    return json.loads(json.dumps(value, default=lambda v: str(v) if isinstance(v, Decimal) else
                                 v.isoformat() if isinstance(v, (datetime, date)) else repr(v)))


def record(session: Session, *, world_id: int, actor: str, actor_kind: str, operation: str, args: dict,
           sim_time: datetime, result: dict | None = None, error_code: str | None = None,
           error_field: str | None = None, taxpayer_ref: str | None = None, user_id: int | None = None,
           seq: int | None = None) -> AuditEntry:
    entry = AuditEntry(world_id=world_id, actor=actor, actor_kind=actor_kind, operation=operation,
                       args=plain(args or {}), result=plain(result) if result is not None else None,
                       error_code=error_code, error_field=error_field, taxpayer_ref=taxpayer_ref,
                       user_id=user_id, sim_time=sim_time, wall_time=wall_now(), seq=seq)
    session.add(entry)
    return entry
