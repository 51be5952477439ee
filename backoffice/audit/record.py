"""Writing audit entries. Every operation and clock move is recorded, refusals included.

A refusal's entry keeps what was asked, bounded: hostile input (a 100,000-character actor, NUL
bytes, deeply nested arguments) is shortened and cleaned here, so writing the entry cannot fail on
either database and can never hide the refusal it records.
"""
from __future__ import annotations

import json
import math
import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from ..clock import wall_now
from .models import AuditEntry


def plain(value):
    """JSON-safe copy: Decimals and times as strings."""
    return json.loads(json.dumps(value, default=lambda v: str(v) if isinstance(v, Decimal) else
                                 v.isoformat() if isinstance(v, (datetime, date)) else repr(v)))


MAX_TEXT, MAX_ITEMS, MAX_DEPTH = 200, 50, 6
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean(value, limit: int) -> str | None:
    """A string fit for a column of ``limit`` characters: control characters replaced, shortened."""
    if value is None:
        return None
    text = _CONTROL.sub("\ufffd", str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bounded(value, depth: int = 0):
    """A JSON-safe copy of ``value`` no deeper, longer or wider than the audit keeps."""
    if depth >= MAX_DEPTH:
        return "…"
    if isinstance(value, dict):
        out = {clean(k, 60): bounded(v, depth + 1) for k, v in list(value.items())[:MAX_ITEMS]}
        if len(value) > MAX_ITEMS:
            out["…"] = f"{len(value) - MAX_ITEMS} more"
        return out
    if isinstance(value, (list, tuple)):
        out = [bounded(v, depth + 1) for v in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            out.append(f"… {len(value) - MAX_ITEMS} more")
        return out
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else clean(value, 40)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, Decimal):
        return clean(value, 40)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    return clean(value, MAX_TEXT)


def record(session: Session, *, world_id: int, actor: str, actor_kind: str, operation: str, args: dict,
           sim_time: datetime, result: dict | None = None, error_code: str | None = None,
           error_field: str | None = None, taxpayer_ref: str | None = None, user_id: int | None = None,
           seq: int | None = None) -> AuditEntry:
    entry = AuditEntry(world_id=world_id, actor=clean(actor, 120) or "", actor_kind=clean(actor_kind, 20) or "",
                       operation=clean(operation, 40) or "", args=bounded(args or {}),
                       result=plain(result) if result is not None else None,
                       error_code=clean(error_code, 40), error_field=clean(error_field, 60),
                       taxpayer_ref=clean(taxpayer_ref, 60),
                       user_id=user_id, sim_time=sim_time, wall_time=wall_now(), seq=seq)
    session.add(entry)
    return entry
