"""The diagnoser lives in :mod:`backoffice.diagnosis`; this name stays for callers that import it here."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..diagnosis import diagnose
from ..diagnosis.operation import DiagnoseArgs  # noqa: F401


def diagnose_taxpayer(session: Session, world, ref: str, now: datetime | None = None) -> dict:
    """The diagnosis of ``ref``, read without an audit row (see :func:`backoffice.diagnosis.diagnose`)."""
    return diagnose(session, world, ref, now)
