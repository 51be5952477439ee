"""`backoffice up`'s first-run setup: demo users and the demo world, found again at every start."""
from __future__ import annotations

from sqlalchemy import func, select

from backoffice.bootstrap import DEMO_KEY, DEMO_WORLD, ensure_demo
from backoffice.seed import load_demo
from backoffice.worlds.models import World
from backoffice.worldbuild import create_world


def test_a_second_world_named_like_the_demo_does_not_break_the_next_start(db, tmp_path):
    ensure_demo(db, tmp_path)
    demo_id = db.execute(select(World.id).where(World.key == DEMO_KEY)).scalar_one()
    # what 创建演示世界 in the control room does: another world with the same name and content
    create_world(db, load_demo()["world"], name=DEMO_WORLD)
    db.commit()
    assert db.execute(select(func.count()).select_from(World).where(World.name == DEMO_WORLD)).scalar() >= 2
    ensure_demo(db, tmp_path)   # the next `backoffice up`
    assert db.execute(select(World.id).where(World.key == DEMO_KEY)).scalar_one() == demo_id
    assert (tmp_path / "demo_logins.txt").read_text(encoding="utf-8").count("instructor /") == 1
