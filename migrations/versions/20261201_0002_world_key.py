"""worlds.key: the template and demo worlds are found by a unique key, not by name

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("worlds") as batch:
        batch.add_column(sa.Column("key", sa.String(length=60), nullable=True))
        batch.create_unique_constraint(batch.f("uq_worlds_key"), ["key"])
    worlds = sa.table("worlds", sa.column("id", sa.Integer), sa.column("name", sa.String),
                      sa.column("key", sa.String), sa.column("is_template", sa.Boolean))
    conn = op.get_bind()
    # templates were known by their name; the demo world by its name too (the oldest one wins)
    for wid, name in conn.execute(sa.select(worlds.c.id, worlds.c.name).where(worlds.c.is_template.is_(True))
                                  .order_by(worlds.c.id)).all():
        if conn.execute(sa.select(worlds.c.id).where(worlds.c.key == name)).first() is None:
            conn.execute(worlds.update().where(worlds.c.id == wid).values(key=name))
    demo = conn.execute(sa.select(sa.func.min(worlds.c.id)).where(worlds.c.name == "演示世界",
                                                                  worlds.c.is_template.is_(False))).scalar()
    if demo is not None:
        conn.execute(worlds.update().where(worlds.c.id == demo).values(key="demo"))


def downgrade() -> None:
    with op.batch_alter_table("worlds") as batch:
        batch.drop_constraint(batch.f("uq_worlds_key"), type_="unique")
        batch.drop_column("key")
