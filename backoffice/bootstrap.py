"""First-run setup for ``backoffice up``: demo users with generated passwords and a demo world."""
from __future__ import annotations

import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from .seed import load_demo
from .users.models import User
from .users.service import create_user
from .worlds.models import World
from .worldbuild import create_world, template_world
from .worlds.service import add_member

DEMO_USERS = (("instructor", "instructor", "演示教员"), ("trainee", "trainee", "演示学员"), ("qa", "qa", "演示测试"))
DEMO_WORLD = "演示世界"
DEMO_KEY = "demo"   # the demo world of `backoffice up`; other worlds may share its name


def ensure_demo(session: Session, instance: Path) -> list[str]:
    """Create what is missing; passwords are generated once and kept in the instance folder."""
    template_world(session)
    instance.mkdir(parents=True, exist_ok=True)
    logins_file = instance / "demo_logins.txt"
    lines = logins_file.read_text(encoding="utf-8").splitlines() if logins_file.exists() else []
    for username, role, name in DEMO_USERS:
        if session.execute(select(User.id).where(User.username == username)).first():
            continue
        password = secrets.token_urlsafe(9)
        create_user(session, username, password, role, name)
        lines = [ln for ln in lines if not ln.startswith(f"{username} ")] + [f"{username} / {password}  ({role})"]
    session.flush()
    demo = session.execute(select(World).where(World.key == DEMO_KEY)).scalar_one_or_none()
    if demo is None:
        data = load_demo()
        instructor = session.execute(select(User).where(User.username == "instructor")).scalar_one()
        demo = create_world(session, data["world"], name=DEMO_WORLD, owner_id=instructor.id)
        demo.key = DEMO_KEY
        for username in ("trainee", "qa"):
            u = session.execute(select(User).where(User.username == username)).scalar_one()
            add_member(session, demo, u.id)
    session.commit()
    logins_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    logins_file.chmod(0o600)
    return lines
