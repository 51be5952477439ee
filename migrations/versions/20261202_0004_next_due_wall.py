"""worlds.next_due_wall: when a live world is next due, on the wall clock (the live tick's question)

On PostgreSQL the worlds table also keeps half of each page free (fillfactor 50): the live tick moves
every idle live world's clock each second, and with room on the page those updates stay in place
(HOT) instead of touching the table's indexes.

Revision ID: 0004
Revises: 1101
"""
from alembic import op
import sqlalchemy as sa
import backoffice.db

revision = "0004"
down_revision = "1101"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("worlds") as batch:
        batch.add_column(sa.Column("next_due_wall", backoffice.db.UTCDateTime(), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE worlds SET (fillfactor = 50)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE worlds RESET (fillfactor)")
    with op.batch_alter_table("worlds") as batch:
        batch.drop_column("next_due_wall")
