"""The one way in: every door (web, JSON API, CLI, scenarios) calls :func:`execute`.

It resolves the actor in the world, checks the role *before* the input, validates the arguments
with the operation's model, runs the operation, writes the audit entry and commits once. A
rejected operation is rolled back whole; its audit entry is then written in a transaction of its
own, so it leaves nothing behind but that entry.
"""
from __future__ import annotations

import random
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import catalogue
from .audit.record import record
from .clock import advance, check_horizon, fmt, parse_duration, parse_time, world_now
from .errors import OperationError
from .jinsan.models import Officer
from .limits import limits
from .security import token_hash
from .wangpiao.models import PcMachine, WpAccount, WpInvoicer, WpSession
from .worlds.models import World
from .db import scoped_to_world
from .worlds.service import can_see, get_world, next_seq, no_such_world, touch


# Services above the domains may refuse operations and clock moves in worlds they govern (training:
# an exam attempt refuses the diagnoser, an attempt lets the trainee play only some officers, a
# submitted attempt is read-only). They register a check here, since dispatch may not import them.
# A check is ``guard(session, world, actor_name, op)`` (``op`` None for a clock move) and raises
# OperationError to refuse; it runs before the role and the input are looked at.
GUARDS: list[Callable[..., None]] = []


def register_guard(guard: Callable[..., None]) -> Callable[..., None]:
    if guard not in GUARDS:
        GUARDS.append(guard)
    return guard

log = logging.getLogger(__name__)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


@dataclass
class Actor:
    kind: str                      # officer | taxpayer
    name: str                      # officer login, taxpayer ref, or ref/invoicer-name
    officer: Officer | None = None
    taxpayer_ref: str | None = None
    invoicer_name: str | None = None
    wp_session: WpSession | None = None
    user_id: int | None = None

    @property
    def role(self) -> str | None:
        return self.officer.role if self.officer else None


@dataclass
class Ctx:
    """What an operation is given: explicit session, world, actor and the world's clock."""

    session: Session
    world: World
    actor: Actor
    now: datetime
    _seq: int | None = field(default=None, repr=False)

    def seq(self) -> int:
        """This operation's place in the world's change sequence (allocated once, on first use)."""
        if self._seq is None:
            self._seq = next_seq(self.world)
        return self._seq

    def rng(self) -> random.Random:
        """Random draws reproducible per world seed and change sequence."""
        return random.Random(f"{self.world.seed}:{self.seq()}")


def resolve_actor(session: Session, world: World, name: str, op: catalogue.Operation,
                  wp_token: str | None) -> Actor:
    if not isinstance(name, str) or not name or len(name) > 120 or _CONTROL.search(name):
        # no such officer or taxpayer can exist (and a NUL must never reach PostgreSQL)
        raise OperationError("FORBIDDEN", field="actor", reason="not an officer or taxpayer of this world",
                             reason_zh="不是本世界的税务人员或纳税人")
    if op.side == "jinsan":
        officer = session.execute(select(Officer).where(Officer.world_id == world.id, Officer.login == name)).scalar_one_or_none()
        if officer is None:
            raise OperationError("FORBIDDEN", field="actor", reason=f"{name!r} is not an officer of this world")
        return Actor("officer", name, officer=officer)
    ref, _, invoicer = name.partition("/")
    if session.execute(select(PcMachine.id).where(PcMachine.world_id == world.id, PcMachine.taxpayer_ref == ref)).first() is None:
        raise OperationError("FORBIDDEN", field="actor", reason=f"{name!r} is not a taxpayer of this world")
    actor = Actor("taxpayer", name, taxpayer_ref=ref, invoicer_name=invoicer or None)
    if op.needs_login:
        sess = None
        if wp_token:
            sess = session.execute(select(WpSession).where(WpSession.world_id == world.id,
                                                          WpSession.token_hash == token_hash(wp_token),
                                                          WpSession.active.is_(True))).scalar_one_or_none()
        if sess is None:
            raise OperationError("NOT_LOGGED_IN", field="actor")
        account = session.get(WpAccount, (world.id, sess.account_id))
        inv = session.get(WpInvoicer, (world.id, sess.invoicer_id))
        if account is None or account.ref != ref or (invoicer and inv.name != invoicer):
            raise OperationError("NOT_LOGGED_IN", field="actor", reason="the session belongs to someone else")
        actor.wp_session = sess
    return actor


def _taxpayer_of(actor: Actor, args: dict) -> str | None:
    if actor.taxpayer_ref:
        return actor.taxpayer_ref
    value = args.get("taxpayer") if isinstance(args, dict) else None
    # a refused call audits what was typed, cut to the column (never a second error hiding the first)
    return value[:60].replace("\x00", "") if isinstance(value, str) else None


