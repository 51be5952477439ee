"""Creating and resetting worlds from base data and a ``world:`` block.

A new world is a copy of its base's template world (:mod:`.template`) with the block applied
(:mod:`.build`). A small block is built in the caller's transaction, which commits. A big one —
more taxpayers than one batch — may be built a batch per transaction when the caller passes
``commit=True``: the world is marked ``building`` (no door shows it or acts in it) until its last
batch is written, so no writer holds the database for the whole build, and a build that fails half
way is deleted.
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from ..audit.record import plain
from ..clock import wall_now
from ..worlds.models import World
from ..worlds.quota import check_quota
from ..worlds.service import copy_world_rows, delete_world_rows, touch
from .build import TAXPAYER_BATCH, apply_spec, normalize_spec
from .template import template_world


def create_world(session: Session, spec: dict | None = None, *, name: str | None = None,
                 owner_id: int | None = None, commit: bool = False) -> World:
    """A new world from the base data plus an optional ``world:`` block.

    Without ``commit`` everything happens in the caller's transaction (the caller commits). With
    it, the world is committed when built; a block of many taxpayers is then written a batch per
    transaction.
    """
    parsed = normalize_spec(spec)
    check_quota(session, owner_id)
    tpl = template_world(session, parsed.base)
    batched = commit and len(parsed.taxpayers) > TAXPAYER_BATCH
    world = World(name=name or "world", owner_id=owner_id, clock_now=parsed.start, clock_start=parsed.start,
                  clock_mode="manual", live_speed=1.0, seed=parsed.seed, next_seq=tpl.next_seq,
                  cleared_seq=tpl.cleared_seq, spec=plain(spec or {}), created_wall=wall_now(), building=batched)
    session.add(world)
    session.flush()
    copy_world_rows(session, tpl.id, [world.id])
    if not batched:
        apply_spec(session, world, parsed)
        if commit:
            session.commit()
        return world
    session.commit()
    try:
        apply_spec(session, world, parsed, commit_batch=session.commit)
        world.building = False
        session.commit()
    except BaseException:
        session.rollback()
        _discard(session, world.id)
        raise
    return world


def _discard(session: Session, world_id: int) -> None:
    world = session.get(World, world_id)
    if world is not None:
        delete_world_rows(session, world_id)
        session.delete(world)
        session.commit()


def reset_world(session: Session, world: World) -> World:
    """Back to how it was made: its base data and world block at its start time."""
    parsed = normalize_spec(world.spec)
    tpl = template_world(session, parsed.base)
    delete_world_rows(session, world.id)
    world.clock_now = world.clock_start = parsed.start
    world.clock_mode, world.live_anchor_wall, world.live_anchor_sim = "manual", None, None
    world.next_seq, world.cleared_seq, world.seed = tpl.next_seq, tpl.cleared_seq, parsed.seed
    touch(world)
    session.flush()
    copy_world_rows(session, tpl.id, [world.id])
    apply_spec(session, world, parsed)
    session.flush()
    return world
