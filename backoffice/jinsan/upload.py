"""金三's end of the upload channel: 网票 reports each issued, voided or red-reversed invoice at once.

The numbers recorded here are what ``return_invoices`` refuses to take back (RANGE_IN_USE). The
channel itself (connecting this receiver to 网票's reports) is ``backoffice.sync.upload``: 金三
never imports 网票.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from .models import UsedInvoice


def receive(session: Session, *, world_id: int, source_taxpayer_id: int, code: str, number: int, event: str,
            amount: Decimal, at: datetime) -> None:
    session.add(UsedInvoice(world_id=world_id, taxpayer_id=source_taxpayer_id, code=code, number=int(number),
                            event=event, amount=amount, received_at=at))