def execute(session: Session, world_id: int, actor_name: str, op_name: str, raw_args: dict | None = None, *,
            user=None, wp_token: str | None = None, commit: bool = True) -> dict[str, Any]:
    """Run one operation as ``actor_name`` in world ``world_id``; returns the result mapping."""
    if raw_args is not None and not isinstance(raw_args, dict):   # refused by parse_args, after the role
        raw_args = {"args": raw_args}
        shape_error = True
    else:
        shape_error = False
    raw_args = dict(raw_args or {})
    world = None
    actor = None
    sim_time = None
    try:
        op = catalogue.get(op_name)
        world = get_world(session, world_id, lock=True)
        if user is not None and not can_see(session, user, world):
            raise no_such_world(world_id)   # as if it did not exist: ids cannot be probed
        for guard in GUARDS:
            guard(session, world, actor_name, op)
        if world.clock_mode == "live":
            target = min(world_now(world), limits().clock_latest)   # a fast live clock stops at the horizon
            if target > world.clock_now:
                advance(session, world, target)
                world = get_world(session, world_id, lock=True)
        sim_time = world.clock_now
        actor = resolve_actor(session, world, actor_name, op, wp_token)
        if user is not None:
            actor.user_id = user.id
        if op.side == "jinsan":
            if actor.role not in op.roles:
                raise OperationError("FORBIDDEN", field="actor",
                                     reason=f"a {actor.role} may not {op_name}")
        args = catalogue.parse_args(op, raw_args["args"] if shape_error else raw_args)
        ctx = Ctx(session, world, actor, world.clock_now)
        with scoped_to_world(session, world.id):
            result = op.func(ctx, args) or {}
        if op.mutates:
            touch(world)
        session.flush()
        record(session, world_id=world.id, actor=actor_name, actor_kind=actor.kind, operation=op_name,
               args=raw_args, result=_audit_result(result), sim_time=world.clock_now,
               taxpayer_ref=_taxpayer_of(actor, raw_args), user_id=actor.user_id, seq=ctx._seq)
        if commit:
            session.commit()
        else:
            session.flush()
        return result
    except OperationError as exc:
        if exc.keep_changes:
            session.flush()   # what the operation did before refusing stands (OperationError.keep_changes)
        else:
            session.rollback()
        if world is not None:
            try:
                w = session.get(World, world.id)
                record(session, world_id=world_id, actor=actor_name,
                       actor_kind=actor.kind if actor else ("taxpayer" if "/" in actor_name else "unknown"),
                       operation=op_name, args=raw_args, error_code=exc.code, error_field=exc.field,
                       sim_time=w.clock_now if w else sim_time,
                       taxpayer_ref=_taxpayer_of(actor, raw_args) if actor else None,
                       user_id=getattr(user, "id", None))
                session.commit()
            except Exception:  # the audit of a refusal must never hide the refusal itself
                session.rollback()
                log.exception("could not audit the refusal %s of %s", exc.code, op_name)
        raise
    except Exception:
        session.rollback()
        raise


def _audit_result(result: dict) -> dict:
    # session tokens are secrets of the moment: the audit keeps that a login succeeded, not the token
    return {k: v for k, v in result.items() if k != "session"}


def advance_clock(session: Session, world_id: int, *, by: str | None = None, until: Any = None,
                  user=None, actor: str = "clock") -> dict:
    """Move a world's clock (a door-level action, audited like an operation)."""
    world = get_world(session, world_id, lock=True)
    if user is not None and not can_see(session, user, world):
        raise no_such_world(world_id)   # as if it did not exist: ids cannot be probed
    catalogue.load_all()  # registers the guards
    for guard in GUARDS:
        guard(session, world, actor, None)
    start = world.clock_now
    if by is not None:
        target = start + parse_duration(by, field="by")
        args = {"by": by}
    elif until is not None:
        try:
            target = parse_time(until)
        except OperationError as exc:
            exc.field = "until"
            raise
        args = {"until": fmt(target)}
    else:
        raise OperationError("INVALID_INPUT", field="by", reason="give a duration (by) or a time (until)",
                             reason_zh="须给出时长（by）或时间（until）")
    check_horizon(target, "by" if by is not None else "until")
    if target < start:
        raise OperationError("CLOCK_BACKWARDS", field="until",
                             reason=f"the clock is at {fmt(start)}; it only moves forward")
    fired = advance(session, world, target)
    touch(world)
    record(session, world_id=world.id, actor=actor, actor_kind="system", operation="advance", args=args,
           result={"from": fmt(start), "to": fmt(world.clock_now), "events": len(fired)},
           sim_time=world.clock_now, user_id=getattr(user, "id", None))
    session.commit()
    return {"from": fmt(start), "to": fmt(world.clock_now),
            "events": [{"time": fmt(e["time"]), "job": e["job"], "items": e["items"],
                        **({"status": e["status"]} if e.get("status") else {})} for e in fired]}
