"""Login throttling per account and per address, kept in the database so that it holds across
every gunicorn worker and process.

Within a window (LOGIN_WINDOW_SECONDS) an account may fail LOGIN_MAX_FAILURES times and an
address LOGIN_MAX_FAILURES_PER_ADDRESS times; the next attempt is refused, without checking the
password, until the lockout (LOGIN_LOCKOUT_SECONDS) ends. A success clears the account's count.
Accounts are keyed by a hash of the name typed, whether or not such a user exists, so an unknown
name is throttled exactly like a known one. (Locking an account can be abused to keep its owner
out for the lockout's length; the per-address limit bounds how fast one address can do that.)
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..clock import wall_now
from .models import LoginThrottle


@dataclass(frozen=True)
class Policy:
    max_failures: int = 5
    max_failures_per_address: int = 20
    window_seconds: int = 900
    lockout_seconds: int = 900

    @classmethod
    def from_config(cls, config) -> "Policy":
        return cls(int(config.get("LOGIN_MAX_FAILURES", 5)), int(config.get("LOGIN_MAX_FAILURES_PER_ADDRESS", 20)),
                   int(config.get("LOGIN_WINDOW_SECONDS", 900)), int(config.get("LOGIN_LOCKOUT_SECONDS", 900)))


def account_key(username: str) -> str:
    return "account:" + hashlib.sha256(str(username).strip().lower().encode("utf-8", "replace")).hexdigest()[:64]


def address_key(address: str | None) -> str:
    return "address:" + (address or "unknown")[:64]


def retry_after(session: Session, keys: list[str], *, now: datetime | None = None) -> int:
    """Seconds until every key may try again (0: go ahead)."""
    now = now or wall_now()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    wait = 0.0
    for row in rows:
        if row.locked_until is not None and row.locked_until > now:
            wait = max(wait, (row.locked_until - now).total_seconds())
    return int(math.ceil(wait))


def record_failure(session: Session, policy: Policy, username: str, address: str | None, *,
                   now: datetime | None = None) -> None:
    """Count one failed attempt against the account and the address (committed at once)."""
    now = now or wall_now()
    for key, limit in ((account_key(username), policy.max_failures),
                       (address_key(address), policy.max_failures_per_address)):
        for _attempt in range(2):   # a concurrent first failure may insert the row first: then update it
            try:
                _count(session, key, limit, policy, now)
                session.commit()
                break
            except IntegrityError:
                session.rollback()


def _count(session: Session, key: str, limit: int, policy: Policy, now: datetime) -> None:
    row = session.execute(select(LoginThrottle).where(LoginThrottle.key == key).with_for_update()).scalar_one_or_none()
    if row is None:
        row = LoginThrottle(key=key, failures=0, window_start=now)
        session.add(row)
    if row.window_start + timedelta(seconds=policy.window_seconds) <= now:
        row.failures, row.window_start = 0, now
    row.failures += 1
    if row.failures >= limit:
        row.locked_until = now + timedelta(seconds=policy.lockout_seconds)
        row.failures, row.window_start = 0, now
    session.flush()


def record_success(session: Session, username: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(username)))
    session.commit()
