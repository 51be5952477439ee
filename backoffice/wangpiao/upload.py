"""The upload channel (网票 → 金三): each issued, voided or red-reversed invoice is reported at once.

网票 may not import 金三, so 金三 registers its receiver here (dependency inversion): 网票 calls
:func:`report`, every registered receiver records the event on its side.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Callable

from sqlalchemy.orm import Session

RECEIVERS: list[Callable[..., None]] = []
# The channel between the two ends (the sync layer registers it: it keeps the ledger and holds
# reports under an injected upload fault). Without one, reports are delivered directly.
TRANSPORT: list[Callable[..., None]] = []


def register_receiver(receiver: Callable[..., None]) -> None:
    if receiver not in RECEIVERS:
        RECEIVERS.append(receiver)


def register_transport(transport: Callable[..., None]) -> None:
    TRANSPORT[:] = [transport]


def deliver(session: Session, **report_) -> None:
    """Hand one report to every receiver (金三's end)."""
    for receiver in RECEIVERS:
        receiver(session, **report_)


def report(session: Session, *, world_id: int, source_taxpayer_id: int, code: str, number: int,
           event: str, amount: Decimal, at: datetime) -> None:
    """event: issued | voided | red."""
    fields = dict(world_id=world_id, source_taxpayer_id=source_taxpayer_id, code=code, number=number,
                  event=event, amount=amount, at=at)
    if TRANSPORT:
        TRANSPORT[0](session, deliver, **fields)
    else:
        deliver(session, **fields)
